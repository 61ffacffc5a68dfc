package io.lopt.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.lopt.optim.Adam;
import io.lopt.optim.ParamSpec;
import java.util.List;

/** {@link Adam} (Adam, AdamW, μAdam) for P particles at once, as batched NDArray operations. */
final class BatchedAdam {
    private final Adam.Config config;
    private final List<ParamSpec> specs;
    private final NDArray[] m;
    private final NDArray[] v;
    private long step;

    BatchedAdam(Adam.Config config, List<ParamSpec> specs, int particles, NDManager manager) {
        this.config = config;
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
        step++;
        float b1 = (float) config.beta1();
        float b2 = (float) config.beta2();
        float c1 = (float) (1.0 / (1.0 - Math.pow(config.beta1(), step)));
        float c2 = (float) (1.0 / (1.0 - Math.pow(config.beta2(), step)));
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (int t = 0; t < specs.size(); t++) {
                float lr = (float) (config.lr() * (config.useUpdateScale() ? specs.get(t).updateScale() : 1.0));
                NDArray g = grads[t];
                NDArray mn = m[t].mul(b1).add(g.mul(1 - b1));
                NDArray vn = v[t].mul(b2).add(g.square().mul(1 - b2));
                NDArray upd = mn.mul(c1).div(vn.mul(c2).sqrt().add((float) config.eps()))
                        .add(params[t].mul((float) config.weightDecay()));
                NDArray pn = params[t].sub(upd.mul(lr));
                replace(m, t, mn);
                replace(v, t, vn);
                replace(params, t, pn);
            }
        }
    }

    private static void replace(NDArray[] a, int i, NDArray value) {
        NDScope.unregister(value);
        a[i].close();
        a[i] = value;
    }
}
