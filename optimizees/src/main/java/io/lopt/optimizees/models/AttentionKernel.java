package io.lopt.optimizees.models;

import io.lopt.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The attention of one (sequence, head) on the Vector API: the dot products and the p·v / ds·k / ds·q sums run along
 * d_head in vectors, the softmax's exponentials along the row ({@link VectorMath#exp}). {@link Attention}'s scalar
 * loops are the definition it is tested against ({@code AttentionTest}); it reads and writes the same [rows × width]
 * layouts, columns [h·d_head, (h+1)·d_head) of the rows of sequence b.
 */
final class AttentionKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private AttentionKernel() {
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int c = 0;
        for (; c + L <= n; c += L) {
            acc = FloatVector.fromArray(S, a, ao + c).fma(FloatVector.fromArray(S, b, bo + c), acc);
        }
        float s = VectorMath.sum(acc);
        for (; c < n; c++) {
            s += a[ao + c] * b[bo + c];
        }
        return s;
    }

    /** y[yo..yo+n) += alpha · x[xo..xo+n). */
    private static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        int c = 0;
        for (; c + L <= n; c += L) {
            FloatVector.fromArray(S, x, xo + c).fma(va, FloatVector.fromArray(S, y, yo + c)).intoArray(y, yo + c);
        }
        for (; c < n; c++) {
            y[yo + c] += alpha * x[xo + c];
        }
    }

    /** row[0..n) = exp(row − max) and returns their sum. */
    private static float expShifted(float[] row, int n, float max) {
        FloatVector vm = FloatVector.broadcast(S, max);
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (; j < n; j += L) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector e = VectorMath.exp(FloatVector.fromArray(S, row, j, m).sub(vm));
            e = e.blend(0f, m.not());
            e.intoArray(row, j, m);
            acc = acc.add(e);
        }
        return VectorMath.sum(acc);
    }

    /** Forward of sequence b, head h: probabilities into p, outputs into o. */
    static void forward(float[] q, float[] k, float[] v, float[] p, float[] o, int b, int h, int bh, int t, int d,
            int dh, boolean causal, float alpha, float[] row) {
        for (int i = 0; i < t; i++) {
            int qi = (b * t + i) * d + h * dh;
            int last = causal ? i : t - 1;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= last; j++) {
                float s = dot(q, qi, k, (b * t + j) * d + h * dh, dh) * alpha;
                row[j] = s;
                max = Math.max(max, s);
            }
            float inv = 1f / expShifted(row, last + 1, max);
            int po = (bh * t + i) * t;
            for (int j = 0; j < t; j++) {
                p[po + j] = j <= last ? row[j] * inv : 0f;
            }
            java.util.Arrays.fill(o, qi, qi + dh, 0f);
            for (int j = 0; j <= last; j++) {
                axpy(p[po + j], v, (b * t + j) * d + h * dh, o, qi, dh);
            }
        }
    }

    /** Backward of sequence b, head h: dq, dk, dv (their columns of this head zeroed first) from dout. */
    static void backward(float[] q, float[] k, float[] v, float[] p, float[] dout, float[] dq, float[] dk, float[] dv,
            int b, int h, int bh, int t, int d, int dh, boolean causal, float alpha, float[] dp) {
        for (int i = 0; i < t; i++) {
            int o = (b * t + i) * d + h * dh;
            java.util.Arrays.fill(dq, o, o + dh, 0f);
            java.util.Arrays.fill(dk, o, o + dh, 0f);
            java.util.Arrays.fill(dv, o, o + dh, 0f);
        }
        for (int i = 0; i < t; i++) {
            int qi = (b * t + i) * d + h * dh;
            int last = causal ? i : t - 1;
            int po = (bh * t + i) * t;
            float dot = 0;
            for (int j = 0; j <= last; j++) {
                int vj = (b * t + j) * d + h * dh;
                float pj = p[po + j];
                dp[j] = dot(dout, qi, v, vj, dh);
                axpy(pj, dout, qi, dv, vj, dh);
                dot += dp[j] * pj;
            }
            for (int j = 0; j <= last; j++) {
                float ds = p[po + j] * (dp[j] - dot) * alpha;
                int kj = (b * t + j) * d + h * dh;
                axpy(ds, k, kj, dq, qi, dh);
                axpy(ds, q, qi, dk, kj, dh);
            }
        }
    }
}
