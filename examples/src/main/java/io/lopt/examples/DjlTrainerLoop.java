package io.lopt.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import io.lopt.checkpoints.OptimizerStates;
import io.lopt.djl.LearnedDjlOptimizer;
import io.lopt.djl.MuPMlp;
import io.lopt.optimizees.tasks.MlpTask;
import io.lopt.optimizees.tasks.TaskSpec;
import io.lopt.pretrained.Pretrained;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shipped μLO training a DJL model with DJL's own {@code Trainer}: a μP MLP ({@link MuPMlp}: zero readout scaled by
 * 1/width, N(0, 1) biases), the learned optimizer as the trainer's optimizer, the run's length given with
 * {@code optHorizon}. Halfway, the optimizer's state goes to a file and a new optimizer restored from it takes over.
 * The data are lopt's synthetic classification set, so that no files are needed.
 *
 * <p>Run with DJL's PyTorch engine on the class path and {@code -Dai.djl.offline=true}:
 * {@code java --add-modules jdk.incubator.vector -cp ... io.lopt.examples.DjlTrainerLoop [STEPS]}.
 */
public final class DjlTrainerLoop {
    private DjlTrainerLoop() {
    }

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        float[] losses = run(steps, Files.createTempDirectory("lopt-djl-example"));
        System.out.printf("loss %.4f -> %.4f after %d steps%n", losses[0], losses[steps - 1], steps);
    }

    /** The training loss of every step. */
    public static float[] run(int steps, Path dir) throws Exception {
        int batch = 64;
        MlpTask data = MlpTask.of(TaskSpec.parse("dataset=synthetic,res=8,batch=64,seed=1"), null);
        int features = data.data().features();
        SequentialBlock net = MuPMlp.of(features, 128, 3, data.data().classes());
        float[] losses = new float[steps];
        try (Model model = Model.newInstance("mlp", Device.cpu(), "PyTorch")) {
            model.setBlock(net);
            LearnedDjlOptimizer opt = LearnedDjlOptimizer.builder()
                    .setLearnedOptimizer(Pretrained.factory("mulo"), true) // true: a μP optimizer (steps × s_W)
                    .setBlock(net)                                        // to find each parameter's name, role, shape
                    .optHorizon(steps)                                    // the shipped μLO reads the run's progress
                    .build();
            Path state = dir.resolve("optimizer.safetensors");
            int half = steps / 2;
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(opt))) {
                trainer.initialize(new Shape(batch, features));
                train(trainer, data, 0, half, losses);
                OptimizerStates.writeAll(state, opt.exportState()); // DJL saves the weights, lopt the optimizer
            }
            // later, or in another process: a new optimizer over the same block continues from the saved state
            LearnedDjlOptimizer resumed = LearnedDjlOptimizer.builder()
                    .setLearnedOptimizer(Pretrained.factory("mulo"), true).setBlock(net).optHorizon(steps).build();
            resumed.restoreState(OptimizerStates.readAll(state));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(resumed))) {
                train(trainer, data, half, steps, losses);
            }
        }
        return losses;
    }

    private static void train(Trainer trainer, MlpTask data, int from, int to, float[] losses) {
        int batch = data.spec().batchSize();
        int features = data.data().features();
        float[] x = new float[batch * features];
        int[] y = new int[batch];
        float[] labels = new float[batch];
        NDManager manager = trainer.getManager();
        for (int t = from; t < to; t++) {
            data.batch(t, x, y);
            for (int i = 0; i < batch; i++) {
                labels[i] = y[i];
            }
            try (NDManager step = manager.newSubManager(); GradientCollector gc = trainer.newGradientCollector()) {
                NDArray xs = step.create(x, new Shape(batch, features));
                NDArray pred = trainer.forward(new NDList(xs)).singletonOrThrow();
                NDArray loss = trainer.getLoss().evaluate(new NDList(step.create(labels, new Shape(batch))),
                        new NDList(pred));
                gc.backward(loss);
                losses[t] = loss.getFloat();
            }
            trainer.step();
        }
    }
}
