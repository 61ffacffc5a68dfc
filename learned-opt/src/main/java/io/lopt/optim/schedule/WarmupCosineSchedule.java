package io.lopt.optim.schedule;

/**
 * Linear warmup, then cosine decay: optax's {@code warmup_cosine_decay_schedule(init_value=0, peak_value=peak,
 * warmup_steps=W, decay_steps=T, end_value=a·peak)}, the schedule of the μLO paper's AdamW and μAdam baselines
 * ({@code AdamWLinearCosine} / {@code MuAdamWLinearCosine} in its {@code src/optimizers.py}). At step t (0 at the
 * first update):
 *
 * <pre>
 *   t &lt; W:        peak · t / W                                   (optax linear_schedule from 0 to peak)
 *   W ≤ t &lt; T:    peak · ((1 − a) · ½ (1 + cos(π (t − W) / (T − W))) + a)   (cosine_decay_schedule, alpha = a)
 *   t ≥ T:        a · peak
 * </pre>
 *
 * <p>{@code totalSteps} counts the warmup too (optax's {@code decay_steps}: "the total length of the schedule,
 * including the warmup"). The paper's 1000-step schedule files ({@code config/schedules/*adamw_cosine_1k-steps.py})
 * set {@code warmup_steps=10, decay_steps=990}, so its cosine reached {@code a · peak} ten steps before the end;
 * the evaluation here passes the run's horizon, decaying over the whole run as the paper's text describes.
 *
 * @param peak          the value at the end of the warmup
 * @param warmupSteps   W ≥ 0 (0: no warmup, the cosine starts at the peak)
 * @param totalSteps    T &gt; W
 * @param finalFraction a ∈ [0, 1]: the final value as a fraction of the peak (the paper: 0.1)
 */
public record WarmupCosineSchedule(double peak, long warmupSteps, long totalSteps, double finalFraction)
        implements Schedule {

    public WarmupCosineSchedule {
        if (!Double.isFinite(peak) || peak < 0) {
            throw new IllegalArgumentException("the schedule's peak must be finite and non-negative, got " + peak);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmup steps must be non-negative, got " + warmupSteps);
        }
        if (totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("the schedule's total steps (" + totalSteps
                    + ") must exceed its warmup steps (" + warmupSteps + ")");
        }
        if (!(finalFraction >= 0 && finalFraction <= 1)) {
            throw new IllegalArgumentException("the final fraction must be in [0, 1], got " + finalFraction);
        }
    }

    @Override
    public double at(long step) {
        if (step < warmupSteps) {
            return peak * Math.max(0, step) / warmupSteps;
        }
        long k = Math.min(step - warmupSteps, totalSteps - warmupSteps);
        double cosine = 0.5 * (1 + Math.cos(Math.PI * k / (totalSteps - warmupSteps)));
        return peak * ((1 - finalFraction) * cosine + finalFraction);
    }

    @Override
    public String describe() {
        return "warmup_cosine(peak=" + peak + ", warmup=" + warmupSteps + ", total=" + totalSteps + ", final="
                + finalFraction + "×peak)";
    }
}
