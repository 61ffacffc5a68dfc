package io.lopt.optimizees.models;

/**
 * The attention of one (sequence b, head h) of {@link Transformer}, in scalar loops: the definition
 * {@link AttentionKernel} (Vector API) is tested against, and the path taken when the Vector API is not enabled.
 * q, k, v, o and their gradients are [rows × d] with the head's columns [h·dh, (h+1)·dh); p holds softmax(α q·kᵀ)
 * for every (sequence, head) as [bh][t][t].
 */
final class Attention {
    private Attention() {
    }

    static void forward(float[] q, float[] k, float[] v, float[] p, float[] o, int b, int h, int bh, int t, int d,
            int dh, boolean causal, float alpha, float[] row) {
        for (int i = 0; i < t; i++) {
            int qi = (b * t + i) * d + h * dh;
            int last = causal ? i : t - 1;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= last; j++) {
                int kj = (b * t + j) * d + h * dh;
                float s = 0;
                for (int c = 0; c < dh; c++) {
                    s += q[qi + c] * k[kj + c];
                }
                s *= alpha;
                row[j] = s;
                max = Math.max(max, s);
            }
            float z = 0;
            for (int j = 0; j <= last; j++) {
                row[j] = (float) Math.exp(row[j] - max);
                z += row[j];
            }
            int po = (bh * t + i) * t;
            float inv = 1f / z;
            for (int j = 0; j < t; j++) {
                p[po + j] = j <= last ? row[j] * inv : 0f;
            }
            java.util.Arrays.fill(o, qi, qi + dh, 0f);
            for (int j = 0; j <= last; j++) {
                float pj = p[po + j];
                int vj = (b * t + j) * d + h * dh;
                for (int c = 0; c < dh; c++) {
                    o[qi + c] += pj * v[vj + c];
                }
            }
        }
    }

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
                float s = 0;
                float pj = p[po + j];
                for (int c = 0; c < dh; c++) {
                    s += dout[qi + c] * v[vj + c];
                    dv[vj + c] += pj * dout[qi + c];
                }
                dp[j] = s;
                dot += s * pj;
            }
            for (int j = 0; j <= last; j++) {
                float ds = p[po + j] * (dp[j] - dot) * alpha;
                int kj = (b * t + j) * d + h * dh;
                for (int c = 0; c < dh; c++) {
                    dq[qi + c] += ds * k[kj + c];
                    dk[kj + c] += ds * q[qi + c];
                }
            }
        }
    }
}
