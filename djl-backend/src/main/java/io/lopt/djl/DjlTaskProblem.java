package io.lopt.djl;

import ai.djl.Device;
import io.lopt.kernels.Parallel;
import io.lopt.metatrain.MetaTrainer;
import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.metatrain.pes.TaskProblem;
import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.OptimizerState;
import io.lopt.optim.Parameter;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optimizees.tasks.Task;
import io.lopt.optimizees.tasks.TaskDistribution;
import io.lopt.optimizees.tasks.TaskSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The meta-training inner problem on a DJL device: every outer step, the particles of an estimator that share an
 * architecture and a truncation length are unrolled together as one batch ({@link BatchedTraining}). Episodes, members
 * and their saved states are those of {@link TaskProblem}, so a run can be checkpointed on a GPU and resumed on the
 * CPU kernels or the other way round. Learned optimizers other than small_fc_lopt run on the CPU kernels.
 */
public final class DjlTaskProblem extends TaskProblem {
    private final Device device;

    public DjlTaskProblem(TaskDistribution distribution, LearnedOptimizer optimizer, MetaTrainConfig.PesSpec pes,
            io.lopt.optimizees.tasks.TaskData data, Device device) {
        super(distribution, optimizer, pes, data);
        this.device = device;
    }

    /** The factory for {@link MetaTrainer}: this problem on {@code device}. */
    public static MetaTrainer.ProblemFactory on(Device device) {
        return (dist, opt, pes, data) -> new DjlTaskProblem(dist, opt, pes, data, device);
    }

    @Override
    public void unrollAll(List<Episode> episodes, List<Member> members, List<float[]> thetas, int[] steps,
            double[][] losses, Parallel par) {
        if (!(optimizer() instanceof LoptConfig cfg)) {
            super.unrollAll(episodes, members, thetas, steps, losses, par);
            return;
        }
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int j = 0; j < members.size(); j++) {
            TaskSpec s = episodes.get(j).spec().withSeed(0);
            groups.computeIfAbsent(s + "|" + steps[j], k -> new ArrayList<>()).add(j);
        }
        for (List<Integer> g : groups.values()) {
            unrollGroup(cfg, g, episodes, members, thetas, steps[g.get(0)], losses);
        }
    }

    private void unrollGroup(LoptConfig cfg, List<Integer> group, List<Episode> episodes, List<Member> members,
            List<float[]> thetas, int n, double[][] losses) {
        List<Task> tasks = new ArrayList<>();
        List<List<Parameter>> params = new ArrayList<>();
        List<float[]> th = new ArrayList<>();
        List<OptimizerState> states = new ArrayList<>();
        long[] position = new long[group.size()];
        long[] horizons = new long[group.size()];
        for (int q = 0; q < group.size(); q++) {
            int j = group.get(q);
            horizons[q] = horizon(episodes.get(j));
            tasks.add(episodes.get(j).task());
            params.add(members.get(j).params());
            th.add(thetas.get(j));
            states.add(members.get(j).optimizerState());
            position[q] = members.get(j).innerStep();
        }
        int[] stopped = new int[group.size()];
        try (BatchedTraining bt = new BatchedTraining(device, tasks, params, position)) {
            bt.useLearned(cfg, th, states, horizons);
            double[][] l = bt.run(n, 0, stopped);
            List<OptimizerState> out = bt.learnedStates();
            for (int q = 0; q < group.size(); q++) {
                int j = group.get(q);
                System.arraycopy(l[q], 0, losses[j], 0, n);
                bt.copyParamsTo(q, members.get(j).params());
                members.get(j).advance(out.get(q), stopped[q] >= 0 ? stopped[q] : n);
            }
            addTimings(bt.fwdBwdNanos(), bt.optimizerNanos());
        }
    }
}
