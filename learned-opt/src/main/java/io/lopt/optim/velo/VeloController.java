package io.lopt.optim.velo;

/**
 * VeLO's per-tensor controller (hyper_v2.py {@code lstm_features_for_tensor} and {@code _rnn_forward}; docs/velo.md §3
 * and §4): the 30 tensor features, the cross-tensor max-pooled mix, the LSTM and its two heads, and the mixing of
 * the per-parameter MLP bank with the controls. Shared by the reference and the fused path (it is O(tensors · H²)).
 */
final class VeloController {
    /** The remaining-time features' offsets: tanh(10 · (t/T − x)) (hyper_v2.py {@code _fractional_tanh_embed}). */
    static final float[] TIME_POINTS = {0.03f, 0.1f, 0.2f, 0.4f, 0.6f, 0.8f, 0.9f, 1.0f, 1.1f};

    private VeloController() {
    }

    /** hyper_v2.py's {@code _clip_log_abs}: 0.5 · clip(log(1e-8 + |10 v|), −5, 5). */
    static float clipLogAbs(double v) {
        double mag = Math.log(1e-8 + Math.abs(v * 10));
        return (float) (0.5 * Math.max(-5, Math.min(5, mag)));
    }

    /**
     * The 30 tensor features in hyper_v2.py's (alphabetical) order: fraction_left (9), loss_features (9), mean_rms (1),
     * rank (5, one-hot of the number of dimensions larger than 1, none at 5 or more), var_m (3), var_rms (3).
     *
     * @param fraction t/T with t the steps taken before this one
     */
    static float[] tensorFeatures(float fraction, float[] lossFeatures, VeloTensor.Stats s, int sizeRank) {
        float[] x = new float[VeloLayout.TENSOR_FEATURES];
        int i = 0;
        for (float tau : TIME_POINTS) {
            x[i++] = (float) Math.tanh((fraction - tau) * 10f);
        }
        for (float l : lossFeatures) {
            x[i++] = l;
        }
        x[i++] = clipLogAbs(s.meanRms());
        if (sizeRank < 5) {
            x[i + sizeRank] = 1f;
        }
        i += 5;
        for (int k = 0; k < 3; k++) {
            x[i++] = clipLogAbs(s.varM()[k]);
        }
        for (int k = 0; k < 3; k++) {
            x[i++] = clipLogAbs(s.varRms()[k]);
        }
        return x;
    }

    static float sigmoid(double z) {
        return (float) (1.0 / (1.0 + Math.exp(-z)));
    }

    /** What the controller decides for every tensor: bank coefficients [T][K] and the learning-rate multiplier [T]. */
    record Controls(float[][] coefficients, float[] lrMult) {
    }

    /**
     * One controller step for all tensors: x = in(features) + max over tensors of relu(mix(features)), then the LSTM
     * (gates i, g, f, o from [x, h]; c ← σ(f + 1)·c + σ(i)·tanh(g); h ← σ(o)·tanh(c)) updates {@code h[t]} and
     * {@code c[t]} in place, and two linear heads read h.
     */
    static Controls forward(float[] theta, VeloLayout lay, float[][] features, float[][] h, float[][] c) {
        int tensors = features.length;
        int hid = lay.hidden();
        int bank = lay.bank();
        float[] pooled = new float[hid];
        java.util.Arrays.fill(pooled, Float.NEGATIVE_INFINITY);
        float[][] mixed = new float[tensors][];
        for (int t = 0; t < tensors; t++) {
            float[] mix = linear(theta, lay.offset("rnn/mix/w"), lay.offset("rnn/mix/b"), features[t], hid);
            for (int j = 0; j < hid; j++) {
                pooled[j] = Math.max(pooled[j], Math.max(0f, mix[j]));
            }
            mixed[t] = linear(theta, lay.offset("rnn/in/w"), lay.offset("rnn/in/b"), features[t], hid);
        }
        float[][] coefficients = new float[tensors][];
        float[] lrMult = new float[tensors];
        int lw = lay.offset("rnn/lstm/w");
        int lb = lay.offset("rnn/lstm/b");
        for (int t = 0; t < tensors; t++) {
            float[] z = new float[2 * hid];
            for (int j = 0; j < hid; j++) {
                z[j] = mixed[t][j] + pooled[j];
                z[hid + j] = h[t][j];
            }
            float[] gates = linear(theta, lw, lb, z, 4 * hid);
            for (int j = 0; j < hid; j++) {
                float in = sigmoid(gates[j]);
                float cand = (float) Math.tanh(gates[hid + j]);
                float forget = sigmoid(gates[2 * hid + j] + 1.0);
                float out = sigmoid(gates[3 * hid + j]);
                c[t][j] = forget * c[t][j] + in * cand;
                h[t][j] = out * (float) Math.tanh(c[t][j]);
            }
            coefficients[t] = linear(theta, lay.offset("rnn/controls/w"), lay.offset("rnn/controls/b"), h[t], bank);
            lrMult[t] = linear(theta, lay.offset("rnn/step_size/w"), lay.offset("rnn/step_size/b"), h[t], 1)[0];
        }
        return new Controls(coefficients, lrMult);
    }

    /** y = b + x·W with W [x.length, out] at {@code w} and b at {@code b}; sums in double. */
    static float[] linear(float[] theta, int w, int b, float[] x, int out) {
        float[] y = new float[out];
        for (int j = 0; j < out; j++) {
            double s = theta[b + j];
            for (int k = 0; k < x.length; k++) {
                s += (double) x[k] * theta[w + k * out + j];
            }
            y[j] = (float) s;
        }
        return y;
    }

    /**
     * The tensor's per-parameter MLP: mixMult · (1/K) · Σ_k c_k · W_k for every weight and bias (hyper_v2.py L785-788:
     * {@code 100. * jnp.mean(ff_p * c, axis=0)}; μVeLO's interp_mult replaces the 100).
     */
    static float[] mix(float[] theta, VeloLayout lay, float[] coefficients, double mixMult) {
        int bank = lay.bank();
        String[] parts = {"bank/w0", "bank/b0", "bank/w1", "bank/b1", "bank/w2", "bank/b2"};
        int[] sizes = {VeloLayout.IN * VeloLayout.H1, VeloLayout.H1, VeloLayout.H1 * VeloLayout.H2, VeloLayout.H2,
            VeloLayout.H2 * VeloLayout.OUT, VeloLayout.OUT};
        float[] w = new float[VeloLayout.MEMBER];
        int o = 0;
        for (int part = 0; part < parts.length; part++) {
            int base = lay.offset(parts[part]);
            for (int i = 0; i < sizes[part]; i++) {
                double s = 0;
                for (int k = 0; k < bank; k++) {
                    s += (double) coefficients[k] * theta[base + k * sizes[part] + i];
                }
                w[o + i] = (float) (mixMult * s / bank);
            }
            o += sizes[part];
        }
        return w;
    }
}
