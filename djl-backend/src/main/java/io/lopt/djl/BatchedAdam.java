package io.lopt.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.lopt.optim.Adam;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.schedule.Schedule;
import java.util.List;

/**
 * {@link Adam} (Adam, AdamW, μAdam) for P particles at once, as batched NDArray operations; optionally followed, as
 * {@link io.lopt.optim.transform.Chain} runs it on the CPU, by a learning-rate schedule
 * ({@link io.lopt.optim.transform.ScaleBySchedule}) and a clip of each particle's update to a global norm over all its
 * tensors ({@link io.lopt.optim.transform.ClipByGlobalNorm}).
 */
final class BatchedAdam {
    private final Adam.Config config;
    private final List<ParamSpec> specs;
    private final Schedule schedule;
    private final double clipNorm;
    private final NDArray[] m;
    private final NDArray[] v;
    private long step;

    BatchedAdam(Adam.Config config, List<ParamSpec> specs, int particles, NDManager manager) {
        this(config, null, 0, specs, particles, manager);
    }

    /**
     * @param schedule multiplies each update (step counted from 0), or null
     * @param clipNorm each particle's update is scaled down to this global norm when larger (≤ 0: no clipping)
     */
    BatchedAdam(Adam.Config config, Schedule schedule, double clipNorm, List<ParamSpec> specs, int particles,
            NDManager manager) {
        this.config = config;
        this.schedule = schedule;
        this.clipNorm = clipNorm;
        this.specs = specs;
        this.m = new NDArray[specs.size()];
        this.v = new NDArray[specs.size()];
        for (int t = 0; t < specs.size(); t++) {
            m[t] = manager.zeros(new ai.djl.ndarray.types.Shape(particles, specs.get(t).size()));
            v[t] = manager.zeros(new ai.djl.ndarray.types.Shape(particles, specs.get(t).size()));
        }
    }

    /** params[t] and grads[t] are [P, n_t]; params are replaced by their updated values. */
    void step(NDArray[] params, NDArray[] grads) {
        if (schedule != null || clipNorm > 0) {
            transformedStep(params, grads);
            return;
        }
        step++;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (int t = 0; t < specs.size(); t++) {
                float lr = (float) (config.lr() * (config.useUpdateScale() ? specs.get(t).updateScale() : 1.0));
                NDArray upd = direction(t, params[t], grads[t]);
                replace(params, t, params[t].sub(upd.mul(lr)));
            }
        }
    }

    /** u = −lr · s_W · schedule(t) · direction per tensor, then each particle's u clipped, then p + u. */
    private void transformedStep(NDArray[] params, NDArray[] grads) {
        double factor = schedule == null ? 1.0 : schedule.at(step);
        step++;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray[] u = new NDArray[specs.size()];
            NDArray sumSquares = null;
            for (int t = 0; t < specs.size(); t++) {
                double lr = config.lr() * (config.useUpdateScale() ? specs.get(t).updateScale() : 1.0) * factor;
                u[t] = direction(t, params[t], grads[t]).mul((float) -lr);
                if (clipNorm > 0) {
                    NDArray sq = u[t].square().sum(new int[] {1});
                    sumSquares = sumSquares == null ? sq : sumSquares.add(sq);
                }
            }
            NDArray scale = null;
            if (clipNorm > 0) {
                // clip / max(norm, clip): 1 when the norm is within the limit
                NDArray denominator = sumSquares.sqrt().maximum((float) clipNorm);
                scale = denominator.getManager().full(denominator.getShape(), (float) clipNorm).div(denominator)
                        .reshape(-1, 1);
            }
            for (int t = 0; t < specs.size(); t++) {
                replace(params, t, params[t].add(scale == null ? u[t] : u[t].mul(scale)));
            }
        }
    }

    /**
     * Advances tensor t's moments with gradient g (at the step count {@link #step}, already incremented) and returns
     * Adam's bias-corrected direction plus AdamW's decoupled weight decay: the update before the learning rate.
     */
    private NDArray direction(int t, NDArray param, NDArray g) {
        float b1 = (float) config.beta1();
        float b2 = (float) config.beta2();
        float c1 = (float) (1.0 / (1.0 - Math.pow(config.beta1(), step)));
        float c2 = (float) (1.0 / (1.0 - Math.pow(config.beta2(), step)));
        NDArray mn = m[t].mul(b1).add(g.mul(1 - b1));
        NDArray vn = v[t].mul(b2).add(g.square().mul(1 - b2));
        NDArray upd = mn.mul(c1).div(vn.mul(c2).sqrt().add((float) config.eps()))
                .add(param.mul((float) config.weightDecay()));
        replace(m, t, mn);
        replace(v, t, vn);
        return upd;
    }

    private static void replace(NDArray[] a, int i, NDArray value) {
        NDScope.unregister(value);
        a[i].close();
        a[i] = value;
    }
}
