package io.lopt.optim.velo;

import io.lopt.optim.OptimizerState;
import io.lopt.optim.ParamSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * VeLO's state for one tensor and the geometry of its factored second moments (learned_optimization's
 * {@code common.py}, docs/velo.md §1): momenta m_k (β = 0.9, 0.99, 0.999), the mean square of the gradient (β = 0.999),
 * Adafactor-style accumulators per decay (β = 0.9, 0.99, 0.999) — a row and a column mean of g² for tensors of rank
 * ≥ 2, one per element otherwise — and the tensor's LSTM state (h, c).
 *
 * <p>Factoring follows {@code factored_dims}: d0 is the axis of the largest dimension, d1 of the second largest (on a
 * tie the later axis is d0); {@code v_row} averages g² over d0, {@code v_col} over d1.
 */
final class VeloTensor {
    static final float[] MOMENTUM = {0.9f, 0.99f, 0.999f};
    static final float RMS = 0.999f;
    static final float[] ADAFACTOR = {0.9f, 0.99f, 0.999f};
    static final int DECAYS = 3;

    final ParamSpec spec;
    final int n;
    final int[] shape;
    final int[] stride;
    final boolean factored;
    final int d0;
    final int d1;
    /** Number of dimensions larger than 1 (the LSTM's rank one-hot). */
    final int sizeRank;
    final float[][] m = new float[DECAYS][];
    final float[] rms;
    final float[][] vRow = new float[DECAYS][];
    final float[][] vCol = new float[DECAYS][];
    final float[][] vDiag = new float[DECAYS][];
    final float[] h;
    final float[] c;
    /** Shape and strides of v_row, and the position of axis d1 in it (for the mean over d1). */
    private final int[] rowShape;
    private final int[] rowStride;
    private final int rowD1;

    VeloTensor(ParamSpec spec, int hidden) {
        this.spec = spec;
        this.n = spec.size();
        this.shape = spec.shape();
        this.stride = strides(shape);
        int big = 0;
        for (int d : shape) {
            big += d > 1 ? 1 : 0;
        }
        this.sizeRank = big;
        this.factored = shape.length >= 2;
        if (factored) {
            // a stable ascending sort of the axes by size: the last is d0, the one before d1
            Integer[] axes = new Integer[shape.length];
            for (int a = 0; a < axes.length; a++) {
                axes[a] = a;
            }
            java.util.Arrays.sort(axes, (x, y) -> Integer.compare(shape[x], shape[y]));
            d0 = axes[axes.length - 1];
            d1 = axes[axes.length - 2];
            rowShape = drop(shape, d0);
            rowStride = strides(rowShape);
            rowD1 = d1 > d0 ? d1 - 1 : d1;
        } else {
            d0 = -1;
            d1 = -1;
            rowShape = null;
            rowStride = null;
            rowD1 = -1;
        }
        for (int k = 0; k < DECAYS; k++) {
            m[k] = new float[n];
            if (factored) {
                vRow[k] = new float[n / shape[d0]];
                vCol[k] = new float[n / shape[d1]];
            } else {
                vDiag[k] = new float[n];
            }
        }
        rms = new float[n];
        h = new float[hidden];
        c = new float[hidden];
    }

    private static int[] strides(int[] s) {
        int[] st = new int[s.length];
        int acc = 1;
        for (int a = s.length - 1; a >= 0; a--) {
            st[a] = acc;
            acc *= s[a];
        }
        return st;
    }

    private static int[] drop(int[] s, int axis) {
        int[] out = new int[s.length - 1];
        for (int a = 0, o = 0; a < s.length; a++) {
            if (a != axis) {
                out[o++] = s[a];
            }
        }
        return out;
    }

    /** The flat index of element {@code i} with {@code axis} removed from a tensor of strides {@code st}. */
    private static int dropIndex(int i, int[] s, int[] st, int axis) {
        return (i / (st[axis] * s[axis])) * st[axis] + i % st[axis];
    }

    /** Index into v_row of element i (its position with axis d0 removed). */
    int rowIndex(int i) {
        return dropIndex(i, shape, stride, d0);
    }

    /** Index into v_col of element i (its position with axis d1 removed). */
    int colIndex(int i) {
        return dropIndex(i, shape, stride, d1);
    }

    /** Size of the mean of v_row over axis d1 (1 for matrices). */
    int rowMeanSize() {
        return vRow[0].length / shape[d1];
    }

    /** Index into the mean of v_row over d1 of v_row's entry r. */
    int rowMeanIndex(int r) {
        return dropIndex(r, rowShape, rowStride, rowD1);
    }

    Map<String, float[]> arrays() {
        Map<String, float[]> out = new LinkedHashMap<>();
        String name = spec.name();
        for (int k = 0; k < DECAYS; k++) {
            out.put("m" + (k + 1) + "/" + name, m[k]);
        }
        out.put("rms/" + name, rms);
        for (int k = 0; k < DECAYS; k++) {
            if (factored) {
                out.put("v_row" + (k + 1) + "/" + name, vRow[k]);
                out.put("v_col" + (k + 1) + "/" + name, vCol[k]);
            } else {
                out.put("v_diag" + (k + 1) + "/" + name, vDiag[k]);
            }
        }
        out.put("lstm_h/" + name, h);
        out.put("lstm_c/" + name, c);
        return out;
    }

    void restore(OptimizerState s) {
        for (Map.Entry<String, float[]> e : arrays().entrySet()) {
            float[] src = s.tensor(e.getKey(), e.getValue().length);
            System.arraycopy(src, 0, e.getValue(), 0, src.length);
        }
    }

    /**
     * What the LSTM reads of a tensor before the step, with m and the mean square scaled by 1/RMS(p) as hyper_v2.py
     * does: the variance of each momentum, the mean of the mean square, and the bugged "variance" of the mean square
     * around each momentum's mean; and RMS(p) = √(mean p² + 1e-9), VeLO's step scale.
     */
    record Stats(double[] varM, double meanRms, double[] varRms, double paramScale) {
    }
}
