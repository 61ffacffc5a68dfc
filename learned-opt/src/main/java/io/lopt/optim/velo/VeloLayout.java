package io.lopt.optim.velo;

import io.lopt.optim.lo.MetaParameters;
import io.lopt.util.Rng;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * VeLO's θ in one flat vector, with named views (weights are {@code [in, out]}; H LSTM units, K bank members):
 * <pre>
 *   rnn/mix/w [30, H]       rnn/mix/b [H]        max-pooled across tensors (hyper_v2.py's second mix Linear)
 *   rnn/in/w [30, H]        rnn/in/b [H]         the tensor's own projection (its third Linear)
 *   rnn/lstm/w [2H, 4H]     rnn/lstm/b [4H]      the LSTM on [input, h], gates i, g, f, o (forget gate + 1)
 *   rnn/controls/w [H, K]   rnn/controls/b [K]   mixing coefficients over the bank
 *   rnn/step_size/w [H, 1]  rnn/step_size/b [1]  the learning-rate multiplier
 *   rnn/init/h [H]          rnn/init/c [H]       the LSTM's initial state (meta-learned)
 *   bank/w0 [K, 30, 4]  bank/b0 [K, 4]  bank/w1 [K, 4, 4]  bank/b1 [K, 4]  bank/w2 [K, 4, 3]  bank/b2 [K, 3]
 * </pre>
 * hyper_v2.py also builds a first mix Linear whose output it discards; it cannot change any step, so it is not in θ
 * (docs/velo.md).
 */
public final class VeloLayout {
    /** Tensor features the LSTM reads (hyper_v2.py {@code lstm_features_for_tensor}). */
    public static final int TENSOR_FEATURES = 30;
    /** Per-parameter features (hyper_v2.py {@code _ff_mod}), MLP widths and outputs (direction, magnitude, unused). */
    public static final int IN = 30;
    public static final int H1 = 4;
    public static final int H2 = 4;
    public static final int OUT = 3;
    /** Weights of one bank member, in the order w0, b0, w1, b1, w2, b2. */
    public static final int MEMBER = IN * H1 + H1 + H1 * H2 + H2 + H2 * OUT + OUT;
    /** Offsets inside one member. */
    public static final int W0 = 0;
    public static final int B0 = W0 + IN * H1;
    public static final int W1 = B0 + H1;
    public static final int B1 = W1 + H1 * H2;
    public static final int W2 = B1 + H2;
    public static final int B2 = W2 + H2 * OUT;

    private final int hidden;
    private final int bank;
    private final Map<String, MetaParameters.View> views;
    private final int size;

    private VeloLayout(int hidden, int bank) {
        this.hidden = hidden;
        this.bank = bank;
        Map<String, MetaParameters.View> v = new LinkedHashMap<>();
        int off = 0;
        off = add(v, "rnn/mix/w", off, TENSOR_FEATURES, hidden);
        off = add(v, "rnn/mix/b", off, hidden);
        off = add(v, "rnn/in/w", off, TENSOR_FEATURES, hidden);
        off = add(v, "rnn/in/b", off, hidden);
        off = add(v, "rnn/lstm/w", off, 2 * hidden, 4 * hidden);
        off = add(v, "rnn/lstm/b", off, 4 * hidden);
        off = add(v, "rnn/controls/w", off, hidden, bank);
        off = add(v, "rnn/controls/b", off, bank);
        off = add(v, "rnn/step_size/w", off, hidden, 1);
        off = add(v, "rnn/step_size/b", off, 1);
        off = add(v, "rnn/init/h", off, hidden);
        off = add(v, "rnn/init/c", off, hidden);
        off = add(v, "bank/w0", off, bank, IN, H1);
        off = add(v, "bank/b0", off, bank, H1);
        off = add(v, "bank/w1", off, bank, H1, H2);
        off = add(v, "bank/b1", off, bank, H2);
        off = add(v, "bank/w2", off, bank, H2, OUT);
        off = add(v, "bank/b2", off, bank, OUT);
        this.views = Collections.unmodifiableMap(v);
        this.size = off;
    }

    private static int add(Map<String, MetaParameters.View> v, String name, int off, int... shape) {
        MetaParameters.View view = new MetaParameters.View(name, off, shape);
        v.put(name, view);
        return off + view.size();
    }

    public static VeloLayout of(VeloConfig c) {
        return new VeloLayout(c.lstmHidden(), c.bankSize());
    }

    public int size() {
        return size;
    }

    public int hidden() {
        return hidden;
    }

    public int bank() {
        return bank;
    }

    public Map<String, MetaParameters.View> views() {
        return views;
    }

    public int offset(String name) {
        MetaParameters.View v = views.get(name);
        if (v == null) {
            throw new IllegalArgumentException("VeLO θ has no view '" + name + "'");
        }
        return v.offset();
    }

    /**
     * VeLO's meta-initialisation (haiku's defaults, as hyper_v2.py uses them): every weight truncated normal at ±2σ
     * with σ = 1/√fan_in (the bank's first layer: 1/√30, its other layers 1/√4), every bias and the initial LSTM state
     * zero. The forget gate's +1 is part of the LSTM, not of its bias. Under lopt's small meta-training budget this
     * start fails (docs/velo.md §6): {@link #init} is the one the presets use.
     */
    public float[] haikuInit(long seed) {
        float[] theta = new float[size];
        int i = 0;
        for (MetaParameters.View v : views.values()) {
            Rng rng = Rng.derive(seed, Rng.hash("velo2/theta"), i++);
            String n = v.name();
            int[] s = v.shape();
            if (!n.endsWith("/w") && !n.startsWith("bank/w")) {
                continue; // biases and the initial state
            }
            double fanIn = n.startsWith("bank/") ? s[1] : s[0];
            double sigma = 1.0 / Math.sqrt(fanIn);
            for (int k = 0; k < v.size(); k++) {
                theta[v.offset() + k] = (float) (sigma * rng.nextTruncatedGaussian());
            }
        }
        return theta;
    }

    /** The per-parameter feature the start follows: m_1 · rsqrt(mean square), Adam's direction (β1 = 0.9). */
    public static final int START_FEATURE = 7;
    /** The learning-rate multiplier at the start: steps of 0.01 · RMS(p) (VeLO) or 0.01 · s_W (μVeLO), as μLO's λ1. */
    public static final float START_LR_MULT = 10f;

    /**
     * lopt's meta-initialisation for meta-training on a small budget (docs/velo.md §6): haiku's initialisation, moved to
     * an Adam-like optimizer. Every bank member holds, up to a small random part, the MLP whose direction is the
     * normalised m_1 · rsqrt(mean square) feature (through a +x / −x pair of ReLU units) and whose magnitude output is
     * 0; the coefficients start at c0 = min(1, 10 / mixMult) (the controls head's weights × 0.1 plus a bias c0) so that
     * the mixture is that MLP; the step-size head starts at 10 (weights × 0.1). The random parts keep haiku's shape,
     * scaled so that the mixed MLP's random part is 5% of haiku's.
     */
    public float[] init(long seed, double mixMult) {
        float[] theta = haikuInit(seed);
        double c0 = Math.min(1.0, 10.0 / mixMult);
        double gain = mixMult * c0; // the mixed MLP is gain × the mean member
        double noise = 0.05 * Math.sqrt(bank) / gain;
        for (String part : new String[] {"bank/w0", "bank/w1", "bank/w2"}) {
            MetaParameters.View v = views.get(part);
            for (int k = 0; k < v.size(); k++) {
                theta[v.offset() + k] *= (float) noise;
            }
        }
        for (String head : new String[] {"rnn/controls/w", "rnn/step_size/w"}) {
            MetaParameters.View v = views.get(head);
            for (int k = 0; k < v.size(); k++) {
                theta[v.offset() + k] *= 0.1f;
            }
        }
        int cb = offset("rnn/controls/b");
        for (int k = 0; k < bank; k++) {
            theta[cb + k] = (float) c0;
        }
        theta[offset("rnn/step_size/b")] = START_LR_MULT;
        float unit = (float) (1.0 / gain);
        for (int k = 0; k < bank; k++) {
            int m = offset("bank/w0") + k * IN * H1;
            theta[m + START_FEATURE * H1] += unit; // h1_0 = relu(x)
            theta[m + START_FEATURE * H1 + 1] -= unit; // h1_1 = relu(−x)
            int m1 = offset("bank/w1") + k * H1 * H2;
            theta[m1] += unit; // h2_0 = relu(h1_0)
            theta[m1 + H2 + 1] += unit; // h2_1 = relu(h1_1)
            int m2 = offset("bank/w2") + k * H2 * OUT;
            theta[m2] += unit; // d = h2_0 − h2_1 = x
            theta[m2 + OUT] -= unit;
        }
        return theta;
    }
}
