package io.lopt.optim.velo;

/**
 * VeLO's per-parameter part written to read like its definition: it materialises the 9 features of every element,
 * normalises each by its RMS over the tensor, and runs the mixed per-parameter MLP element by element. The test
 * oracle of {@link VeloKernel}.
 *
 * <p>Per element, with momenta m_k (β = 0.5, 0.9, 0.99) and second moment v (β = 0.999), r = 1/√(v + 1e-6), the
 * features are g, p, m_1, m_2, m_3, m_1·r, m_2·r, m_3·r, r.
 */
final class VeloReference {
    static final int CHANNELS = VeloLayout.IN;

    private VeloReference() {
    }

    static float sanitize(float g) {
        return Float.isFinite(g) ? g : 0f;
    }

    static float rsqrt(float x) {
        return (float) (1.0 / Math.sqrt(x));
    }

    /** Updates the accumulators and returns the statistics of the features. */
    static VeloTensor.Stats accumulate(VeloTensor st, float[] p, float[] gRaw) {
        int n = p.length;
        double[] sq = new double[CHANNELS];
        double sumV = 0;
        for (int i = 0; i < n; i++) {
            float g = sanitize(gRaw[i]);
            float[] f = new float[CHANNELS];
            for (int k = 0; k < 3; k++) {
                float b = VeloTensor.MOMENTUM[k];
                st.m[k][i] = b * st.m[k][i] + (1 - b) * g;
            }
            st.v[i] = VeloTensor.RMS * st.v[i] + (1 - VeloTensor.RMS) * (g * g);
            features(g, p[i], st.m[0][i], st.m[1][i], st.m[2][i], st.v[i], f);
            for (int c = 0; c < CHANNELS; c++) {
                sq[c] += (double) f[c] * f[c];
            }
            sumV += st.v[i];
        }
        return new VeloTensor.Stats(sq, sumV, n);
    }

    static void features(float g, float p, float m1, float m2, float m3, float v, float[] f) {
        float r = rsqrt(v + 1e-6f);
        f[0] = g;
        f[1] = p;
        f[2] = m1;
        f[3] = m2;
        f[4] = m3;
        f[5] = m1 * r;
        f[6] = m2 * r;
        f[7] = m3 * r;
        f[8] = r;
    }

    /**
     * p ← p − scale · d · exp(0.001 · m) for every element, with [d, m] the mixed MLP of the normalised features.
     *
     * @param w     the mixed per-parameter MLP (w1 [9,4], b1, w2 [4,4], b2, w3 [4,2], b3)
     * @param scale 0.001 · α · (RMS(p) or s_W)
     */
    static void apply(VeloTensor st, float[] p, float[] gRaw, VeloTensor.Stats stats, float[] w, float scale) {
        int n = p.length;
        float[] norm = new float[CHANNELS];
        for (int c = 0; c < CHANNELS; c++) {
            norm[c] = (float) (1.0 / Math.sqrt(1e-5 + stats.sumSquares()[c] / n));
        }
        float[] f = new float[CHANNELS];
        for (int i = 0; i < n; i++) {
            features(sanitize(gRaw[i]), p[i], st.m[0][i], st.m[1][i], st.m[2][i], st.v[i], f);
            for (int c = 0; c < CHANNELS; c++) {
                f[c] *= norm[c];
            }
            float[] out = mlp(f, w);
            p[i] -= scale * out[0] * (float) Math.exp(0.001f * out[1]);
        }
    }

    /** The 9 → 4 → 4 → 2 MLP with ReLU, weights laid out as in one bank member. */
    static float[] mlp(float[] x, float[] w) {
        int o = 0;
        float[] h1 = dense(x, w, o, VeloLayout.IN, VeloLayout.H1, true);
        o += VeloLayout.IN * VeloLayout.H1 + VeloLayout.H1;
        float[] h2 = dense(h1, w, o, VeloLayout.H1, VeloLayout.H2, true);
        o += VeloLayout.H1 * VeloLayout.H2 + VeloLayout.H2;
        return dense(h2, w, o, VeloLayout.H2, VeloLayout.OUT, false);
    }

    private static float[] dense(float[] x, float[] w, int o, int in, int out, boolean relu) {
        float[] y = new float[out];
        for (int j = 0; j < out; j++) {
            float s = w[o + in * out + j];
            for (int k = 0; k < in; k++) {
                s += x[k] * w[o + k * out + j];
            }
            y[j] = relu && s < 0 ? 0 : s;
        }
        return y;
    }
}
