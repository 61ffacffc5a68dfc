package io.lopt.evaluation.runs;

import io.lopt.evaluation.suites.BaselineSchedule;
import io.lopt.optim.Adam;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optimizees.models.Parametrization;

/**
 * An optimizer under evaluation: its id (directory-safe), display name, the parametrization of the networks it is
 * run on (μP optimizers on μP networks, SP optimizers on SP networks, as in the paper), and how to build it.
 *
 * @param checkpoint the checkpoint file of a learned optimizer (null for baselines)
 * @param sha256     the checkpoint's SHA-256 (null for baselines)
 * @param lr         the tuned (peak) learning rate of a baseline (null for learned optimizers)
 */
public record EvalOptimizer(String id, String display, String kind, Parametrization param, OptimizerFactory factory,
        String checkpoint, String sha256, Double lr) {

    public boolean learned() {
        return checkpoint != null;
    }

    /** A baseline with a given (peak) learning rate, run with {@code schedule}. */
    public static EvalOptimizer baseline(String kind, double lr, double weightDecay, BaselineSchedule schedule) {
        return switch (kind) {
            case "adamw" -> new EvalOptimizer("adamw", "AdamW", kind, Parametrization.SP,
                    schedule.apply(new Adam.Config(lr, 0.9, 0.999, 1e-8, weightDecay, false)), null, null, lr);
            case "muadam" -> new EvalOptimizer("muadam", "μAdam", kind, Parametrization.MUP,
                    schedule.apply(new Adam.Config(lr, 0.9, 0.999, 1e-8, 0, true)), null, null, lr);
            default -> throw new IllegalArgumentException("unknown baseline '" + kind + "'");
        };
    }
}
