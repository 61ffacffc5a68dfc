package io.lopt.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.lopt.optim.Adam;
import io.lopt.optim.OptimizerState;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optimizees.models.Mlp;
import io.lopt.optimizees.tasks.Divergence;
import io.lopt.optimizees.tasks.MlpTask;
import io.lopt.optimizees.tasks.Task;
import java.util.List;

/**
 * P training runs of tasks with the same architecture (different seeds, or the particles of a PES estimator), stepped
 * together on a DJL device: batched forward/backward, then a batched learned-optimizer or Adam step. Parameters and
 * optimizer state live on the device between steps and come back to the host at the end.
 */
final class BatchedTraining implements AutoCloseable {
    private final NDManager manager;
    private final List<MlpTask> tasks;
    private final Mlp model;
    private final List<ParamSpec> specs;
    private final int particles;
    private final long[] position;
    private final NDArray[] params;
    private final BatchedMlp mlp;
    private BatchedSmallFcLopt lo;
    private BatchedAdam adam;
    private long fwdBwdNanos;
    private long optimizerNanos;

    /**
     * @param tasks    one task per particle, all of the same architecture
     * @param params   each particle's parameters (copied to the device)
     * @param position each particle's position in its task's minibatch stream
     */
    BatchedTraining(Device device, List<Task> tasks, List<List<Parameter>> params, long[] position) {
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        this.tasks = tasks.stream().map(BatchedTraining::mlp).toList();
        this.model = this.tasks.get(0).model();
        this.specs = model.specs();
        this.particles = tasks.size();
        for (Task t : tasks) {
            if (!t.specs().equals(specs)) {
                throw new IllegalArgumentException("batched particles must share their architecture");
            }
        }
        this.position = position.clone();
        this.params = new NDArray[specs.size()];
        for (int i = 0; i < specs.size(); i++) {
            int n = specs.get(i).size();
            float[] all = new float[particles * n];
            for (int p = 0; p < particles; p++) {
                System.arraycopy(params.get(p).get(i).values(), 0, all, p * n, n);
            }
            this.params[i] = manager.create(all, new Shape(particles, n));
        }
        this.mlp = new BatchedMlp(model);
    }

    /** The DJL backend runs the MLP family only; another family gets a one-line error that says what to do. */
    static MlpTask mlp(Task t) {
        if (t instanceof MlpTask m) {
            return m;
        }
        throw new IllegalArgumentException("the DJL backend trains MLP tasks only; " + t.spec().label() + " is a "
                + t.spec().family() + " task: run it on the CPU (without --device)");
    }

    NDManager manager() {
        return manager;
    }

    void useLearned(LoptConfig config, List<float[]> thetas, List<OptimizerState> states, long[] horizons) {
        lo = new BatchedSmallFcLopt(config, specs, thetas, states, horizons, manager);
    }

    void useAdam(Adam.Config config) {
        adam = new BatchedAdam(config, specs, particles, manager);
    }

    /** Adam followed by a schedule (or null) and a global-norm clip of each particle's update (≤ 0: none). */
    void useAdam(Adam.Config config, io.lopt.optim.schedule.Schedule schedule, double clipNorm) {
        adam = new BatchedAdam(config, schedule, clipNorm, specs, particles, manager);
    }

    /**
     * Runs up to {@code n} steps and returns every particle's training losses (pre-update). A particle stops where
     * its run diverges ({@link Divergence}: a non-finite loss or, when
     * {@code divergenceFactor > 0}, a mean of its last 20 losses above that multiple of its first loss): its
     * remaining entries are NaN and {@code stoppedAt[p]} is the step at which it stopped (else -1).
     */
    double[][] run(int n, double divergenceFactor, int[] stoppedAt) {
        double[][] losses = new double[particles][n];
        java.util.Arrays.fill(stoppedAt, -1);
        Divergence[] divergence = new Divergence[particles];
        for (int p = 0; p < particles; p++) {
            divergence[p] = new Divergence(divergenceFactor);
        }
        MlpTask t0 = tasks.get(0);
        int batch = t0.spec().batchSize();
        int features = t0.data().features();
        int classes = t0.data().classes();
        float[] x = new float[particles * batch * features];
        float[] onehot = new float[particles * batch * classes];
        float[] xb = new float[batch * features];
        int[] yb = new int[batch];
        for (int s = 0; s < n; s++) {
            long t0n = System.nanoTime();
            java.util.Arrays.fill(onehot, 0f);
            for (int p = 0; p < particles; p++) {
                tasks.get(p).batch(position[p] + s, xb, yb);
                System.arraycopy(xb, 0, x, p * xb.length, xb.length);
                for (int b = 0; b < batch; b++) {
                    onehot[(p * batch + b) * classes + yb[b]] = 1f;
                }
            }
            NDArray[] grads = new NDArray[specs.size()];
            float[] l;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray xs = manager.create(x, new Shape(particles, batch, features));
                NDArray ys = manager.create(onehot, new Shape(particles, batch, classes));
                NDArray[] shaped = new NDArray[specs.size()];
                for (int i = 0; i < specs.size(); i++) {
                    ParamSpec sp = specs.get(i);
                    shaped[i] = sp.rank() == 2 ? params[i].reshape(particles, sp.dim(0), sp.dim(1))
                            : params[i].reshape(particles, 1, sp.size());
                }
                NDArray[] g = new NDArray[specs.size()];
                NDList loss = mlp.lossAndGradient(shaped, xs, ys, g);
                l = loss.get(0).toFloatArray();
                for (int i = 0; i < specs.size(); i++) {
                    grads[i] = g[i].reshape(particles, specs.get(i).size());
                    NDScope.unregister(grads[i]);
                }
            }
            long t1n = System.nanoTime();
            for (int p = 0; p < particles; p++) {
                if (stoppedAt[p] >= 0) {
                    losses[p][s] = Double.NaN;
                    continue;
                }
                losses[p][s] = l[p];
                if (divergence[p].observe(l[p])) {
                    stoppedAt[p] = s;
                }
            }
            if (lo != null) {
                lo.step(params, grads);
            } else {
                adam.step(params, grads);
            }
            for (NDArray g : grads) {
                g.close();
            }
            fwdBwdNanos += t1n - t0n;
            optimizerNanos += System.nanoTime() - t1n;
        }
        for (int p = 0; p < particles; p++) {
            position[p] += stoppedAt[p] >= 0 ? stoppedAt[p] : n;
        }
        return losses;
    }

    /** Copies particle p's parameters from the device into {@code dst} (same tensors, same order). */
    void copyParamsTo(int p, List<Parameter> dst) {
        for (int i = 0; i < specs.size(); i++) {
            float[] host = params[i].get(p).toFloatArray();
            if (host.length != specs.get(i).size()) {
                throw new IllegalStateException("device array of unexpected size");
            }
            System.arraycopy(host, 0, dst.get(i).values(), 0, host.length);
        }
    }

    List<OptimizerState> learnedStates() {
        return lo.exportStates();
    }

    long fwdBwdNanos() {
        return fwdBwdNanos;
    }

    long optimizerNanos() {
        return optimizerNanos;
    }

    @Override
    public void close() {
        manager.close();
    }
}
