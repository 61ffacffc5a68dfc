package io.lopt.optim;

import io.lopt.kernels.Parallel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with heavy-ball momentum (PyTorch convention): {@code b ← μ b + g; p ← p − s · lr · b},
 * where s is the tensor's s_W when {@code useUpdateScale} is set (μP) and 1 otherwise.
 */
public final class Sgd extends AbstractOptimizer {
    public static final String KIND = "sgd";
    private static final int CHUNK = 1 << 15;

    /** SGD's hyper-parameters; also its factory. */
    public record Config(double lr, double momentum, boolean useUpdateScale) implements OptimizerFactory {
        public Config {
            if (!(lr > 0) || !Double.isFinite(lr)) {
                throw new IllegalArgumentException("SGD learning rate must be positive and finite, got " + lr);
            }
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("SGD momentum must be in [0, 1), got " + momentum);
            }
        }

        @Override
        public String describe() {
            return "sgd(lr=" + lr + ", momentum=" + momentum + (useUpdateScale ? ", mup" : "") + ")";
        }

        @Override
        public Optimizer create(List<ParamSpec> specs) {
            return new Sgd(this, specs, Parallel.common());
        }

        @Override
        public Optimizer create(List<ParamSpec> specs, RunContext context) {
            return new Sgd(this, specs, context.parallel());
        }
    }

    private final Config config;
    private final Parallel parallel;
    private final float[][] buf;

    public Sgd(Config config, List<ParamSpec> specs, Parallel parallel) {
        super(specs);
        this.config = config;
        this.parallel = parallel;
        this.buf = new float[this.specs.size()][];
        for (int i = 0; i < this.specs.size(); i++) {
            buf[i] = new float[this.specs.get(i).size()];
        }
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void step(List<Parameter> params, List<float[]> grads) {
        check(params, grads);
        step++;
        final float mu = (float) config.momentum;
        for (int t = 0; t < specs.size(); t++) {
            final float[] p = params.get(t).values();
            final float[] g = grads.get(t);
            final float[] b = buf[t];
            final float lr = (float) (config.lr * (config.useUpdateScale ? specs.get(t).updateScale() : 1.0));
            int n = p.length;
            parallel.forEach((n + CHUNK - 1) / CHUNK, c -> {
                int end = Math.min(n, (c + 1) * CHUNK);
                for (int i = c * CHUNK; i < end; i++) {
                    float bi = mu * b[i] + g[i];
                    b[i] = bi;
                    p[i] -= lr * bi;
                }
            });
        }
    }

    @Override
    public OptimizerState exportState() {
        Map<String, float[]> t = new LinkedHashMap<>();
        for (int i = 0; i < specs.size(); i++) {
            t.put("momentum/" + specs.get(i).name(), buf[i]);
        }
        return new OptimizerState(KIND, step, t);
    }

    @Override
    public void restoreState(OptimizerState state) {
        checkKind(state);
        for (int i = 0; i < specs.size(); i++) {
            buf[i] = state.tensor("momentum/" + specs.get(i).name(), specs.get(i).size());
        }
        step = state.step();
    }
}
