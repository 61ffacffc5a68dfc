package io.lopt.optim;

import io.lopt.kernels.Parallel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma &amp; Ba) with bias correction, decoupled weight decay (AdamW, Loshchilov &amp; Hutter) and optional μP
 * scaling (μAdam, docs/spec.md §3): with {@code useUpdateScale} every tensor's whole update, decay included, is multiplied by
 * its s_W.
 *
 * <pre>
 *   m ← β1 m + (1−β1) g;   v ← β2 v + (1−β2) g²
 *   p ← p − s · lr · ( (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + ε) + wd · p )
 * </pre>
 */
public final class Adam extends AbstractOptimizer {
    public static final String KIND = "adam";
    private static final int CHUNK = 1 << 15;

    /** Adam's hyper-parameters; also the factory of Adam optimizers. */
    public record Config(double lr, double beta1, double beta2, double eps, double weightDecay, boolean useUpdateScale)
            implements OptimizerFactory {
        public Config {
            if (!(lr > 0) || !Double.isFinite(lr)) {
                throw new IllegalArgumentException("Adam learning rate must be positive and finite, got " + lr);
            }
            if (!(beta1 >= 0 && beta1 < 1)) {
                throw new IllegalArgumentException("Adam beta1 must be in [0, 1), got " + beta1);
            }
            if (!(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("Adam beta2 must be in [0, 1), got " + beta2);
            }
            if (!(eps > 0)) {
                throw new IllegalArgumentException("Adam epsilon must be positive, got " + eps);
            }
            if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
                throw new IllegalArgumentException("weight decay must be non-negative, got " + weightDecay);
            }
        }

        /** Plain Adam, β = (0.9, 0.999), ε = 1e-8. */
        public static Config adam(double lr) {
            return new Config(lr, 0.9, 0.999, 1e-8, 0, false);
        }

        /** AdamW with decoupled weight decay. */
        public static Config adamW(double lr, double weightDecay) {
            return new Config(lr, 0.9, 0.999, 1e-8, weightDecay, false);
        }

        /** μAdam: Adam whose update is multiplied by each tensor's s_W. */
        public static Config muAdam(double lr) {
            return new Config(lr, 0.9, 0.999, 1e-8, 0, true);
        }

        public Config withBetas(double b1, double b2) {
            return new Config(lr, b1, b2, eps, weightDecay, useUpdateScale);
        }

        public Config withLr(double newLr) {
            return new Config(newLr, beta1, beta2, eps, weightDecay, useUpdateScale);
        }

        @Override
        public String describe() {
            String name = useUpdateScale ? "muadam" : weightDecay > 0 ? "adamw" : "adam";
            return name + "(lr=" + lr + ", b1=" + beta1 + ", b2=" + beta2 + (weightDecay > 0 ? ", wd=" + weightDecay : "")
                    + ")";
        }

        @Override
        public Optimizer create(List<ParamSpec> specs) {
            return new Adam(this, specs, Parallel.common());
        }

        @Override
        public Optimizer create(List<ParamSpec> specs, RunContext context) {
            return new Adam(this, specs, context.parallel());
        }
    }

    private final Config config;
    private final Parallel parallel;
    private final float[][] m;
    private final float[][] v;

    public Adam(Config config, List<ParamSpec> specs, Parallel parallel) {
        super(specs);
        this.config = config;
        this.parallel = parallel;
        this.m = new float[this.specs.size()][];
        this.v = new float[this.specs.size()][];
        for (int i = 0; i < this.specs.size(); i++) {
            m[i] = new float[this.specs.get(i).size()];
            v[i] = new float[this.specs.get(i).size()];
        }
    }

    public Config config() {
        return config;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void step(List<Parameter> params, List<float[]> grads) {
        check(params, grads);
        step++;
        final float b1 = (float) config.beta1;
        final float b2 = (float) config.beta2;
        final float c1 = (float) (1.0 / (1.0 - Math.pow(config.beta1, step)));
        final float c2 = (float) (1.0 / (1.0 - Math.pow(config.beta2, step)));
        final float eps = (float) config.eps;
        final float wd = (float) config.weightDecay;
        for (int t = 0; t < specs.size(); t++) {
            final float[] p = params.get(t).values();
            final float[] g = grads.get(t);
            final float[] mt = m[t];
            final float[] vt = v[t];
            final float lr = (float) (config.lr * (config.useUpdateScale ? specs.get(t).updateScale() : 1.0));
            int n = p.length;
            int chunks = (n + CHUNK - 1) / CHUNK;
            parallel.forEach(chunks, c -> {
                int end = Math.min(n, (c + 1) * CHUNK);
                for (int i = c * CHUNK; i < end; i++) {
                    float gi = g[i];
                    float mi = b1 * mt[i] + (1 - b1) * gi;
                    float vi = b2 * vt[i] + (1 - b2) * gi * gi;
                    mt[i] = mi;
                    vt[i] = vi;
                    float upd = (mi * c1) / ((float) Math.sqrt(vi * c2) + eps) + wd * p[i];
                    p[i] -= lr * upd;
                }
            });
        }
    }

    @Override
    public OptimizerState exportState() {
        Map<String, float[]> t = new LinkedHashMap<>();
        for (int i = 0; i < specs.size(); i++) {
            t.put("m/" + specs.get(i).name(), m[i]);
            t.put("v/" + specs.get(i).name(), v[i]);
        }
        return new OptimizerState(KIND, step, t);
    }

    @Override
    public void restoreState(OptimizerState state) {
        checkKind(state);
        for (int i = 0; i < specs.size(); i++) {
            m[i] = state.tensor("m/" + specs.get(i).name(), specs.get(i).size());
            v[i] = state.tensor("v/" + specs.get(i).name(), specs.get(i).size());
        }
        step = state.step();
    }
}
