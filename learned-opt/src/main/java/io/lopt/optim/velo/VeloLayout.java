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
     * zero. The forget gate's +1 is part of the LSTM, not of its bias.
     */
    public float[] init(long seed) {
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
}
