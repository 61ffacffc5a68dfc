package io.lopt.optimizees.tasks;

import io.lopt.kernels.Parallel;
import io.lopt.optim.Optimizer;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.Parameter;
import java.util.List;

/**
 * Trains one task with one optimizer for a number of steps, recording the training minibatch loss of every step
 * (at the pre-update parameters). Stops at divergence ({@link Divergence}): a non-finite loss or, when
 * {@code divergenceFactor > 0}, a mean of the last {@value Divergence#WINDOW} losses above {@code divergenceFactor}
 * times the first step's loss.
 */
public final class Training {
    private Training() {
    }

    /**
     * @param steps            number of optimizer steps
     * @param divergenceFactor stop when the mean of the last {@value Divergence#WINDOW} losses exceeds this multiple
     *                         of the initial loss (≤ 0: never stop early, except on a non-finite loss)
     * @param evaluate         evaluate train/test loss and accuracy at the end
     */
    public record Options(long steps, double divergenceFactor, boolean evaluate) {
        public Options {
            if (steps < 1) {
                throw new IllegalArgumentException("number of steps must be at least 1, got " + steps);
            }
            if (steps > MAX_STEPS) {
                throw new IllegalArgumentException("number of steps must be at most " + MAX_STEPS
                        + " (the loss curve holds one float per step in a Java array), got " + steps);
            }
        }
    }

    /** The most steps a run can record: the largest Java array. */
    public static final long MAX_STEPS = Integer.MAX_VALUE - 8;

    /** Called after every step with the step index (0-based) and its loss. */
    @FunctionalInterface
    public interface Listener {
        void onStep(long step, double loss);
    }

    /**
     * @param losses     training loss of every step run (NaN entries mark a non-finite loss)
     * @param diverged   whether the run stopped at divergence
     * @param stepsRun   steps actually run
     * @param train      loss/accuracy on (up to) 10,000 training examples at the end, or null
     * @param test       loss/accuracy on the test split at the end, or null
     * @param secondsPerStep wall time per step (forward, backward and optimizer)
     */
    public record Result(float[] losses, boolean diverged, long stepsRun, Evaluation train, Evaluation test,
            double secondsPerStep, List<Parameter> params) {
    }

    public static Result run(Task task, OptimizerFactory factory, Options o, Listener listener, Parallel par) {
        List<Parameter> params = task.init();
        Optimizer opt = factory.create(task.specs(), io.lopt.optim.RunContext.of(o.steps(), par));
        Task.Workspace ws = task.newWorkspace();
        float[] losses = new float[(int) o.steps()];
        Divergence divergence = new Divergence(o.divergenceFactor());
        boolean diverged = false;
        long t = 0;
        long start = System.nanoTime();
        for (; t < o.steps(); t++) {
            double loss = task.lossAndGradient(params, t, ws.grads(), ws, par);
            losses[(int) t] = (float) loss;
            if (listener != null) {
                listener.onStep(t, loss);
            }
            if (divergence.observe(loss)) {
                diverged = true;
                t++;
                break;
            }
            opt.step(params, ws.grads(), loss);
        }
        double sps = (System.nanoTime() - start) / 1e9 / Math.max(1, t);
        Evaluation train = null;
        Evaluation test = null;
        if (o.evaluate() && !diverged) {
            train = task.evaluateTrain(params, 10_000, ws, par);
            test = task.evaluateTest(params, ws, par);
        }
        float[] curve = java.util.Arrays.copyOf(losses, (int) t);
        return new Result(curve, diverged, t, train, test, sps, params);
    }
}
