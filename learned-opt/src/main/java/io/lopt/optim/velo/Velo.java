package io.lopt.optim.velo;

import io.lopt.kernels.Parallel;
import io.lopt.optim.AbstractOptimizer;
import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.Optimizer;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.OptimizerState;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A VeLO-style learned optimizer (Metz et al. 2022, "VeLO: Training Versatile Learned Optimizers by Scaling Up";
 * docs/spec.md §3) with fixed meta-parameters θ.
 *
 * <p>Per tensor and step, an LSTM reads 19 tensor features — the remaining-time features tanh(10·(t/T − x)) for
 * x ∈ {0.03, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.1}, three loss EMAs (β = 0.9, 0.99, 0.999) each normalised by its
 * running min/max, log RMS of m_1, m_3, √v and p, and a one-hot of the tensor rank (0, 1, ≥2) — and emits softmax
 * mixing coefficients over a bank of per-parameter MLPs (9 → 4 → 4 → 2) and a learning-rate multiplier α = exp(a).
 * The mixed MLP maps each element's normalised features to [d, m] and
 * <pre>  step = 0.001 · α · d · exp(0.001 · m) · RMS(p)        (μVeLO: · s_W instead of · RMS(p))</pre>
 * with RMS(p) = √(mean p² + 1e-6) (the floor lets zero-initialised tensors move).
 *
 * <p>It needs the length T of the training run ({@link #create(List, long)}) and the training loss
 * ({@link Optimizer#step(List, List, double)}).
 */
public final class Velo implements OptimizerFactory {
    static final double[] TIME_POINTS = {0.03, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.1};
    static final double[] LOSS_DECAYS = {0.9, 0.99, 0.999};

    /** Which implementation of the per-parameter part to run. */
    public enum Implementation {
        FUSED, REFERENCE
    }

    private final VeloConfig config;
    private final VeloLayout layout;
    private final float[] theta;
    private final Implementation impl;
    private final Parallel parallel;

    public Velo(VeloConfig config, float[] theta) {
        this(config, theta, Implementation.FUSED, Parallel.common());
    }

    public Velo(VeloConfig config, float[] theta, Implementation impl, Parallel parallel) {
        this.config = Objects.requireNonNull(config, "config");
        this.layout = VeloLayout.of(config);
        this.theta = LearnedOptimizer.checkedTheta(theta, layout.size(), "a VeLO with " + config.lstmHidden()
                + " LSTM units and a bank of " + config.bankSize());
        this.impl = impl;
        this.parallel = parallel;
    }

    public VeloConfig config() {
        return config;
    }

    public float[] theta() {
        return theta.clone();
    }

    @Override
    public String describe() {
        return (config.mup() ? "mu-velo" : "velo") + "(lstm=" + config.lstmHidden() + ", bank=" + config.bankSize() + ")";
    }

    /** Refused: VeLO needs the length of the run. */
    @Override
    public Optimizer create(List<ParamSpec> specs) {
        throw new IllegalStateException("VeLO needs the length of the training run: use create(specs, horizon)");
    }

    @Override
    public boolean needsHorizon() {
        return true;
    }

    @Override
    public Optimizer create(List<ParamSpec> specs, long horizon) {
        return new Stepper(specs, checkedHorizon(horizon), parallel);
    }

    @Override
    public Optimizer create(List<ParamSpec> specs, io.lopt.optim.RunContext context) {
        return new Stepper(specs, checkedHorizon(context.horizon()), context.parallel());
    }

    private static long checkedHorizon(long horizon) {
        if (horizon < 1) {
            throw new IllegalArgumentException("VeLO's horizon must be at least 1 step, got " + horizon);
        }
        return horizon;
    }

    /** The 19 tensor features of docs/spec.md §3 (see the class comment). */
    static float[] tensorFeatures(long t, long horizon, float[] lossFeatures, VeloTensor.Stats s, int rank) {
        float[] x = new float[VeloLayout.TENSOR_FEATURES];
        int i = 0;
        double frac = (double) t / horizon;
        for (double p : TIME_POINTS) {
            x[i++] = (float) Math.tanh(10 * (frac - p));
        }
        for (float l : lossFeatures) {
            x[i++] = l;
        }
        x[i++] = (float) Math.log(s.rms(2) + 1e-8);
        x[i++] = (float) Math.log(s.rms(4) + 1e-8);
        x[i++] = (float) Math.log(Math.sqrt(Math.max(0, s.sumV() / s.n())) + 1e-8);
        x[i++] = (float) Math.log(s.rms(1) + 1e-8);
        x[i + Math.min(rank, 2)] = 1f;
        return x;
    }

    static float sigmoid(float z) {
        return (float) (1.0 / (1.0 + Math.exp(-z)));
    }

    /**
     * One LSTM step (gates i, f, g, o; c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c')) in place, then the head: the
     * bank mixture (softmax) and α. Returns [mixture..., α].
     */
    static float[] lstmAndHead(float[] theta, VeloLayout lay, float[] x, float[] h, float[] c) {
        int hid = lay.hidden();
        int wx = lay.offset("lstm/wx");
        int wh = lay.offset("lstm/wh");
        int b = lay.offset("lstm/b");
        float[] z = new float[4 * hid];
        for (int j = 0; j < 4 * hid; j++) {
            float s = theta[b + j];
            for (int k = 0; k < x.length; k++) {
                s += x[k] * theta[wx + k * 4 * hid + j];
            }
            for (int k = 0; k < hid; k++) {
                s += h[k] * theta[wh + k * 4 * hid + j];
            }
            z[j] = s;
        }
        for (int j = 0; j < hid; j++) {
            float ig = sigmoid(z[j]);
            float fg = sigmoid(z[hid + j]);
            float gg = (float) Math.tanh(z[2 * hid + j]);
            float og = sigmoid(z[3 * hid + j]);
            c[j] = fg * c[j] + ig * gg;
            h[j] = og * (float) Math.tanh(c[j]);
        }
        int bank = lay.bank();
        int hw = lay.offset("head/w");
        int hb = lay.offset("head/b");
        float[] y = new float[bank + 1];
        for (int j = 0; j <= bank; j++) {
            float s = theta[hb + j];
            for (int k = 0; k < hid; k++) {
                s += h[k] * theta[hw + k * (bank + 1) + j];
            }
            y[j] = s;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < bank; j++) {
            max = Math.max(max, y[j]);
        }
        double sum = 0;
        for (int j = 0; j < bank; j++) {
            sum += Math.exp(y[j] - max);
        }
        float[] out = new float[bank + 1];
        for (int j = 0; j < bank; j++) {
            out[j] = (float) (Math.exp(y[j] - max) / sum);
        }
        out[bank] = (float) Math.exp(Math.max(-10f, Math.min(10f, y[bank])));
        return out;
    }

    /** The mixed per-parameter MLP: Σ_b mix_b · bank_b, in the member layout (w1, b1, w2, b2, w3, b3). */
    static float[] mix(float[] theta, VeloLayout lay, float[] mixture) {
        float[] w = new float[VeloLayout.MEMBER];
        String[] parts = {"bank/w1", "bank/b1", "bank/w2", "bank/b2", "bank/w3", "bank/b3"};
        int[] sizes = {VeloLayout.IN * VeloLayout.H1, VeloLayout.H1, VeloLayout.H1 * VeloLayout.H2, VeloLayout.H2,
            VeloLayout.H2 * VeloLayout.OUT, VeloLayout.OUT};
        int o = 0;
        for (int p = 0; p < parts.length; p++) {
            int base = lay.offset(parts[p]);
            for (int b = 0; b < lay.bank(); b++) {
                float c = mixture[b];
                for (int i = 0; i < sizes[p]; i++) {
                    w[o + i] += c * theta[base + b * sizes[p] + i];
                }
            }
            o += sizes[p];
        }
        return w;
    }

    private final class Stepper extends AbstractOptimizer {
        private final long horizon;
        private final List<VeloTensor> tensors = new ArrayList<>();
        private float[] lossEma = new float[3];
        private float[] lossMin = new float[3];
        private float[] lossMax = new float[3];
        private float[] lossSeen = new float[1];

        private final Parallel parallel;

        Stepper(List<ParamSpec> specs, long horizon, Parallel parallel) {
            super(specs);
            this.horizon = horizon;
            this.parallel = parallel;
            for (ParamSpec s : this.specs) {
                tensors.add(new VeloTensor(s, layout.hidden()));
            }
        }

        @Override
        public String kind() {
            return VeloConfig.KIND;
        }

        @Override
        public void step(List<Parameter> params, List<float[]> grads) {
            throw new IllegalStateException("VeLO needs the training loss: call step(params, grads, loss)");
        }

        @Override
        public void step(List<Parameter> params, List<float[]> grads, double loss) {
            check(params, grads);
            float[] lossFeatures = observeLoss(loss);
            boolean fused = impl == Implementation.FUSED && io.lopt.kernels.VectorSupport.AVAILABLE;
            for (int i = 0; i < specs.size(); i++) {
                VeloTensor st = tensors.get(i);
                float[] p = params.get(i).values();
                float[] g = grads.get(i);
                VeloTensor.Stats stats = fused ? VeloKernel.accumulate(st, p, g, this.parallel)
                        : VeloReference.accumulate(st, p, g);
                float[] x = tensorFeatures(step, horizon, lossFeatures, stats, st.spec.rank());
                float[] head = lstmAndHead(theta, layout, x, st.h, st.c);
                float[] w = mix(theta, layout, head);
                double size = config.mup() ? st.spec.updateScale() : Math.sqrt(stats.sumSquares()[1] / stats.n() + 1e-6);
                float scale = (float) (0.001 * head[layout.bank()] * size);
                if (fused) {
                    VeloKernel.apply(st, p, g, stats, w, scale, this.parallel);
                } else {
                    VeloReference.apply(st, p, g, stats, w, scale);
                }
            }
            step++;
        }

        /** Updates the loss EMAs and their running min/max; returns the normalised loss features. */
        private float[] observeLoss(double loss) {
            if (Double.isFinite(loss)) {
                for (int k = 0; k < 3; k++) {
                    float b = (float) LOSS_DECAYS[k];
                    lossEma[k] = lossSeen[0] == 0 ? (float) loss : b * lossEma[k] + (1 - b) * (float) loss;
                    lossMin[k] = lossSeen[0] == 0 ? lossEma[k] : Math.min(lossMin[k], lossEma[k]);
                    lossMax[k] = lossSeen[0] == 0 ? lossEma[k] : Math.max(lossMax[k], lossEma[k]);
                }
                lossSeen[0] = 1;
            }
            float[] f = new float[3];
            for (int k = 0; k < 3; k++) {
                f[k] = (lossEma[k] - lossMin[k]) / (lossMax[k] - lossMin[k] + 1e-8f);
            }
            return f;
        }

        @Override
        public OptimizerState exportState() {
            Map<String, float[]> t = new LinkedHashMap<>();
            t.put("loss/ema", lossEma);
            t.put("loss/min", lossMin);
            t.put("loss/max", lossMax);
            t.put("loss/seen", lossSeen);
            for (VeloTensor s : tensors) {
                t.putAll(s.arrays());
            }
            return new OptimizerState(VeloConfig.KIND, step, t);
        }

        @Override
        public void restoreState(OptimizerState state) {
            checkKind(state);
            lossEma = state.tensor("loss/ema", 3);
            lossMin = state.tensor("loss/min", 3);
            lossMax = state.tensor("loss/max", 3);
            lossSeen = state.tensor("loss/seen", 1);
            for (VeloTensor s : tensors) {
                s.restore(state);
            }
            step = state.step();
        }
    }
}
