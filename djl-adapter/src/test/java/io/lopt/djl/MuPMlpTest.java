package io.lopt.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import org.junit.jupiter.api.Test;

class MuPMlpTest {
    static double std(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s / v.length);
    }

    @Test
    void initialisationAndReadoutFollowMuP() {
        int width = 256;
        SequentialBlock net = MuPMlp.of(64, width, 2, 10);
        try (Model model = Model.newInstance("mup", Device.cpu(), "PyTorch");
                Trainer trainer = newTrainer(model, net)) {
            trainer.initialize(new Shape(32, 64));
            var params = net.getParameters();
            assertEquals(6, params.size(), "two hidden layers and a readout, each with a weight and a bias");
            float[] w0 = params.get(0).getValue().getArray().toFloatArray();
            float[] w1 = params.get(2).getValue().getArray().toFloatArray();
            float[] b1 = params.get(3).getValue().getArray().toFloatArray();
            float[] readout = params.get(4).getValue().getArray().toFloatArray();
            float[] readoutBias = params.get(5).getValue().getArray().toFloatArray();
            // a normal truncated at ±2σ has a standard deviation of 0.88σ
            assertEquals(0.88 / Math.sqrt(64), std(w0), 0.05 / Math.sqrt(64), "input weights: σ = 1/√64");
            assertEquals(0.88 / Math.sqrt(width), std(w1), 0.05 / Math.sqrt(width), "hidden weights: σ = 1/√width");
            assertEquals(1.0, std(b1), 0.15, "biases N(0, 1)");
            assertEquals(0.0, std(readout), "the readout starts at zero");
            // with a zero readout the output is its bias × 1/width for every example
            NDArray x = trainer.getManager().randomNormal(new Shape(32, 64));
            float[] out = trainer.forward(new NDList(x)).singletonOrThrow().toFloatArray();
            for (int r = 0; r < 32; r++) {
                for (int c = 0; c < 10; c++) {
                    assertEquals(readoutBias[c] / width, out[r * 10 + c], 1e-6);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> MuPMlp.of(64, 0, 2, 10));
    }

    private static Trainer newTrainer(Model model, SequentialBlock net) {
        model.setBlock(net);
        return model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()));
    }

    @Test
    void aVeloStyleOptimizerRefusesToUpdateWithoutTheLoss() {
        io.lopt.optim.velo.VeloConfig cfg = io.lopt.optim.velo.VeloConfig.muVelo();
        SequentialBlock net = MuPMlp.of(8, 16, 1, 3);
        try (Model model = Model.newInstance("velo", Device.cpu(), "PyTorch")) {
            model.setBlock(net);
            LearnedDjlOptimizer opt = LearnedDjlOptimizer.builder().setLearnedOptimizer(cfg.withTheta(cfg.initialTheta(1)),
                    true).setBlock(net).optHorizon(10).build();
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(opt))) {
                trainer.initialize(new Shape(4, 8));
                Runnable step = () -> {
                    try (ai.djl.training.GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray x = trainer.getManager().randomNormal(new Shape(4, 8));
                        NDArray y = trainer.getManager().create(new float[] {0, 1, 2, 0});
                        NDArray loss = trainer.getLoss().evaluate(new NDList(y), trainer.forward(new NDList(x)));
                        gc.backward(loss);
                        return;
                    }
                };
                step.run();
                Exception e = assertThrows(Exception.class, trainer::step);
                Throwable t = e;
                while (t.getCause() != null && !t.getMessage().contains("observeLoss")) {
                    t = t.getCause();
                }
                org.junit.jupiter.api.Assertions.assertTrue(t.getMessage().contains("call observeLoss(loss)"), e.toString());
                opt.observeLoss(1.2);
                step.run();
                trainer.step(); // with the loss it updates
            }
        }
    }
}
