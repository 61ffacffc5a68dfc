package io.lopt.optim.schedule;

/**
 * A learning-rate schedule: a value for every step, counted like optax counts updates (0 at the first update). Used
 * through {@link io.lopt.optim.transform.ScaleBySchedule}, which multiplies each update by the schedule's value; with
 * a peak of 1 the schedule is a multiplier of the wrapped optimizer's own learning rate.
 */
public interface Schedule {

    /** The value at step {@code step} (the number of updates applied before this one; 0 at the first). */
    double at(long step);

    /** A short description, e.g. {@code warmup_cosine(peak=1, warmup=10, total=1000, final=0.1)}. */
    String describe();

    /** The same value at every step. */
    static Schedule constant(double value) {
        return new ConstantSchedule(value);
    }

    /**
     * Linear warmup from 0 to {@code peak} over {@code warmupSteps} steps, then cosine decay to
     * {@code finalFraction · peak} at step {@code totalSteps}, flat after it: optax's
     * {@code warmup_cosine_decay_schedule(0, peak, warmupSteps, totalSteps, finalFraction · peak)}.
     */
    static Schedule warmupCosine(double peak, long warmupSteps, long totalSteps, double finalFraction) {
        return new WarmupCosineSchedule(peak, warmupSteps, totalSteps, finalFraction);
    }
}
