package io.lopt.djl;

import ai.djl.Device;
import io.lopt.optim.Adam;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.Parameter;
import io.lopt.optim.lo.SmallFcLopt;
import io.lopt.optim.schedule.Schedule;
import io.lopt.optim.transform.Chain;
import io.lopt.optim.transform.ClipByGlobalNorm;
import io.lopt.optim.transform.ScaleBySchedule;
import io.lopt.optim.transform.ScaleByWarmupCosine;
import io.lopt.optim.transform.TransformFactory;
import io.lopt.optimizees.models.Mlp;
import io.lopt.optimizees.tasks.Task;
import io.lopt.optimizees.tasks.Training;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Training} of several seeds of one task on a DJL device, as one batch: what the evaluation runs on a GPU.
 * small_fc_lopt (μLO, SP LO) and the Adam family (also with a schedule and update clipping, as the evaluation's
 * baselines run) are batched; other optimizers are refused (the caller runs them on
 * the CPU kernels). Each result has the same meaning as the CPU loop's.
 */
public final class DjlTraining {
    private DjlTraining() {
    }

    /** Whether this backend can run the optimizer. */
    public static boolean supports(OptimizerFactory f) {
        return f instanceof Adam.Config || AdamChain.of(f) != null
                || (f instanceof SmallFcLopt lo && lo.config().hiddenSizes().size() == 2);
    }

    /**
     * Adam followed by at most a schedule and then at most a global-norm clip: the evaluation's baselines
     * ({@link Chain} of Adam, {@link ScaleByWarmupCosine} or {@link ScaleBySchedule}, {@link ClipByGlobalNorm}).
     */
    record AdamChain(Adam.Config adam, TransformFactory schedule, double clipNorm) {
        /** The chain, or null when {@code f} is not such a chain. */
        static AdamChain of(OptimizerFactory f) {
            if (!(f instanceof Chain c) || !(c.inner() instanceof Adam.Config adam)) {
                return null;
            }
            TransformFactory schedule = null;
            double clip = 0;
            for (TransformFactory t : c.transforms()) {
                if ((t instanceof ScaleBySchedule || t instanceof ScaleByWarmupCosine) && schedule == null && clip == 0) {
                    schedule = t;
                } else if (t instanceof ClipByGlobalNorm g && clip == 0) {
                    clip = g.maxNorm();
                } else {
                    return null;
                }
            }
            return new AdamChain(adam, schedule, clip);
        }

        /** The schedule over a run of {@code horizon} steps, or null. */
        Schedule scheduleFor(long horizon) {
            return schedule == null ? null : ((ScaleBySchedule) schedule.create(horizon)).schedule();
        }
    }

    /** Trains every task (one per seed, same architecture) with the optimizer; results in task order. */
    public static List<Training.Result> run(Device device, List<Task> tasks, OptimizerFactory factory,
            Training.Options o) {
        if (!supports(factory)) {
            throw new IllegalArgumentException("the DJL backend does not run " + factory.describe());
        }
        int n = (int) o.steps();
        List<List<Parameter>> params = new ArrayList<>();
        for (Task t : tasks) {
            params.add(t.init());
        }
        int[] stopped = new int[tasks.size()];
        double[][] losses;
        List<Training.Result> out = new ArrayList<>();
        long start = System.nanoTime();
        try (BatchedTraining bt = new BatchedTraining(device, tasks, params, new long[tasks.size()])) {
            if (factory instanceof SmallFcLopt lo) {
                List<float[]> th = new ArrayList<>();
                List<io.lopt.optim.OptimizerState> st = new ArrayList<>();
                for (int i = 0; i < tasks.size(); i++) {
                    th.add(lo.theta());
                    st.add(null);
                }
                long[] horizons = new long[tasks.size()];
                java.util.Arrays.fill(horizons, n);
                bt.useLearned(lo.config(), th, st, horizons);
            } else if (factory instanceof Adam.Config adam) {
                bt.useAdam(adam);
            } else {
                AdamChain chain = AdamChain.of(factory);
                bt.useAdam(chain.adam(), chain.scheduleFor(n), chain.clipNorm());
            }
            losses = bt.run(n, o.divergenceFactor(), stopped);
            for (int p = 0; p < tasks.size(); p++) {
                bt.copyParamsTo(p, params.get(p));
            }
        }
        double sps = (System.nanoTime() - start) / 1e9 / n;
        for (int p = 0; p < tasks.size(); p++) {
            Task task = tasks.get(p);
            List<Parameter> ps = params.get(p);
            boolean diverged = stopped[p] >= 0;
            int ran = diverged ? stopped[p] + 1 : n;
            float[] curve = new float[ran];
            for (int s = 0; s < ran; s++) {
                curve[s] = (float) losses[p][s];
            }
            io.lopt.optimizees.tasks.Evaluation train = null;
            io.lopt.optimizees.tasks.Evaluation test = null;
            if (o.evaluate() && !diverged) {
                Task.Workspace ws = task.newWorkspace();
                train = task.evaluateTrain(ps, 10_000, ws, io.lopt.kernels.Parallel.common());
                test = task.evaluateTest(ps, ws, io.lopt.kernels.Parallel.common());
            }
            out.add(new Training.Result(curve, diverged, ran, train, test, sps, ps));
        }
        return out;
    }
}
