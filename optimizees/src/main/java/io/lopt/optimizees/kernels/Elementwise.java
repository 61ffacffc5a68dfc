package io.lopt.optimizees.kernels;

import io.lopt.kernels.VectorSupport;

/**
 * The element-wise loops of the MLP's forward and backward passes — bias + ReLU, the ReLU's backward mask, column sums,
 * scaling — and their scalar definitions. Each call runs {@link ElementwiseKernel} (Vector API) when the JVM has
 * {@code jdk.incubator.vector} enabled, else the scalar definition; both give the same bits. This class touches no
 * Vector API type, so it loads either way.
 */
public final class Elementwise {
    private Elementwise() {
    }

    /** z[r][c] = max(z[r][c] + bias[c], 0) for a row-major [rows × cols] z; NaN becomes 0. */
    public static void biasRelu(float[] z, int rows, int cols, float[] bias) {
        if (VectorSupport.AVAILABLE) {
            ElementwiseKernel.biasRelu(z, rows, cols, bias);
        } else {
            biasReluReference(z, rows, cols, bias);
        }
    }

    /** The ReLU's backward pass: d[i] = 0 where h[i] ≤ 0, for i in [0, n). */
    public static void reluMask(float[] h, float[] d, int n) {
        if (VectorSupport.AVAILABLE) {
            ElementwiseKernel.reluMask(h, d, n);
        } else {
            reluMaskReference(h, d, n);
        }
    }

    /** out[c] = Σ_r m[r][c], summed over rows in order (out is overwritten). */
    public static void columnSums(float[] m, int rows, int cols, float[] out) {
        if (VectorSupport.AVAILABLE) {
            ElementwiseKernel.columnSums(m, rows, cols, out);
        } else {
            columnSumsReference(m, rows, cols, out);
        }
    }

    /** x[i] *= s for i in [0, n). */
    public static void scale(float[] x, int n, float s) {
        if (VectorSupport.AVAILABLE) {
            ElementwiseKernel.scale(x, n, s);
        } else {
            scaleReference(x, n, s);
        }
    }

    /** The scalar definition of {@link #biasRelu}. */
    public static void biasReluReference(float[] z, int rows, int cols, float[] bias) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int c = 0; c < cols; c++) {
                float v = z[o + c] + bias[c];
                z[o + c] = v > 0f ? v : 0f;
            }
        }
    }

    /** The scalar definition of {@link #reluMask}. */
    public static void reluMaskReference(float[] h, float[] d, int n) {
        for (int i = 0; i < n; i++) {
            if (h[i] <= 0f) {
                d[i] = 0f;
            }
        }
    }

    /** The scalar definition of {@link #columnSums}. */
    public static void columnSumsReference(float[] m, int rows, int cols, float[] out) {
        java.util.Arrays.fill(out, 0, cols, 0f);
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int c = 0; c < cols; c++) {
                out[c] += m[o + c];
            }
        }
    }

    /** The scalar definition of {@link #scale}. */
    public static void scaleReference(float[] x, int n, float s) {
        for (int i = 0; i < n; i++) {
            x[i] *= s;
        }
    }
}
