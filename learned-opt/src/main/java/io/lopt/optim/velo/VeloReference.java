package io.lopt.optim.velo;

/**
 * VeLO's per-parameter part written to read like hyper_v2.py: it materialises the 30 features of every element,
 * normalises each channel by its RMS over the tensor and runs the mixed per-parameter MLP element by element. Sums
 * are in double. The test oracle of {@link VeloKernel}; docs/velo.md §1, §3 and §5 give the definitions and the lines
 * of hyper_v2.py they follow.
 */
final class VeloReference {
    static final int CH = VeloLayout.IN;

    private VeloReference() {
    }

    /** A gradient as VeLO reads it: clipped to ±1000 (hyper_v2.py L720-721); NaN becomes 0. */
    static float clipGradient(float g) {
        return Float.isNaN(g) ? 0f : Math.max(-1000f, Math.min(1000f, g));
    }

    static float safeRsqrt(float x) {
        return (float) (1.0 / Math.sqrt(Math.max(x, 1e-9f)));
    }

    static float rsqrt(float x) {
        return (float) (1.0 / Math.sqrt(x));
    }

    /** The LSTM's view of the tensor before the step (docs/velo.md §3). */
    static VeloTensor.Stats stats(VeloTensor st, float[] p) {
        int n = st.n;
        double sp = 0;
        for (float v : p) {
            sp += (double) v * v;
        }
        double msq = sp / n;
        double nm = 1 / Math.sqrt(Math.max(1e-9, msq));
        double[] meanM = new double[3];
        double meanRms = 0;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3; k++) {
                meanM[k] += st.m[k][i] * nm;
            }
            meanRms += st.rms[i] * nm;
        }
        meanRms /= n;
        double[] varM = new double[3];
        double[] varRms = new double[3];
        for (int k = 0; k < 3; k++) {
            meanM[k] /= n;
            for (int i = 0; i < n; i++) {
                double dm = st.m[k][i] * nm - meanM[k];
                double dr = st.rms[i] * nm - meanM[k]; // hyper_v2.py subtracts the momentum's mean here
                varM[k] += dm * dm;
                varRms[k] += dr * dr;
            }
            varM[k] /= n;
            varRms[k] /= n;
        }
        return new VeloTensor.Stats(varM, meanRms, varRms, Math.sqrt(msq + 1e-9));
    }

    /** Updates m, the mean square and the factored accumulators with the (clipped) gradient (common.py). */
    static void accumulate(VeloTensor st, float[] g) {
        int n = st.n;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3; k++) {
                float b = VeloTensor.MOMENTUM[k];
                st.m[k][i] = b * st.m[k][i] + (1 - b) * g[i];
            }
            st.rms[i] = VeloTensor.RMS * st.rms[i] + (1 - VeloTensor.RMS) * (g[i] * g[i]);
        }
        if (st.factored) {
            double[] rowSum = new double[st.vRow[0].length];
            double[] colSum = new double[st.vCol[0].length];
            for (int i = 0; i < n; i++) {
                float gsq = g[i] * g[i] + 1e-30f;
                rowSum[st.rowIndex(i)] += gsq;
                colSum[st.colIndex(i)] += gsq;
            }
            for (int k = 0; k < 3; k++) {
                float b = VeloTensor.ADAFACTOR[k];
                for (int r = 0; r < rowSum.length; r++) {
                    st.vRow[k][r] = b * st.vRow[k][r] + (1 - b) * (float) (rowSum[r] / st.shape[st.d0]);
                }
                for (int c = 0; c < colSum.length; c++) {
                    st.vCol[k][c] = b * st.vCol[k][c] + (1 - b) * (float) (colSum[c] / st.shape[st.d1]);
                }
            }
        } else {
            for (int k = 0; k < 3; k++) {
                float b = VeloTensor.ADAFACTOR[k];
                for (int i = 0; i < n; i++) {
                    st.vDiag[k][i] = b * st.vDiag[k][i] + (1 - b) * (g[i] * g[i] + 1e-30f);
                }
            }
        }
    }

    /**
     * The Adafactor factors of a factored tensor, per decay: {@code [0][k][r]} = safe_rsqrt(v_row / (mean of v_row over
     * d1 + 1e-9)), {@code [1][k][c]} = safe_rsqrt(v_col) (common.py L176-181; hyper_v2.py L424-431).
     */
    static float[][][] factors(VeloTensor st) {
        float[][][] f = new float[2][3][];
        for (int k = 0; k < 3; k++) {
            float[] vr = st.vRow[k];
            double[] mean = new double[st.rowMeanSize()];
            for (int r = 0; r < vr.length; r++) {
                mean[st.rowMeanIndex(r)] += vr[r];
            }
            for (int q = 0; q < mean.length; q++) {
                mean[q] /= st.shape[st.d1];
            }
            f[0][k] = new float[vr.length];
            for (int r = 0; r < vr.length; r++) {
                f[0][k][r] = safeRsqrt(vr[r] / ((float) mean[st.rowMeanIndex(r)] + 1e-9f));
            }
            f[1][k] = new float[st.vCol[k].length];
            for (int c = 0; c < f[1][k].length; c++) {
                f[1][k][c] = safeRsqrt(st.vCol[k][c]);
            }
        }
        return f;
    }

    /** The 30 per-parameter features of element i, in hyper_v2.py's order (docs/velo.md §5c). */
    static void features(VeloTensor st, float[][][] fac, float p, float g, int i, float[] x) {
        float rms = st.rms[i];
        float rs = rsqrt(rms + 1e-6f);
        x[0] = g;
        x[1] = Math.max(-0.1f, Math.min(0.1f, g));
        x[2] = p;
        for (int k = 0; k < 3; k++) {
            x[3 + k] = st.m[k][i];
            x[7 + k] = st.m[k][i] * rs;
        }
        x[6] = rms;
        x[10] = rs;
        x[14] = g * rs;
        for (int k = 0; k < 3; k++) {
            if (st.factored) {
                int r = st.rowIndex(i);
                int c = st.colIndex(i);
                float row = st.vRow[k][r];
                float col = st.vCol[k][c];
                float rowFactor = fac[0][k][r];
                float colFactor = fac[1][k][c];
                x[11 + k] = g * rowFactor * colFactor;
                x[15 + k] = row;
                x[18 + k] = col;
                x[21 + k] = rsqrt(row + 1e-8f);
                x[24 + k] = rsqrt(col + 1e-8f);
                x[27 + k] = st.m[k][i] * rowFactor * colFactor;
            } else {
                float v = st.vDiag[k][i];
                x[11 + k] = g * safeRsqrt(v + 1e-9f);
                x[15 + k] = v;
                x[18 + k] = v;
                x[21 + k] = rsqrt(v + 1e-8f);
                x[24 + k] = rsqrt(v + 1e-8f);
                x[27 + k] = st.m[k][i] * rsqrt(v); // (v)**-0.5, without an epsilon
            }
        }
    }

    /**
     * p ← p − scale · d · exp(0.001 · m) for every element, [d, m, ·] = the mixed MLP of the normalised features
     * (hyper_v2.py L484-542), after the accumulators took this step's gradient.
     *
     * @param g     the clipped gradient
     * @param w     the mixed per-parameter MLP, one bank member's layout
     * @param scale 0.001 · lr_mult · (RMS(p) or s_W)
     */
    static void apply(VeloTensor st, float[] p, float[] g, float[] w, float scale) {
        int n = st.n;
        float[][][] fac = st.factored ? factors(st) : null;
        float[][] x = new float[n][CH];
        double[] sq = new double[CH];
        for (int i = 0; i < n; i++) {
            features(st, fac, p[i], g[i], i, x[i]);
            for (int c = 0; c < CH; c++) {
                sq[c] += (double) x[i][c] * x[i][c];
            }
        }
        float[] norm = new float[CH];
        for (int c = 0; c < CH; c++) {
            norm[c] = (float) (1 / Math.sqrt(1e-5 + sq[c] / n));
        }
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < CH; c++) {
                x[i][c] *= norm[c];
            }
            float[] out = mlp(x[i], w);
            p[i] -= scale * out[0] * (float) Math.exp(0.001f * out[1]);
        }
    }

    /** The 30 → 4 → 4 → 3 MLP with ReLU, weights as in one bank member. */
    static float[] mlp(float[] x, float[] w) {
        float[] h1 = dense(x, w, VeloLayout.W0, VeloLayout.B0, VeloLayout.IN, VeloLayout.H1, true);
        float[] h2 = dense(h1, w, VeloLayout.W1, VeloLayout.B1, VeloLayout.H1, VeloLayout.H2, true);
        return dense(h2, w, VeloLayout.W2, VeloLayout.B2, VeloLayout.H2, VeloLayout.OUT, false);
    }

    private static float[] dense(float[] x, float[] w, int ow, int ob, int in, int out, boolean relu) {
        float[] y = new float[out];
        for (int j = 0; j < out; j++) {
            float s = w[ob + j];
            for (int k = 0; k < in; k++) {
                s += x[k] * w[ow + k * out + j];
            }
            y[j] = relu && s < 0 ? 0 : s;
        }
        return y;
    }
}
