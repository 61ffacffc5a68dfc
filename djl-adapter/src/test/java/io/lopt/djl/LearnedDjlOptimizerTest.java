package io.lopt.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import io.lopt.kernels.Parallel;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.lo.SmallFcLopt;
import io.lopt.optimizees.datasets.FashionMnist;
import io.lopt.optimizees.tasks.MlpTask;
import io.lopt.optimizees.tasks.TaskSpec;
import io.lopt.optimizees.tasks.Training;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LearnedDjlOptimizerTest {

    /** A learned optimizer that steps along the RMS-normalised first momentum: d = m̂_1 (two ReLUs make ±). */
    static SmallFcLopt normalisedMomentum() {
        LoptConfig cfg = new LoptConfig(List.of(32, 32), 0.01, 0.001, false);
        MetaParameters lay = MetaParameters.of(cfg);
        float[] theta = new float[lay.size()];
        int m1 = 2; // feature channel of m_1
        theta[lay.weightOffset(0) + m1 * 32] = 1f;
        theta[lay.weightOffset(0) + m1 * 32 + 1] = -1f;
        theta[lay.weightOffset(1)] = 1f; // hidden 0 → 0
        theta[lay.weightOffset(1) + 32 + 1] = 1f; // hidden 1 → 1
        theta[lay.weightOffset(2)] = 1f; // d = h0 − h1
        theta[lay.weightOffset(2) + 2] = -1f;
        return new SmallFcLopt(cfg, theta);
    }

    @org.junit.jupiter.api.io.TempDir
    Path tmp;

    /** Trains {@code steps} steps of a small net on fixed random data with {@code opt}; returns its weights. */
    private static float[][] train(Model model, SequentialBlock net, LearnedDjlOptimizer opt, float[][] init, int from,
            int steps) {
        try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()).optOptimizer(opt))) {
            trainer.initialize(new Shape(8, 6));
            var params = net.getParameters();
            for (int i = 0; i < params.size(); i++) {
                params.get(i).getValue().getArray().set(init[i]);
            }
            NDManager m = trainer.getManager();
            for (int s = from; s < from + steps; s++) {
                io.lopt.util.Rng r = new io.lopt.util.Rng(100 + s);
                float[] x = new float[8 * 6];
                float[] y = new float[8 * 3];
                r.fillNormal(x, 1);
                r.fillNormal(y, 1);
                try (NDManager sub = m.newSubManager(); GradientCollector gc = trainer.newGradientCollector()) {
                    NDArray pred = trainer.forward(new NDList(sub.create(x, new Shape(8, 6)))).singletonOrThrow();
                    gc.backward(trainer.getLoss().evaluate(new NDList(sub.create(y, new Shape(8, 3))), new NDList(pred)));
                }
                trainer.step();
            }
            float[][] out = new float[params.size()][];
            for (int i = 0; i < params.size(); i++) {
                out[i] = params.get(i).getValue().getArray().toFloatArray();
            }
            return out;
        }
    }

    @Test
    void theOptimizersStateIsSavedToAFileAndRestoredExactly() throws Exception {
        SmallFcLopt lo = normalisedMomentum();
        java.util.function.Supplier<SequentialBlock> net = () -> new SequentialBlock()
                .add(Linear.builder().setUnits(5).build()).add(Activation::relu).add(Linear.builder().setUnits(3).build());
        try (Model a = Model.newInstance("a", DjlDevices.resolve(DjlDevices.DJL_CPU), "PyTorch");
                Model b = Model.newInstance("b", DjlDevices.resolve(DjlDevices.DJL_CPU), "PyTorch")) {
            SequentialBlock na = net.get();
            a.setBlock(na);
            float[][] init;
            try (Trainer t = a.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()))) {
                t.initialize(new Shape(8, 6));
                var ps = na.getParameters();
                init = new float[ps.size()][];
                for (int i = 0; i < ps.size(); i++) {
                    init[i] = ps.get(i).getValue().getArray().toFloatArray();
                }
            }
            LearnedDjlOptimizer oa = LearnedDjlOptimizer.builder().setLearnedOptimizer(lo, false).setBlock(na).build();
            float[][] half = train(a, na, oa, init, 0, 5);
            Path f = tmp.resolve("djl-opt.safetensors");
            io.lopt.checkpoints.OptimizerStates.writeAll(f, oa.exportState());
            float[][] full = train(a, na, oa, half, 5, 5);

            SequentialBlock nb = net.get();
            b.setBlock(nb);
            LearnedDjlOptimizer ob = LearnedDjlOptimizer.builder().setLearnedOptimizer(lo, false).setBlock(nb).build();
            ob.restoreState(io.lopt.checkpoints.OptimizerStates.readAll(f));
            float[][] resumed = train(b, nb, ob, half, 5, 5);
            for (int i = 0; i < full.length; i++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(full[i], resumed[i], "parameter " + i);
            }
            assertTrue(!java.util.Arrays.equals(full[0], half[0]), "the second half moved the weights");
        }
    }

    @Test
    void anOptimizerThatReadsTheRunsLengthNeedsOptHorizon() {
        io.lopt.optim.lo.LoptConfig cfg = io.lopt.optim.lo.LoptConfig.mulo().withTimeReference(1000).withDecayTo(0.1);
        SmallFcLopt lo = new SmallFcLopt(cfg, cfg.initialTheta(1));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> LearnedDjlOptimizer.builder().setLearnedOptimizer(lo, true).setBlock(new SequentialBlock()).build());
        assertTrue(e.getMessage().contains("optHorizon"), e.getMessage());
        LearnedDjlOptimizer.builder().setLearnedOptimizer(lo, true).setBlock(new SequentialBlock()).optHorizon(500).build();
    }

    @Test
    void aDjlTrainerTrainsFashionMnistLikeOurOwnLoop() {
        assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEFAULT_DIR)), "Fashion-MNIST not installed");
        TaskSpec spec = TaskSpec.parse("dataset=fashion-mnist,res=8,width=32,depth=2,param=sp,batch=64,seed=3");
        MlpTask task = MlpTask.of(spec, null);
        SmallFcLopt lo = normalisedMomentum();
        int steps = 120;
        Training.Result ours = Training.run(task, lo, new Training.Options(steps, 0, false), null, Parallel.serial());

        List<io.lopt.optim.Parameter> init = task.init();
        SequentialBlock net = new SequentialBlock().add(Linear.builder().setUnits(32).build()).add(Activation::relu)
                .add(Linear.builder().setUnits(32).build()).add(Activation::relu)
                .add(Linear.builder().setUnits(10).build());
        float[] djl = new float[steps];
        try (Model model = Model.newInstance("mlp", DjlDevices.resolve(DjlDevices.DJL_CPU), "PyTorch")) {
            model.setBlock(net);
            LearnedDjlOptimizer opt = LearnedDjlOptimizer.builder().setLearnedOptimizer(lo, false).setBlock(net).build();
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(opt))) {
                trainer.initialize(new Shape(64, 64));
                // the same initial weights as our loop (DJL keeps Linear weights as [out, in])
                var params = net.getParameters();
                for (int i = 0; i < params.size(); i++) {
                    NDArray a = params.get(i).getValue().getArray();
                    io.lopt.optim.Parameter p = init.get(i);
                    if (p.spec().rank() == 2) {
                        try (NDArray t = a.getManager().create(p.values(), new Shape(p.spec().dim(0), p.spec().dim(1)))
                                .transpose()) {
                            a.set(t.toFloatArray());
                        }
                    } else {
                        a.set(p.values());
                    }
                }
                float[] x = new float[64 * 64];
                int[] y = new int[64];
                NDManager m = trainer.getManager();
                for (int s = 0; s < steps; s++) {
                    task.batch(s, x, y);
                    float[] yf = new float[64];
                    for (int i = 0; i < 64; i++) {
                        yf[i] = y[i];
                    }
                    try (NDManager sub = m.newSubManager(); GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray xs = sub.create(x, new Shape(64, 64));
                        NDArray ys = sub.create(yf, new Shape(64));
                        NDArray pred = trainer.forward(new NDList(xs)).singletonOrThrow();
                        NDArray l = trainer.getLoss().evaluate(new NDList(ys), new NDList(pred));
                        gc.backward(l);
                        djl[s] = l.getFloat();
                    }
                    trainer.step();
                    if (s < 3) { // the optimizer cleared the gradients DJL's engine left to it
                        for (var p : net.getParameters()) {
                            try (NDArray gg = p.getValue().getArray().getGradient()) {
                                assertEquals(0f, gg.abs().sum().getFloat(), "gradient of " + p.getKey() + " after step " + s);
                            }
                        }
                    }
                }
            }
        }
        double a = 0;
        double b = 0;
        for (int s = steps - 20; s < steps; s++) {
            a += ours.losses()[s] / 20;
            b += djl[s] / 20;
        }
        assertTrue(a < 0.8 * ours.losses()[0], "our loop trains: " + ours.losses()[0] + " -> " + a);
        assertEquals(a, b, 0.02 * a, "DJL Trainer with the learned optimizer vs our loop: " + b + " vs " + a);
        for (int s = 0; s < 10; s++) {
            assertEquals(ours.losses()[s], djl[s], 2e-3, "step " + s);
        }
    }
}
