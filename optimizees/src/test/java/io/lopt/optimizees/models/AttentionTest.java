package io.lopt.optimizees.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lopt.util.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AttentionTest {
    /** Awkward head sizes (below, at and above a vector, with tails), both masks, two heads in a sequence of 7. */
    @ParameterizedTest
    @CsvSource({"1, true", "5, false", "8, true", "17, true", "17, false", "64, true"})
    void vectorKernelMatchesTheScalarDefinition(int dh, boolean causal) {
        int t = 7;
        int heads = 2;
        int nb = 2;
        int d = dh * heads;
        Rng rng = new Rng(dh);
        float[] q = new float[nb * t * d];
        float[] k = new float[q.length];
        float[] v = new float[q.length];
        float[] dout = new float[q.length];
        rng.fillNormal(q, 1.0);
        rng.fillNormal(k, 1.0);
        rng.fillNormal(v, 1.0);
        rng.fillNormal(dout, 1.0);
        float alpha = 1f / dh;
        float[][] outS = run(false, q, k, v, dout, nb, heads, t, d, dh, causal, alpha);
        float[][] outV = run(true, q, k, v, dout, nb, heads, t, d, dh, causal, alpha);
        String[] names = {"p", "o", "dq", "dk", "dv"};
        for (int a = 0; a < outS.length; a++) {
            for (int i = 0; i < outS[a].length; i++) {
                assertEquals(outS[a][i], outV[a][i], 1e-5f * (1 + Math.abs(outS[a][i])), names[a] + "[" + i + "]");
            }
        }
    }

    private static float[][] run(boolean vector, float[] q, float[] k, float[] v, float[] dout, int nb, int heads, int t,
            int d, int dh, boolean causal, float alpha) {
        float[] p = new float[nb * heads * t * t];
        float[] o = new float[q.length];
        float[] dq = new float[q.length];
        float[] dk = new float[q.length];
        float[] dv = new float[q.length];
        java.util.Arrays.fill(dq, 9f); // the kernels must overwrite their head's columns, not add to them
        java.util.Arrays.fill(dk, -7f);
        java.util.Arrays.fill(dv, 5f);
        java.util.Arrays.fill(o, 3f);
        for (int bh = 0; bh < nb * heads; bh++) {
            int b = bh / heads;
            int h = bh % heads;
            if (vector) {
                AttentionKernel.forward(q, k, v, p, o, b, h, bh, t, d, dh, causal, alpha, new float[t]);
                AttentionKernel.backward(q, k, v, p, dout, dq, dk, dv, b, h, bh, t, d, dh, causal, alpha, new float[t]);
            } else {
                Attention.forward(q, k, v, p, o, b, h, bh, t, d, dh, causal, alpha, new float[t]);
                Attention.backward(q, k, v, p, dout, dq, dk, dv, b, h, bh, t, d, dh, causal, alpha, new float[t]);
            }
        }
        return new float[][] {p, o, dq, dk, dv};
    }
}
