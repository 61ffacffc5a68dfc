package io.lopt.evaluation.suites;

import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.transform.Chain;
import io.lopt.optim.transform.ClipByGlobalNorm;
import io.lopt.optim.transform.ScaleByWarmupCosine;
import java.util.Locale;

/**
 * How the hand-designed baselines' learning rate evolves over a run, and whether their update is clipped.
 *
 * <ul>
 *   <li>{@link #WARMUP_COSINE} (the default): as the μLO paper ran its AdamW and μAdam baselines
 *       ({@code AdamWLinearCosine} / {@code MuAdamWLinearCosine} in its {@code src/optimizers.py},
 *       {@code config/schedules/*adamw_cosine*}): linear warmup from 0 over 1% of the run's steps, cosine decay to
 *       10% of the (tuned) peak learning rate at the run's horizon, and the update — after AdamW and μAdam's s_W
 *       scaling, learning rate included — clipped to global norm 1.0 over all tensors
 *       ({@code optax.chain(adamw(schedule), clip_by_global_norm(1.0))}).</li>
 *   <li>{@link #CONSTANT}: the tuned learning rate at every step and no clipping.</li>
 * </ul>
 *
 * The horizon is the number of steps of the run (a task's, or the tuning's own when tuning).
 */
public enum BaselineSchedule {
    WARMUP_COSINE,
    CONSTANT;

    /** The clipping norm of {@link #WARMUP_COSINE}'s update. */
    public static final double CLIP_NORM = 1.0;

    /** The name in suite files and results ({@code warmup_cosine}, {@code constant}). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The name on the command line ({@code warmup-cosine}, {@code constant}). */
    public String option() {
        return key().replace('_', '-');
    }

    /** Reads {@code warmup_cosine}/{@code warmup-cosine} or {@code constant}. */
    public static BaselineSchedule parse(String s) {
        String k = s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (BaselineSchedule b : values()) {
            if (b.key().equals(k)) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown baseline schedule '" + s + "' (expected warmup_cosine or constant)");
    }

    /** The update clipping norm, or null when the update is not clipped. */
    public Double clipNorm() {
        return this == WARMUP_COSINE ? CLIP_NORM : null;
    }

    /** {@code optimizer} with this schedule (and clipping); the horizon is given when the optimizer is created. */
    public OptimizerFactory apply(OptimizerFactory optimizer) {
        return switch (this) {
            case WARMUP_COSINE -> Chain.of(optimizer, ScaleByWarmupCosine.paper(), new ClipByGlobalNorm(CLIP_NORM));
            case CONSTANT -> optimizer;
        };
    }

    /** One sentence for reports. */
    public String describe() {
        return switch (this) {
            case WARMUP_COSINE -> "linear warmup from 0 over the first 1% of each run's steps, cosine decay to 10% of "
                    + "the tuned learning rate at the run's last step, and the update (learning rate and μAdam's s_W "
                    + "included) clipped to global norm 1.0 over all tensors — optax.chain(adamw(schedule), "
                    + "clip_by_global_norm(1.0)), as in the μLO paper";
            case CONSTANT -> "the tuned learning rate at every step, no clipping";
        };
    }
}
