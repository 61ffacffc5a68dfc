package io.lopt.cli;

import io.lopt.evaluation.suites.BaselineSchedule;
import io.lopt.optim.Adam;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.Sgd;
import io.lopt.optimizees.models.Parametrization;
import io.lopt.pretrained.CheckpointSource;
import picocli.CommandLine.Option;

/** Choice of optimizer and its hyper-parameters. */
public final class OptimizerOptions {
    @Option(names = "--optimizer", defaultValue = "adam",
            description = "sgd, adam, adamw, muadam, or lo (a learned optimizer from --lo) (default ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--lo", paramLabel = "CHECKPOINT", description = "A learned-optimizer checkpoint: a file, or "
            + "pretrained:NAME for one shipped with lopt (see ./lopt pretrained); implies --optimizer lo.")
    String lo;

    @Option(names = "--lr", description = "Learning rate (default: 0.1 for sgd, 1e-3 for the Adam family).")
    Double lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--beta1", defaultValue = "0.9", description = "Adam β1 (default ${DEFAULT-VALUE}).")
    double beta1;

    @Option(names = "--beta2", defaultValue = "0.999", description = "Adam β2 (default ${DEFAULT-VALUE}).")
    double beta2;

    @Option(names = "--weight-decay", defaultValue = "1e-4", description = "AdamW decoupled weight decay (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--schedule", paramLabel = "S",
            description = "Schedule of sgd, adam, adamw and muadam: warmup-cosine (default; the μLO paper's baselines: "
                    + "linear warmup over 1%% of --steps, cosine decay to 10%% of --lr at the last step, the update "
                    + "clipped to global norm 1.0) or constant (--lr at every step, no clipping).")
    String schedule;

    /** A short name for file names and tables. */
    String label() {
        return lo != null ? "lo" : name.trim().toLowerCase(java.util.Locale.ROOT);
    }

    /** Floats of optimizer state per parameter, for memory estimates. */
    int stateFloats() {
        return switch (label()) {
            case "sgd" -> 1;
            case "adam", "adamw", "muadam" -> io.lopt.optimizees.tasks.MemoryEstimate.ADAM_STATE_FLOATS;
            default -> io.lopt.optimizees.tasks.MemoryEstimate.LEARNED_STATE_FLOATS;
        };
    }

    OptimizerFactory factory(Parametrization param) {
        String n = lo != null ? "lo" : name.trim().toLowerCase(java.util.Locale.ROOT);
        if (n.equals("lo")) {
            if (schedule != null) {
                throw new IllegalArgumentException("--schedule applies to sgd, adam, adamw and muadam, not to a learned "
                        + "optimizer");
            }
            return handDesignedOrLearned(n, param);
        }
        BaselineSchedule s = BaselineSchedule.parse(schedule == null ? BaselineSchedule.WARMUP_COSINE.key() : schedule);
        return s.apply(handDesignedOrLearned(n, param));
    }

    private OptimizerFactory handDesignedOrLearned(String n, Parametrization param) {
        return switch (n) {
            case "lo" -> {
                if (lo == null) {
                    throw new IllegalArgumentException("--optimizer lo needs --lo CHECKPOINT (a learned-optimizer "
                            + "checkpoint file, or pretrained:NAME)");
                }
                yield io.lopt.checkpoints.LearnedOptimizerKinds.factory(CheckpointSource.resolve(lo).learnedOptimizer());
            }
            case "sgd" -> new Sgd.Config(lr == null ? 0.1 : lr, momentum, param == Parametrization.MUP);
            case "adam" -> new Adam.Config(lr == null ? 1e-3 : lr, beta1, beta2, 1e-8, 0, false);
            case "adamw" -> new Adam.Config(lr == null ? 1e-3 : lr, beta1, beta2, 1e-8, weightDecay, false);
            case "muadam" -> new Adam.Config(lr == null ? 1e-3 : lr, beta1, beta2, 1e-8, 0, true);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name
                    + "' (expected sgd, adam, adamw, muadam or lo)");
        };
    }
}
