package io.lopt.metatrain;

import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.optimizees.tasks.MemoryEstimate;
import io.lopt.optimizees.tasks.TaskDistribution;
import io.lopt.optimizees.tasks.TaskSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The heap a meta-training run needs, estimated from its configuration before anything is allocated: per estimator,
 * 2 × pairs particles, each holding an optimizee of the family's largest task and the learned optimizer's state
 * (twice more while a state checkpoint is written), the PES accumulators and perturbations of θ, the buffers of the
 * particles running at once (one per thread), and the datasets.
 */
public final class MetaTrainMemory {
    private MetaTrainMemory() {
    }

    /** Estimated bytes. */
    public static double bytes(MetaTrainConfig c, int threads) {
        int s = MemoryEstimate.LEARNED_STATE_FLOATS;
        double theta = c.optimizer().learnedOptimizer().thetaSize();
        double particles = 0;
        double members = 0;
        double perThread = 0;
        double thetas = 0;
        List<TaskSpec> all = new ArrayList<>();
        for (MetaTrainConfig.TaskGroup f : c.tasks()) {
            TaskDistribution d = f.distribution();
            double largest = 0;
            for (TaskSpec t : d.all()) {
                all.add(t);
                largest = Math.max(largest, MemoryEstimate.parameters(t));
                perThread = Math.max(perThread, MemoryEstimate.trainingBytes(t, s));
            }
            double m = 2.0 * c.pes().pairs();
            members += m;
            particles += m * largest * (1 + s) * 4;
            thetas += c.pes().pairs() * theta * 4 * 4; // accumulator, perturbation and the two members' θ
        }
        return particles + Math.max(2 * particles, Math.min(threads, members) * perThread) + thetas
                + MemoryEstimate.datasetBytes(all);
    }

    /** Refuses, in one line, a run that does not fit in this JVM's heap. */
    public static void check(MetaTrainConfig c, int threads) {
        MemoryEstimate.require(bytes(c, threads), "meta-training " + c.name() + " (" + c.tasks().size()
                + " estimator(s) x " + c.pes().pairs() + " pairs)", "make it smaller (fewer pes.pairs, narrower or "
                + "shallower tasks)");
    }
}
