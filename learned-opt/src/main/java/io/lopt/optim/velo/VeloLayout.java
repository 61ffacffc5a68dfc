package io.lopt.optim.velo;

import io.lopt.optim.lo.MetaParameters;
import io.lopt.util.Rng;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Layout of VeLO's θ in one flat vector, with named views:
 * <pre>
 *   lstm/wx [19, 4H]   lstm/wh [H, 4H]   lstm/b [4H]          the per-tensor LSTM (gates i, f, g, o)
 *   head/w [H, B+1]    head/b [B+1]                           mixing logits over the bank, and log α
 *   bank/w1 [B, 9, 4]  bank/b1 [B, 4]  bank/w2 [B, 4, 4]  bank/b2 [B, 4]  bank/w3 [B, 4, 2]  bank/b3 [B, 2]
 * </pre>
 * Weights are {@code [in, out]}.
 */
public final class VeloLayout {
    /** Per-tensor LSTM inputs: 9 remaining-time, 3 loss, 4 RMS statistics, 3 rank one-hot. */
    public static final int TENSOR_FEATURES = 19;
    /** Per-parameter MLP: 9 inputs, 4 and 4 hidden units, 2 outputs. */
    public static final int IN = 9;
    public static final int H1 = 4;
    public static final int H2 = 4;
    public static final int OUT = 2;
    /** Weights of one bank member: w1, b1, w2, b2, w3, b3. */
    public static final int MEMBER = IN * H1 + H1 + H1 * H2 + H2 + H2 * OUT + OUT;

    private final int hidden;
    private final int bank;
    private final Map<String, MetaParameters.View> views;
    private final int size;

    private VeloLayout(int hidden, int bank) {
        this.hidden = hidden;
        this.bank = bank;
        Map<String, MetaParameters.View> v = new LinkedHashMap<>();
        int off = 0;
        off = add(v, "lstm/wx", off, TENSOR_FEATURES, 4 * hidden);
        off = add(v, "lstm/wh", off, hidden, 4 * hidden);
        off = add(v, "lstm/b", off, 4 * hidden);
        off = add(v, "head/w", off, hidden, bank + 1);
        off = add(v, "head/b", off, bank + 1);
        off = add(v, "bank/w1", off, bank, IN, H1);
        off = add(v, "bank/b1", off, bank, H1);
        off = add(v, "bank/w2", off, bank, H1, H2);
        off = add(v, "bank/b2", off, bank, H2);
        off = add(v, "bank/w3", off, bank, H2, OUT);
        off = add(v, "bank/b3", off, bank, OUT);
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
     * Weights truncated normal (σ = 1/√fan_in), biases 0 except the LSTM forget gate (+1, the usual choice that keeps
     * memory at the start) and log α (ln 10, so that the first steps are 0.01·d·s_W for μVeLO and 0.01·d·RMS(p) for
     * VeLO, the scale of μLO's λ1); the head's weights are scaled by 0.1 so that the initial mixture is close to
     * uniform and α close to 10.
     */
    public float[] init(long seed) {
        float[] theta = new float[size];
        int i = 0;
        for (MetaParameters.View v : views.values()) {
            Rng rng = Rng.derive(seed, Rng.hash("velo/theta"), i++);
            String n = v.name();
            int[] s = v.shape();
            if (n.equals("lstm/wx") || n.equals("lstm/wh") || n.equals("head/w")) {
                double sigma = 1.0 / Math.sqrt(s[0]) * (n.equals("head/w") ? 0.1 : 1.0);
                for (int k = 0; k < v.size(); k++) {
                    theta[v.offset() + k] = (float) (sigma * rng.nextTruncatedGaussian());
                }
            } else if (n.startsWith("bank/w")) {
                double sigma = 1.0 / Math.sqrt(s[1]);
                for (int k = 0; k < v.size(); k++) {
                    theta[v.offset() + k] = (float) (sigma * rng.nextTruncatedGaussian());
                }
            } else if (n.equals("lstm/b")) {
                for (int k = hidden; k < 2 * hidden; k++) {
                    theta[v.offset() + k] = 1f; // forget gate
                }
            } else if (n.equals("head/b")) {
                theta[v.offset() + bank] = (float) Math.log(10); // α starts at 10: steps of 0.01·d·s_W (μVeLO)
            }
        }
        return theta;
    }
}
