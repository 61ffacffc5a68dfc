package io.lopt.optim.transform;

import io.lopt.kernels.Parallel;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.schedule.Schedule;
import java.util.List;

/**
 * Multiplies every update by the schedule's value at the current step (optax's {@code scale_by_schedule}). After an
 * optimizer with learning rate η and a schedule of peak 1 the step is η · schedule(t) · (the optimizer's direction),
 * which is what {@code optax.adamw(learning_rate=η·schedule)} computes: AdamW's update, weight decay included, is
 * linear in the learning rate.
 */
public record ScaleBySchedule(Schedule schedule) implements UpdateTransform {
    static final int CHUNK = 1 << 15;

    public ScaleBySchedule {
        if (schedule == null) {
            throw new IllegalArgumentException("scale_by_schedule needs a schedule");
        }
    }

    @Override
    public String kind() {
        return "scale_by_schedule";
    }

    @Override
    public String describe() {
        return schedule.describe();
    }

    @Override
    public void apply(long step, List<ParamSpec> specs, List<float[]> updates, Parallel parallel) {
        scale(updates, schedule.at(step), parallel);
    }

    /** u ← u · factor for every entry, rounded once from double. */
    static void scale(List<float[]> updates, double factor, Parallel parallel) {
        if (factor == 1.0) {
            return;
        }
        for (float[] u : updates) {
            int n = u.length;
            parallel.forEach((n + CHUNK - 1) / CHUNK, c -> {
                int end = Math.min(n, (c + 1) * CHUNK);
                for (int i = c * CHUNK; i < end; i++) {
                    u[i] = (float) (u[i] * factor);
                }
            });
        }
    }
}
