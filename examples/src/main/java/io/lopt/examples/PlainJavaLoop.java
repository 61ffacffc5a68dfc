package io.lopt.examples;

import io.lopt.checkpoints.OptimizerStates;
import io.lopt.kernels.Parallel;
import io.lopt.optim.Optimizer;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.OptimizerState;
import io.lopt.optim.Parameter;
import io.lopt.optim.RunContext;
import io.lopt.optimizees.tasks.Task;
import io.lopt.optimizees.tasks.TaskSpec;
import io.lopt.pretrained.Pretrained;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The shipped μLO in a plain Java training loop: your model computes the loss and the gradients (here an lopt μP MLP
 * on the synthetic dataset, so that no files are needed), the learned optimizer updates the parameters in place.
 * Halfway through, the optimizer's state and the parameters go to disk; a fresh optimizer restored from them continues
 * exactly as the original does.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp ... io.lopt.examples.PlainJavaLoop [STEPS]}.
 */
public final class PlainJavaLoop {
    private PlainJavaLoop() {
    }

    /** The losses of a run of {@code steps} steps, and whether the resumed half matched the uninterrupted one. */
    public record Outcome(float[] losses, boolean resumedExactly) {
    }

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Outcome o = run(steps, Files.createTempDirectory("lopt-example"));
        System.out.printf("loss %.4f -> %.4f after %d steps; resumed from disk exactly: %b%n", o.losses()[0],
                o.losses()[steps - 1], steps, o.resumedExactly());
    }

    public static Outcome run(int steps, Path dir) throws Exception {
        // a μP model: readout initialised to 0 and scaled by 1/width, biases N(0, 1) (docs/spec.md §1)
        Task model = Task.build(TaskSpec.parse("dataset=synthetic,res=8,width=128,depth=3,param=mup,batch=64,seed=1"),
                (Path) null);
        List<Parameter> params = model.init();
        List<float[]> grads = new ArrayList<>();
        for (Parameter p : params) {
            grads.add(new float[p.spec().size()]);
        }
        OptimizerFactory mulo = Pretrained.factory("mulo");
        float[] losses = new float[steps];
        try (Parallel threads = Parallel.of(2)) {
            // the run's length: the shipped μLO reads its progress through the run and decays its step over it
            Optimizer opt = mulo.create(model.specs(), RunContext.of(steps, threads));
            Task.Workspace ws = model.newWorkspace();
            int half = steps / 2;
            for (int t = 0; t < half; t++) {
                double loss = model.lossAndGradient(params, t, grads, ws, threads);
                losses[t] = (float) loss;
                opt.step(params, grads, loss); // the loss: VeLO-style optimizers read it, the others ignore it
            }
            // save: the optimizer's state (checksummed, atomic) and the parameters
            OptimizerStates.write(dir.resolve("optimizer.safetensors"), opt.exportState());
            List<Parameter> saved = new ArrayList<>();
            for (Parameter p : params) {
                saved.add(new Parameter(p.spec(), p.values().clone()));
            }
            for (int t = half; t < steps; t++) {
                double loss = model.lossAndGradient(params, t, grads, ws, threads);
                losses[t] = (float) loss;
                opt.step(params, grads, loss); // the loss: VeLO-style optimizers read it, the others ignore it
            }
            // resume: a new optimizer from the file continues exactly as the one that kept running
            Optimizer resumed = mulo.create(model.specs(), RunContext.of(steps, threads));
            OptimizerState state = OptimizerStates.read(dir.resolve("optimizer.safetensors"));
            resumed.restoreState(state);
            boolean same = true;
            for (int t = half; t < steps; t++) {
                double l = model.lossAndGradient(saved, t, grads, ws, threads);
                same &= (float) l == losses[t];
                resumed.step(saved, grads, l);
            }
            for (int i = 0; i < params.size(); i++) {
                same &= Arrays.equals(params.get(i).values(), saved.get(i).values());
            }
            return new Outcome(losses, same);
        }
    }
}
