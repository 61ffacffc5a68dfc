package io.lopt.evaluation.runs;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One training run of the evaluation: an optimizer on a task with a seed.
 *
 * @param task           the task's label (e.g. {@code fmnist8-w256-d3}), parametrization left out
 * @param spec           the full task spec
 * @param losses         training minibatch loss of every step run
 * @param diverged       the run stopped where it diverged: a non-finite loss, or a mean of the last 20 losses above
 *                       the divergence factor × its first loss ({@link io.lopt.optimizees.tasks.Divergence})
 * @param divergedAt     the step at which it stopped, or -1
 * @param finalLoss      the final smoothed training loss (mean of the last window of steps), NaN if diverged
 * @param testLoss       loss on the test split after training (null if diverged)
 * @param testAccuracy   accuracy on the test split after training (null if diverged)
 * @param secondsPerStep wall time per step
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunResult(String task, String spec, String optimizer, long seed, int steps, float[] losses,
        boolean diverged, int divergedAt, double finalLoss, Double testLoss, Double testAccuracy, double secondsPerStep) {

    /** Width of the smoothing window at the end of a run of {@code steps} steps: 5% of it, at least 10 steps. */
    public static int window(int steps) {
        return Math.min(steps, Math.max(10, steps / 20));
    }

    /** Mean training loss over the window ending at step {@code end} (exclusive); NaN if the run stopped before. */
    public static double smoothedAt(float[] losses, int steps, boolean diverged, int end) {
        if (diverged && end > losses.length - 1) {
            return Double.NaN;
        }
        if (end > losses.length) {
            return Double.NaN;
        }
        int w = Math.min(end, window(steps));
        double s = 0;
        for (int i = end - w; i < end; i++) {
            if (!Float.isFinite(losses[i])) {
                return Double.NaN;
            }
            s += losses[i];
        }
        return s / w;
    }

    /** Smoothed training loss at a fraction of the horizon. */
    public double lossAtFraction(double f) {
        int end = (int) Math.max(1, Math.round(f * steps));
        return smoothedAt(losses, steps, diverged, end);
    }
}
