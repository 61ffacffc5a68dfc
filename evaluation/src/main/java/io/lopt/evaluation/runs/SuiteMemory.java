package io.lopt.evaluation.runs;

import io.lopt.evaluation.suites.SuiteConfig;
import io.lopt.optimizees.models.Parametrization;
import io.lopt.optimizees.tasks.MemoryEstimate;
import io.lopt.optimizees.tasks.TaskSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The heap an evaluation needs, estimated from its suite before anything runs: as many runs at once as threads (at
 * most as many as there are runs), each of the suite's largest task (model, gradients, optimizer state, activations,
 * loss curve), the loss curves of every run (kept for the report), and the datasets.
 */
public final class SuiteMemory {
    private SuiteMemory() {
    }

    /** Estimated bytes of evaluating {@code learned} learned optimizers (and the suite's baselines) on {@code suite}. */
    public static double bytes(SuiteConfig suite, int learned, int threads) {
        int state = learned > 0 ? MemoryEstimate.LEARNED_STATE_FLOATS : MemoryEstimate.ADAM_STATE_FLOATS;
        int optimizers = learned + suite.baselines().size();
        TaskSpec base = suite.base().spec(Parametrization.MUP, 0);
        double run = MemoryEstimate.trainingBytes(base, MemoryEstimate.ADAM_STATE_FLOATS)
                + MemoryEstimate.curveBytes(suite.tuning().steps());
        double curves = 0;
        List<TaskSpec> all = new ArrayList<>(List.of(base));
        for (SuiteConfig.Variant v : suite.tasks()) {
            TaskSpec t = v.spec(suite.base(), Parametrization.MUP, 0);
            int steps = v.steps(suite.steps());
            run = Math.max(run, MemoryEstimate.trainingBytes(t, state) + MemoryEstimate.curveBytes(steps));
            curves += 4.0 * steps * optimizers * suite.seeds().size();
            all.add(t);
        }
        double runs = (double) suite.tasks().size() * optimizers * suite.seeds().size();
        return Math.max(1, Math.min(threads, runs)) * run + 2 * curves + MemoryEstimate.datasetBytes(all);
    }

    /** Refuses, in one line, an evaluation that does not fit in this JVM's heap. */
    public static void check(SuiteConfig suite, int learned, int threads) {
        MemoryEstimate.require(bytes(suite, learned, threads), "evaluating suite " + suite.name() + " with " + threads
                + " thread(s)", "make it smaller (fewer --threads, narrower or shorter tasks)");
    }
}
