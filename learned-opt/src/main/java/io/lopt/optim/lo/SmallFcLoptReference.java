package io.lopt.optim.lo;

/**
 * The learned optimizer's step for one tensor, written to read like docs/spec.md §2: it materialises all 39 (or 42) input features
 * of every element, normalises them, and runs the per-parameter MLP element by element. It is the definition the fused
 * {@link SmallFcLoptKernel} is tested against, not a fast path.
 */
public final class SmallFcLoptReference {
    /** The time features' scales s: tanh(t/s − 1). */
    static final double[] TIME_SCALES = {1, 3, 10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5};

    /** The time features' scales (a copy). */
    public static double[] timeScales() {
        return TIME_SCALES.clone();
    }
    /** Added to g² in the Adafactor accumulators. */
    public static final float GRAD_SQ_EPS = 1e-30f;
    /** Added to the mean of the row accumulator before dividing by it. */
    public static final float ROW_MEAN_EPS = 1e-9f;
    /** Added to an unfactored (vector) Adafactor accumulator before its reciprocal square root. */
    public static final float DIAG_EPS = 1e-9f;
    /** The floor under the Adafactor factors' arguments before the reciprocal square root. */
    public static final float RSQRT_FLOOR = 1e-9f;
    /** Added to a factored accumulator in its 1/√v features. */
    public static final float FACTORED_RSQRT_EPS = 1e-8f;
    /** Added to the second moment in 1/√v (the m/√v and 1/√v features). */
    public static final float RMS_EPS = 1e-6f;
    /** Added to the second moment in the un-normalised Adam inputs m_k/√(v + ε) (Adam's ε = 1e-8 on √v). */
    public static final float ADAM_EPS = 1e-16f;
    /** Added to a feature's mean square before dividing the feature by its RMS over the tensor. */
    public static final double NORMALISE_EPS = 1e-5;

    private SmallFcLoptReference() {
    }

    /** nan → 0 (and ±inf → 0, so that g² cannot overflow into a NaN feature). */
    static float sanitize(float g) {
        return Float.isFinite(g) ? g : 0f;
    }

    static float rsqrt(float x) {
        return (float) (1.0 / Math.sqrt(x));
    }

    /** The 11 time features tanh(t/s − 1) of step t (the number of steps taken before this one). */
    public static float[] timeFeatures(double t) {
        float[] f = new float[TIME_SCALES.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) Math.tanh(t / TIME_SCALES[i] - 1.0);
        }
        return f;
    }

    /**
     * Applies one step in place to {@code p}, updating the accumulators in {@code st}.
     *
     * @param t         the time the features read: steps taken before this one (0 at the first step), or that
     *                  count on the configuration's relative clock ({@link LoptConfig#clock})
     * @param stepScale λ1 · s_W (s_W = 1 for the SP learned optimizer)
     */
    static void step(TensorState st, float[] p, float[] gRaw, double t, float[] theta, MetaParameters layout,
            MetaParameters.Decays dec, float stepScale, float expMult) {
        int n = p.length;
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = sanitize(gRaw[i]);
        }
        // 1. accumulators
        for (int k = 0; k < 3; k++) {
            float b = dec.momentum()[k];
            for (int i = 0; i < n; i++) {
                st.m[k][i] = b * st.m[k][i] + (1 - b) * g[i];
            }
        }
        float b4 = dec.rms();
        for (int i = 0; i < n; i++) {
            st.v[i] = b4 * st.v[i] + (1 - b4) * (g[i] * g[i]);
        }
        float[][] feat = new float[MetaParameters.ACC_FEATURES][n];
        if (st.factored()) {
            factoredFeatures(st, g, dec, feat);
        } else {
            fullFeatures(st, g, dec, feat);
        }
        // 2. the features that do not depend on the factorisation
        for (int i = 0; i < n; i++) {
            float r = rsqrt(st.v[i] + RMS_EPS);
            feat[0][i] = g[i];
            feat[1][i] = p[i];
            for (int k = 0; k < 3; k++) {
                feat[2 + k][i] = st.m[k][i];
                feat[6 + k][i] = st.m[k][i] * r;
            }
            feat[5][i] = st.v[i];
            feat[9][i] = r;
        }
        // 3. the Adam inputs (if the layout has them): m_k/√(v + 1e-16), which step 4 does not normalise
        float[][] adam = new float[layout.adamInputs() ? MetaParameters.ADAM_FEATURES : 0][n];
        for (int k = 0; k < adam.length; k++) {
            for (int i = 0; i < n; i++) {
                adam[k][i] = st.m[k][i] * rsqrt(st.v[i] + ADAM_EPS);
            }
        }
        // 4. each channel divided by its RMS over the tensor
        for (float[] ch : feat) {
            double sq = 0;
            for (float x : ch) {
                sq += (double) x * x;
            }
            float scale = (float) (1.0 / Math.sqrt(NORMALISE_EPS + sq / n));
            for (int i = 0; i < n; i++) {
                ch[i] *= scale;
            }
        }
        float[] time = timeFeatures(t);
        // 5. the per-parameter MLP and the update
        float[] in = new float[layout.layerInputs(0)];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < MetaParameters.ACC_FEATURES; c++) {
                in[c] = feat[c][i];
            }
            System.arraycopy(time, 0, in, MetaParameters.ACC_FEATURES, time.length);
            for (int k = 0; k < adam.length; k++) {
                in[MetaParameters.INPUTS + k] = adam[k][i];
            }
            float[] out = mlp(in, theta, layout);
            float step = stepScale * out[0] * (float) Math.exp(expMult * out[1]);
            p[i] -= step;
        }
    }

    /** The per-parameter MLP: dense layers with ReLU between them, linear output [direction, magnitude]. */
    static float[] mlp(float[] in, float[] theta, MetaParameters layout) {
        float[] x = in;
        for (int l = 0; l < layout.layers(); l++) {
            int ni = layout.layerInputs(l);
            int no = layout.layerOutputs(l);
            int wo = layout.weightOffset(l);
            int bo = layout.biasOffset(l);
            float[] y = new float[no];
            for (int j = 0; j < no; j++) {
                float s = theta[bo + j];
                for (int k = 0; k < ni; k++) {
                    s += x[k] * theta[wo + k * no + j];
                }
                y[j] = (l < layout.layers() - 1 && s < 0) ? 0 : s;
            }
            x = y;
        }
        return x;
    }

    /** Rank-2 tensors: factored Adafactor statistics and their 18 features (channels 10..27). */
    private static void factoredFeatures(TensorState st, float[] g, MetaParameters.Decays dec, float[][] feat) {
        int rows = st.rows;
        int cols = st.cols;
        double[] meanOverRows = new double[cols]; // mean over axis 0, indexed by column
        double[] meanOverCols = new double[rows]; // mean over axis 1, indexed by row
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float gg = g[r * cols + c];
                float sq = gg * gg + GRAD_SQ_EPS;
                meanOverRows[c] += sq;
                meanOverCols[r] += sq;
            }
        }
        for (int c = 0; c < cols; c++) {
            meanOverRows[c] /= rows;
        }
        for (int r = 0; r < rows; r++) {
            meanOverCols[r] /= cols;
        }
        // vRow = mean over d0 (the larger axis), vCol = mean over d1
        double[] rowStat = st.d0 == 0 ? meanOverRows : meanOverCols;
        double[] colStat = st.d0 == 0 ? meanOverCols : meanOverRows;
        float[][] rowFactor = new float[3][];
        float[][] colFactor = new float[3][];
        for (int k = 0; k < 3; k++) {
            float b = dec.adafactor()[k];
            float[] vr = st.vRow[k];
            float[] vc = st.vCol[k];
            for (int i = 0; i < vr.length; i++) {
                vr[i] = b * vr[i] + (1 - b) * (float) rowStat[i];
            }
            for (int i = 0; i < vc.length; i++) {
                vc[i] = b * vc[i] + (1 - b) * (float) colStat[i];
            }
            double mean = 0;
            for (float x : vr) {
                mean += x;
            }
            float rowMean = (float) (mean / vr.length);
            rowFactor[k] = new float[vr.length];
            colFactor[k] = new float[vc.length];
            for (int i = 0; i < vr.length; i++) {
                rowFactor[k][i] = rsqrt(Math.max(vr[i] / (rowMean + ROW_MEAN_EPS), RSQRT_FLOOR));
            }
            for (int i = 0; i < vc.length; i++) {
                colFactor[k][i] = rsqrt(Math.max(vc[i], RSQRT_FLOOR));
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                int ir = st.d0 == 0 ? c : r; // index into vRow (the d1 axis)
                int ic = st.d0 == 0 ? r : c; // index into vCol (the d0 axis)
                for (int k = 0; k < 3; k++) {
                    float rf = rowFactor[k][ir];
                    float cf = colFactor[k][ic];
                    float vr = st.vRow[k][ir];
                    float vc = st.vCol[k][ic];
                    feat[10 + k][i] = g[i] * rf * cf;
                    feat[13 + k][i] = vr;
                    feat[16 + k][i] = vc;
                    feat[19 + k][i] = rsqrt(vr + FACTORED_RSQRT_EPS);
                    feat[22 + k][i] = rsqrt(vc + FACTORED_RSQRT_EPS);
                    feat[25 + k][i] = st.m[k][i] * rf * cf;
                }
            }
        }
    }

    /** Rank ≤ 1 tensors: full Adafactor accumulators and their features (channels 10..27). */
    private static void fullFeatures(TensorState st, float[] g, MetaParameters.Decays dec, float[][] feat) {
        int n = g.length;
        for (int k = 0; k < 3; k++) {
            float b = dec.adafactor()[k];
            float[] vf = st.vFull[k];
            for (int i = 0; i < n; i++) {
                vf[i] = b * vf[i] + (1 - b) * (g[i] * g[i] + GRAD_SQ_EPS);
                feat[10 + k][i] = g[i] * rsqrt(Math.max(vf[i] + DIAG_EPS, RSQRT_FLOOR));
                feat[13 + k][i] = vf[i];
                feat[16 + k][i] = vf[i];
                feat[19 + k][i] = rsqrt(vf[i] + FACTORED_RSQRT_EPS);
                feat[22 + k][i] = rsqrt(vf[i] + FACTORED_RSQRT_EPS);
                feat[25 + k][i] = st.m[k][i] * rsqrt(vf[i] + RMS_EPS);
            }
        }
    }
}
