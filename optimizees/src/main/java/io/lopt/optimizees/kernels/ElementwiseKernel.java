package io.lopt.optimizees.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise loops of the MLP's forward and backward passes on the Java Vector API: bias + ReLU, the ReLU's
 * backward mask, column sums and scaling. Each does exactly the float operations of its scalar definition (the
 * {@code *Reference} methods of {@link Elementwise}), lane by lane and in the same order, so the results are equal
 * bit for bit ({@code ElementwiseTest}); vectorising them changed no result of the project. Callers go through
 * {@link Elementwise}, which loads without the Vector API module.
 */
public final class ElementwiseKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    private ElementwiseKernel() {
    }

    /** z[r][c] = max(z[r][c] + bias[c], 0) for a row-major [rows × cols] z; NaN becomes 0 as in the reference. */
    public static void biasRelu(float[] z, int rows, int cols, float[] bias) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            int c = 0;
            for (; c + L <= cols; c += L) { // whole vectors unmasked: a mask C2 cannot see is full costs a check per lane
                FloatVector v = FloatVector.fromArray(S, z, o + c).add(FloatVector.fromArray(S, bias, c));
                v.blend(0f, v.compare(VectorOperators.GT, 0f).not()).intoArray(z, o + c);
            }
            if (c < cols) {
                VectorMask<Float> mk = S.indexInRange(c, cols);
                FloatVector v = FloatVector.fromArray(S, z, o + c, mk).add(FloatVector.fromArray(S, bias, c, mk));
                v.blend(0f, v.compare(VectorOperators.GT, 0f).not()).intoArray(z, o + c, mk);
            }
        }
    }


    /** The ReLU's backward pass: d[i] = 0 where h[i] ≤ 0, for i in [0, n). */
    public static void reluMask(float[] h, float[] d, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            VectorMask<Float> off = FloatVector.fromArray(S, h, i).compare(VectorOperators.LE, 0f);
            FloatVector.fromArray(S, d, i).blend(0f, off).intoArray(d, i);
        }
        if (i < n) {
            VectorMask<Float> mk = S.indexInRange(i, n);
            VectorMask<Float> off = FloatVector.fromArray(S, h, i, mk).compare(VectorOperators.LE, 0f);
            FloatVector.fromArray(S, d, i, mk).blend(0f, off).intoArray(d, i, mk);
        }
    }


    /** out[c] = Σ_r m[r][c], summed over rows in order (out is overwritten). */
    public static void columnSums(float[] m, int rows, int cols, float[] out) {
        for (int c = 0; c < cols; c += L) {
            VectorMask<Float> mk = S.indexInRange(c, cols);
            FloatVector s = FloatVector.zero(S);
            for (int r = 0, o = c; r < rows; r++, o += cols) {
                s = s.add(FloatVector.fromArray(S, m, o, mk));
            }
            s.intoArray(out, c, mk);
        }
    }


    /** x[i] *= s for i in [0, n). */
    public static void scale(float[] x, int n, float s) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(S, x, i).mul(s).intoArray(x, i);
        }
        if (i < n) {
            VectorMask<Float> mk = S.indexInRange(i, n);
            FloatVector.fromArray(S, x, i, mk).mul(s).intoArray(x, i, mk);
        }
    }

}
