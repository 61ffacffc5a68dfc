package io.lopt.optim.lo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Layout of θ, the learned optimizer's meta-parameters, in one flat float vector (the vector that PES perturbs),
 * with named views:
 *
 * <pre>
 *   mlp/w0 [39 (42), h0]   mlp/b0 [h0]   mlp/w1 [h0, h1]   mlp/b1 [h1]   ...   mlp/wout [h_last, 2]   mlp/bout [2]
 *   decay/momentum [3]   decay/rms [1]   decay/adafactor [3]
 * </pre>
 *
 * Weights are {@code [in, out]}. With the paper's 32, 32 hidden units θ has 2,402 + 7 = 2,409 entries.
 */
public final class MetaParameters {
    /** Per-element input features: 28 normalised accumulator features and 11 time features. */
    public static final int ACC_FEATURES = 28;
    public static final int TIME_FEATURES = 11;
    public static final int INPUTS = ACC_FEATURES + TIME_FEATURES;
    /**
     * Optional per-element inputs after the time features ({@link LoptConfig#adamInputs}): m_k/√(v + 1e-16) for the
     * three momenta, not normalised over the tensor.
     */
    public static final int ADAM_FEATURES = 3;
    public static final int OUTPUTS = 2;
    public static final String MOMENTUM = "decay/momentum";
    public static final String RMS = "decay/rms";
    public static final String ADAFACTOR = "decay/adafactor";

    /** A named slice of θ. */
    public record View(String name, int offset, int[] shape) {
        public int size() {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final List<Integer> hidden;
    private final Map<String, View> views;
    private final int size;
    private final int[] layerW;
    private final int[] layerB;
    private final int[] layerIn;
    private final int[] layerOut;

    private MetaParameters(List<Integer> hidden, int inputs) {
        this.hidden = List.copyOf(hidden);
        Map<String, View> v = new LinkedHashMap<>();
        int layers = hidden.size() + 1;
        layerW = new int[layers];
        layerB = new int[layers];
        layerIn = new int[layers];
        layerOut = new int[layers];
        int off = 0;
        int in = inputs;
        for (int l = 0; l < layers; l++) {
            int out = l < hidden.size() ? hidden.get(l) : OUTPUTS;
            String suffix = l < hidden.size() ? String.valueOf(l) : "out";
            layerIn[l] = in;
            layerOut[l] = out;
            layerW[l] = off;
            v.put("mlp/w" + suffix, new View("mlp/w" + suffix, off, new int[] {in, out}));
            off += in * out;
            layerB[l] = off;
            v.put("mlp/b" + suffix, new View("mlp/b" + suffix, off, new int[] {out}));
            off += out;
            in = out;
        }
        v.put(MOMENTUM, new View(MOMENTUM, off, new int[] {3}));
        off += 3;
        v.put(RMS, new View(RMS, off, new int[] {1}));
        off += 1;
        v.put(ADAFACTOR, new View(ADAFACTOR, off, new int[] {3}));
        off += 3;
        this.views = Collections.unmodifiableMap(v);
        this.size = off;
    }

    public static MetaParameters of(LoptConfig config) {
        return new MetaParameters(config.hiddenSizes(), config.inputs());
    }

    /** The layout of the paper's small_fc_lopt (39 inputs) with these hidden sizes. */
    public static MetaParameters of(List<Integer> hidden) {
        return new MetaParameters(hidden, INPUTS);
    }

    /** Whether the first layer also reads the {@link #ADAM_FEATURES} un-normalised Adam inputs. */
    public boolean adamInputs() {
        return layerIn[0] > INPUTS;
    }

    public int size() {
        return size;
    }

    public List<Integer> hiddenSizes() {
        return hidden;
    }

    /** Number of dense layers of the per-parameter MLP (hidden layers + output layer). */
    public int layers() {
        return layerW.length;
    }

    public int weightOffset(int layer) {
        return layerW[layer];
    }

    public int biasOffset(int layer) {
        return layerB[layer];
    }

    public int layerInputs(int layer) {
        return layerIn[layer];
    }

    public int layerOutputs(int layer) {
        return layerOut[layer];
    }

    public Map<String, View> views() {
        return views;
    }

    public View view(String name) {
        View v = views.get(name);
        if (v == null) {
            throw new IllegalArgumentException("θ has no view named '" + name + "' (known: " + views.keySet() + ")");
        }
        return v;
    }

    /** A copy of one view's values. */
    public float[] get(float[] theta, String name) {
        View v = view(name);
        return java.util.Arrays.copyOfRange(theta, v.offset, v.offset + v.size());
    }

    /** Writes one view's values. */
    public void set(float[] theta, String name, float[] values) {
        View v = view(name);
        if (values.length != v.size()) {
            throw new IllegalArgumentException("θ view '" + name + "' has " + v.size() + " values, got " + values.length);
        }
        System.arraycopy(values, 0, theta, v.offset, v.size());
    }

    /** Weights: truncated normal (±2σ, σ = 1/sqrt(fan_in)); biases and decay offsets: 0 (docs/spec.md §2). */
    public float[] init(long seed) {
        float[] theta = new float[size];
        List<View> all = new ArrayList<>(views.values());
        for (int i = 0; i < all.size(); i++) {
            View v = all.get(i);
            if (v.name.startsWith("mlp/w")) {
                float[] w = new float[v.size()];
                io.lopt.util.Rng.derive(seed, io.lopt.util.Rng.hash("lopt/theta"), i)
                        .fillTruncatedNormal(w, 1.0 / Math.sqrt(v.shape[0]));
                System.arraycopy(w, 0, theta, v.offset, w.length);
            }
        }
        return theta;
    }

    /** The decays of the 7 accumulators for this θ: β = clip(1 − (1 − β0)·exp(10 δ), 0, 1). */
    public Decays decays(float[] theta) {
        View mom = view(MOMENTUM);
        View rms = view(RMS);
        View ada = view(ADAFACTOR);
        float[] m = new float[3];
        float[] a = new float[3];
        for (int k = 0; k < 3; k++) {
            m[k] = Decays.decay(Decays.MOMENTUM_INIT[k], theta[mom.offset + k]);
            a[k] = Decays.decay(Decays.ADAFACTOR_INIT[k], theta[ada.offset + k]);
        }
        return new Decays(m, Decays.decay(Decays.RMS_INIT, theta[rms.offset]), a);
    }

    /** The 7 accumulator decays. */
    public record Decays(float[] momentum, float rms, float[] adafactor) {
        public static final double[] MOMENTUM_INIT = {0.9, 0.99, 0.999};
        public static final double RMS_INIT = 0.999;
        public static final double[] ADAFACTOR_INIT = {0.9, 0.99, 0.999};

        static float decay(double beta0, float offset) {
            double b = 1.0 - (1.0 - beta0) * Math.exp(10.0 * offset);
            return (float) Math.min(1.0, Math.max(0.0, b));
        }
    }
}
