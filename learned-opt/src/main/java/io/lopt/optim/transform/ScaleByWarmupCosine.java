package io.lopt.optim.transform;

import io.lopt.optim.schedule.Schedule;

/**
 * A {@link ScaleBySchedule} whose warmup-cosine schedule is fitted to the run's horizon T when the optimizer is
 * created: warmup over {@code round(warmupFraction · T)} steps, cosine decay to {@code finalFraction · peak} at step
 * T. {@link #paper()} is the μLO paper's baselines' schedule (warmup over 1% of the run, decay to 10% of the peak;
 * {@code config/schedules/*adamw_cosine*}: 10 of 1000 steps), as a multiplier (peak 1) of the wrapped optimizer's
 * learning rate.
 */
public record ScaleByWarmupCosine(double peak, double warmupFraction, double finalFraction)
        implements TransformFactory {

    public ScaleByWarmupCosine {
        if (!(warmupFraction >= 0 && warmupFraction < 0.5)) {
            throw new IllegalArgumentException("the warmup fraction must be in [0, 0.5), got " + warmupFraction);
        }
        Schedule.warmupCosine(peak, 0, 1, finalFraction); // validates peak and final fraction
    }

    /** Warmup over 1% of the run, cosine decay to 10% of the wrapped optimizer's learning rate. */
    public static ScaleByWarmupCosine paper() {
        return new ScaleByWarmupCosine(1.0, 0.01, 0.1);
    }

    /** The warmup of a run of {@code horizon} steps. */
    public long warmupSteps(long horizon) {
        return Math.round(warmupFraction * horizon);
    }

    @Override
    public String describe() {
        return "warmup_cosine(peak=" + peak + ", warmup=" + warmupFraction + "·T, final=" + finalFraction
                + "×peak, T=horizon)";
    }

    @Override
    public ScaleBySchedule create(long horizon) {
        if (horizon < 1) {
            throw new IllegalArgumentException("a warmup-cosine schedule over the run needs the run's horizon (a "
                    + "positive number of steps), got " + horizon + ": create the optimizer with create(specs, horizon)");
        }
        return new ScaleBySchedule(Schedule.warmupCosine(peak, warmupSteps(horizon), horizon, finalFraction));
    }

    @Override
    public boolean needsHorizon() {
        return true;
    }
}
