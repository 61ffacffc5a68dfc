package io.lopt.metatrain.outer;

/**
 * The outer learning rate of docs/spec.md §4: linear warmup over {@code warmup} steps to {@code peak}, cosine decay to
 * {@code end} over the next {@code cosineSteps} steps, then flat at {@code end}.
 */
public record WarmupCosineSchedule(double peak, double end, int warmup, int cosineSteps) {

    /** The learning rate of outer step {@code step} (0-based). */
    public double at(long step) {
        if (step < warmup) {
            return peak * (step + 1) / warmup;
        }
        long k = step - warmup;
        if (k >= cosineSteps) {
            return end;
        }
        return end + (peak - end) * 0.5 * (1 + Math.cos(Math.PI * k / cosineSteps));
    }
}
