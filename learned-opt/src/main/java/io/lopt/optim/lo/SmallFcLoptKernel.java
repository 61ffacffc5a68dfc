package io.lopt.optim.lo;

import io.lopt.kernels.Parallel;
import io.lopt.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fused, multi-threaded learned-optimizer step (docs/spec.md §2) on the Java Vector API. It computes what
 * {@link SmallFcLoptReference} computes without ever materialising the per-element features of a whole tensor:
 *
 * <ol>
 *   <li><b>Pass A</b> (one read of g, p and the accumulators): updates the momenta and second moment (and, for
 *       vectors, the full Adafactor accumulators), and sums what the normalisation needs: the squares of every
 *       feature that does not depend on the factored statistics, and the row and column sums of g² + 1e-30.</li>
 *   <li>The factored statistics (a few vectors of length rows + cols) are updated; the sums of squares of their
 *       broadcast features follow in closed form.</li>
 *   <li><b>Pass B</b> (matrices only): sums of squares of the six features that combine the element with the new
 *       factors (g·rowFactor·colFactor and m_k·rowFactor·colFactor).</li>
 *   <li><b>Pass C</b>, per block of 4 vectors of elements held in cache (blocks run through each chunk in memory
 *       order and may span rows, so narrow matrices fill every lane): features, MLP and update. The per-channel
 *       RMS normalisation is folded into the first layer's weights, the 11 time features (equal for every element)
 *       into its bias, and the 12 features that are constant along a row or a column into two small tables, so
 *       the first layer only reads the 16 features that really vary per element.</li>
 * </ol>
 *
 * Work is cut into chunks of rows whose size depends on the tensor's shape only, and every cross-chunk sum is
 * combined in chunk order, so results do not depend on the thread count.
 */
final class SmallFcLoptKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int NV = 4;
    static final int NB = NV * L;
    static final int MIN_CHUNK = 16384;
    /** Element-wise channels of the first layer: for matrices and for vectors. */
    static final int CH_MATRIX = 16;
    static final int CH_VECTOR = 22;
    /** Spec feature index of each element-wise channel (docs/spec.md §2 feature order). */
    static final int[] MATRIX_CHANNELS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 25, 26, 27};
    private static final float TINY = SmallFcLoptReference.GRAD_SQ_EPS;
    private static final float ROW_MEAN_EPS = SmallFcLoptReference.ROW_MEAN_EPS;
    private static final float RSQRT_FLOOR = SmallFcLoptReference.RSQRT_FLOOR;
    private static final float FACTORED_RSQRT_EPS = SmallFcLoptReference.FACTORED_RSQRT_EPS;
    private static final double NORMALISE_EPS = SmallFcLoptReference.NORMALISE_EPS;
    private static final float RMS_EPS = SmallFcLoptReference.RMS_EPS;
    private static final float DIAG_EPS = SmallFcLoptReference.DIAG_EPS;
    private static final float ADAM_EPS = SmallFcLoptReference.ADAM_EPS;

    private SmallFcLoptKernel() {
    }

    /** θ-dependent data shared by every tensor of one step: the first layer's bias with the time features folded in. */
    static float[] firstLayerBias(float[] theta, MetaParameters lay, double t) {
        int h = lay.layerOutputs(0);
        int wo = lay.weightOffset(0);
        float[] time = SmallFcLoptReference.timeFeatures(t);
        float[] bias = new float[h];
        for (int j = 0; j < h; j++) {
            float s = theta[lay.biasOffset(0) + j];
            for (int i = 0; i < time.length; i++) {
                s += theta[wo + (MetaParameters.ACC_FEATURES + i) * h + j] * time[i];
            }
            bias[j] = s;
        }
        return bias;
    }

    /** Chunks of a [rows × cols] tensor: whole rows, or pieces of one row when rows are long. */
    private record Chunks(int rows, int cols, int size, int segsPerRow, int rowsPerChunk, int count) {
        static Chunks of(int rows, int cols) {
            long n = (long) rows * cols;
            int size = (int) Math.max(MIN_CHUNK, ((n / 256 + NB - 1) / NB) * NB);
            if (cols >= size) {
                int segs = (cols + size - 1) / size;
                return new Chunks(rows, cols, size, segs, 1, rows * segs);
            }
            int rpc = size / cols;
            return new Chunks(rows, cols, size, 1, rpc, (rows + rpc - 1) / rpc);
        }

        int r0(int i) {
            return segsPerRow > 1 ? i / segsPerRow : i * rowsPerChunk;
        }

        int r1(int i) {
            return segsPerRow > 1 ? r0(i) + 1 : Math.min(rows, (i + 1) * rowsPerChunk);
        }

        int c0(int i) {
            return segsPerRow > 1 ? (i % segsPerRow) * size : 0;
        }

        int c1(int i) {
            return segsPerRow > 1 ? Math.min(cols, c0(i) + size) : cols;
        }
    }

    /**
     * One step on one tensor, in place.
     *
     * @param bias1     from {@link #firstLayerBias} for this step
     * @param stepScale λ1 · s_W
     */
    static void step(TensorState st, float[] p, float[] g, float[] theta, MetaParameters lay,
            MetaParameters.Decays dec, float[] bias1, float stepScale, float expMult, Parallel par) {
        Chunks ch = Chunks.of(st.rows, st.cols);
        double[] sq = new double[MetaParameters.ACC_FEATURES];
        Factored f = null;
        if (st.factored()) {
            double[][] overAxes = passA(st, p, g, dec, ch, sq, par);
            f = factoredStatistics(st, dec, overAxes[0], overAxes[1], sq);
            passB(st, g, f, ch, sq, par);
        } else {
            passA(st, p, g, dec, ch, sq, par);
        }
        float[] scale = new float[MetaParameters.ACC_FEATURES];
        for (int c = 0; c < scale.length; c++) {
            scale[c] = (float) (1.0 / Math.sqrt(NORMALISE_EPS + sq[c] / ((long) st.rows * st.cols)));
        }
        passC(st, p, g, theta, lay, f, scale, bias1, stepScale, expMult, ch, par);
    }

    /**
     * Pass A over every chunk: the accumulators, the sums of squares of the features that do not depend on the
     * factored statistics (into {@code sq}, by feature), and for matrices the sums of g² + 1e-30 over rows (indexed
     * by column) and over columns (indexed by row), which it returns; null for vectors.
     */
    private static double[][] passA(TensorState st, float[] p, float[] g, MetaParameters.Decays dec, Chunks ch,
            double[] sq, Parallel par) {
        int rows = st.rows;
        int cols = st.cols;
        boolean fac = st.factored();
        double[][] partSq = new double[ch.count][fac ? 10 : CH_VECTOR];
        float[][] partOverRows = fac ? new float[ch.count][] : null;
        double[][] partOverCols = fac ? new double[ch.count][] : null;
        par.forEach(ch.count, i -> {
            int r0 = ch.r0(i);
            int r1 = ch.r1(i);
            int c0 = ch.c0(i);
            int c1 = ch.c1(i);
            float[] scratch = new float[11 * L];
            float[] lanes = new float[11];
            if (fac) {
                partOverRows[i] = new float[c1 - c0 + L];
                partOverCols[i] = new double[r1 - r0];
            }
            for (int r = r0; r < r1; r++) {
                if (fac) {
                    partOverCols[i][r - r0] = passAMatrix(st, p, g, dec, r, c0, c1, partSq[i], partOverRows[i],
                            scratch, lanes);
                } else {
                    passAVector(st, p, g, dec, c0, c1, partSq[i]);
                }
            }
        });
        for (int i = 0; i < ch.count; i++) {
            for (int s = 0; s < 10; s++) {
                sq[s] += partSq[i][s];
            }
            if (!fac) {
                for (int k = 0; k < 3; k++) {
                    sq[10 + k] += partSq[i][10 + k];
                    sq[13 + k] += partSq[i][13 + k];
                    sq[16 + k] += partSq[i][13 + k];
                    sq[19 + k] += partSq[i][16 + k];
                    sq[22 + k] += partSq[i][16 + k];
                    sq[25 + k] += partSq[i][19 + k];
                }
            }
        }
        if (!fac) {
            return null;
        }
        double[] overRows = new double[cols]; // Σ over rows, indexed by column
        double[] overCols = new double[rows]; // Σ over columns, indexed by row
        for (int i = 0; i < ch.count; i++) {
            int r0 = ch.r0(i);
            int c0 = ch.c0(i);
            int c1 = ch.c1(i);
            for (int c = c0; c < c1; c++) {
                overRows[c] += partOverRows[i][c - c0];
            }
            double[] pc = partOverCols[i];
            for (int r = 0; r < pc.length; r++) {
                overCols[r0 + r] += pc[r];
            }
        }
        return new double[][] {overRows, overCols};
    }

    /**
     * A matrix's factored statistics after this step, as per-axis views: axis 0 is the row index r, axis 1 the column
     * index c. {@code f0}/{@code f1} are the Adafactor factors along each axis (F_k(r, c) = f0[k][r] · f1[k][c] up to
     * the order of the product, {@code rowFirst}); {@code axis*Ch} name the features that are constant along the
     * other axis and {@code axis*Vals} hold their values.
     */
    private record Factored(float[][] f0, float[][] f1, boolean rowFirst, int[] axis0Ch, float[][] axis0Vals,
            int[] axis1Ch, float[][] axis1Vals) {
    }

    /**
     * Updates the row and column accumulators from the sums of pass A, computes the factors and the features' values
     * per row and column, and adds the sums of squares of the broadcast features to {@code sq} in closed form.
     */
    private static Factored factoredStatistics(TensorState st, MetaParameters.Decays dec, double[] overRows,
            double[] overCols, double[] sq) {
        int rows = st.rows;
        int cols = st.cols;
        for (int c = 0; c < cols; c++) {
            overRows[c] /= rows;
        }
        for (int r = 0; r < rows; r++) {
            overCols[r] /= cols;
        }
        double[] rowStat = st.d0 == 0 ? overRows : overCols;
        double[] colStat = st.d0 == 0 ? overCols : overRows;
        float[][] rowFactor = new float[3][];
        float[][] colFactor = new float[3][];
        float[][] rsRow = new float[3][];
        float[][] rsCol = new float[3][];
        int lenRow = st.vRow[0].length;
        int lenCol = st.vCol[0].length;
        for (int k = 0; k < 3; k++) {
            float b = dec.adafactor()[k];
            float[] vr = st.vRow[k];
            float[] vc = st.vCol[k];
            double mean = 0;
            for (int i = 0; i < lenRow; i++) {
                vr[i] = b * vr[i] + (1 - b) * (float) rowStat[i];
                mean += vr[i];
            }
            for (int i = 0; i < lenCol; i++) {
                vc[i] = b * vc[i] + (1 - b) * (float) colStat[i];
            }
            float rowMean = (float) (mean / lenRow);
            rowFactor[k] = new float[lenRow];
            rsRow[k] = new float[lenRow];
            double sqRow = 0;
            double sqRs = 0;
            for (int i = 0; i < lenRow; i++) {
                rowFactor[k][i] = SmallFcLoptReference.rsqrt(Math.max(vr[i] / (rowMean + ROW_MEAN_EPS), RSQRT_FLOOR));
                rsRow[k][i] = SmallFcLoptReference.rsqrt(vr[i] + FACTORED_RSQRT_EPS);
                sqRow += (double) vr[i] * vr[i];
                sqRs += (double) rsRow[k][i] * rsRow[k][i];
            }
            colFactor[k] = new float[lenCol];
            rsCol[k] = new float[lenCol];
            double sqCol = 0;
            double sqRsC = 0;
            for (int i = 0; i < lenCol; i++) {
                colFactor[k][i] = SmallFcLoptReference.rsqrt(Math.max(vc[i], RSQRT_FLOOR));
                rsCol[k][i] = SmallFcLoptReference.rsqrt(vc[i] + FACTORED_RSQRT_EPS);
                sqCol += (double) vc[i] * vc[i];
                sqRsC += (double) rsCol[k][i] * rsCol[k][i];
            }
            // vRow is broadcast along d0 (lenCol elements each), vCol along d1 (lenRow elements each)
            sq[13 + k] = sqRow * lenCol;
            sq[19 + k] = sqRs * lenCol;
            sq[16 + k] = sqCol * lenRow;
            sq[22 + k] = sqRsC * lenRow;
        }
        boolean rowOnAxis1 = st.d0 == 0;
        float[][] vRowCh = {st.vRow[0], st.vRow[1], st.vRow[2], rsRow[0], rsRow[1], rsRow[2]};
        float[][] vColCh = {st.vCol[0], st.vCol[1], st.vCol[2], rsCol[0], rsCol[1], rsCol[2]};
        int[] rowCh = {13, 14, 15, 19, 20, 21};
        int[] colCh = {16, 17, 18, 22, 23, 24};
        return new Factored(rowOnAxis1 ? colFactor : rowFactor, rowOnAxis1 ? rowFactor : colFactor, !rowOnAxis1,
                rowOnAxis1 ? colCh : rowCh, rowOnAxis1 ? vColCh : vRowCh,
                rowOnAxis1 ? rowCh : colCh, rowOnAxis1 ? vRowCh : vColCh);
    }

    /** Pass B over every chunk of a matrix: the sums of squares of g·F_k and m_k·F_k, into {@code sq}. */
    private static void passB(TensorState st, float[] g, Factored f, Chunks ch, double[] sq, Parallel par) {
        double[][] partB = new double[ch.count][6];
        par.forEach(ch.count, i -> {
            float[] scratch = new float[6 * L];
            float[] lanes = new float[6];
            for (int r = ch.r0(i); r < ch.r1(i); r++) {
                passB(st, g, f.f0(), f.f1(), f.rowFirst(), r, ch.c0(i), ch.c1(i), partB[i], scratch, lanes);
            }
        });
        for (int i = 0; i < ch.count; i++) {
            for (int k = 0; k < 3; k++) {
                sq[10 + k] += partB[i][k];
                sq[25 + k] += partB[i][3 + k];
            }
        }
    }

    /**
     * The first layer's weights for the element-wise channels with the normalisation folded in. For vectors the
     * full accumulator's channels that carry the same value (spec channels 13+k and 16+k; 19+k and 22+k) are merged.
     */
    private static float[] foldedFirstLayer(float[] theta, MetaParameters lay, float[] scale, boolean fac) {
        // element-wise channels: the matrix or vector ones, then the Adam inputs when the layout has them
        int h1 = lay.layerOutputs(0);
        int w0 = lay.weightOffset(0);
        int base = fac ? CH_MATRIX : CH_VECTOR;
        int nch = channels(lay, fac);
        float[] w1 = new float[nch * h1];
        for (int e = 0; e < nch; e++) {
            for (int j = 0; j < h1; j++) {
                float w;
                if (e >= base) { // the un-normalised Adam inputs: spec inputs 39..41, no scale
                    w = theta[w0 + (MetaParameters.INPUTS + e - base) * h1 + j];
                } else if (fac || e < 13) {
                    int c = fac ? MATRIX_CHANNELS[e] : e;
                    w = theta[w0 + c * h1 + j] * scale[c];
                } else if (e < 16) { // vFull_k: spec channels 13+k and 16+k carry the same value
                    int k = e - 13;
                    w = theta[w0 + (13 + k) * h1 + j] * scale[13 + k] + theta[w0 + (16 + k) * h1 + j] * scale[16 + k];
                } else if (e < 19) { // rsqrt(vFull_k + 1e-8): spec channels 19+k and 22+k
                    int k = e - 16;
                    w = theta[w0 + (19 + k) * h1 + j] * scale[19 + k] + theta[w0 + (22 + k) * h1 + j] * scale[22 + k];
                } else { // m_k·rsqrt(vFull_k + 1e-6): spec channel 25+k
                    int c = 25 + (e - 19);
                    w = theta[w0 + c * h1 + j] * scale[c];
                }
                w1[e * h1 + j] = w;
            }
        }
        return w1;
    }

    /** Pass C over every chunk: per block of elements, the features, the MLP and the update. */
    private static void passC(TensorState st, float[] p, float[] g, float[] theta, MetaParameters lay, Factored f,
            float[] scale, float[] bias1, float stepScale, float expMult, Chunks ch, Parallel par) {
        boolean fac = f != null;
        int cols = st.cols;
        int h1 = lay.layerOutputs(0);
        int w0 = lay.weightOffset(0);
        int nch = channels(lay, fac);
        float[] w1 = foldedFirstLayer(theta, lay, scale, fac);
        boolean adam = lay.adamInputs();
        int ldT1 = cols + NB;
        float[] t0 = fac ? table(f.axis0Ch(), f.axis0Vals(), st.rows, theta, w0, h1, scale, false, 0) : null;
        float[] t1 = fac ? table(f.axis1Ch(), f.axis1Vals(), cols, theta, w0, h1, scale, true, ldT1) : null;
        if (fac) { // t0 becomes each row's first-layer bias: bias1[j] + t0[r][j]
            addToRows(t0, st.rows, h1, bias1);
        }
        par.forEach(ch.count, i -> {
            Block blk = Block.of(lay, nch);
            // the chunk's elements are contiguous (whole rows, or a piece of one row): blocks of NB elements run
            // through them in memory order and may span rows, so a narrow matrix (the 10-column readout) fills every
            // lane; every element's arithmetic is the same whichever block it falls in
            int start = ch.r0(i) * cols + ch.c0(i);
            int end = (ch.r1(i) - 1) * cols + ch.c1(i);
            for (int o = start; o < end; o += NB) {
                int n = Math.min(NB, end - o);
                int r = o / cols;
                int c = o - r * cols;
                boolean spanning = fac && c + n > cols;
                if (!fac) {
                    vectorFeatures(st, p, g, o, o + n, blk.in);
                } else if (!spanning) { // one row: per-row values broadcast, per-column ones loaded
                    matrixFeatures(st, p, g, f.f0(), f.f1(), f.rowFirst(), r, c, c + n, blk.in);
                } else { // the block spans rows: per-lane copies of the row and column values
                    spanningRows(f, t0, t1, ldT1, h1, cols, o, n, blk);
                    matrixFeaturesSpanning(st, p, g, f.rowFirst(), o, n, blk);
                }
                if (adam) {
                    adamFeatures(st, o, n, fac ? CH_MATRIX : CH_VECTOR, blk.in);
                }
                if (spanning) {
                    mlpAndUpdate(blk, lay, theta, w1, nch, null, 0, blk.first, NB, 0, p, o, n, stepScale, expMult);
                } else {
                    mlpAndUpdate(blk, lay, theta, w1, nch, fac ? t0 : bias1, fac ? r * h1 : 0, t1, ldT1, c, p, o, n,
                            stepScale, expMult);
                }
            }
        });
    }

    /** rows[r][j] += add[j] for a row-major [count × h] table (each sum is the float add of the scalar loop). */
    static void addToRows(float[] rows, int count, int h, float[] add) {
        for (int r = 0; r < count; r++) {
            int o = r * h;
            for (int j = 0; j < h; j += L) {
                VectorMask<Float> mk = S.indexInRange(j, h);
                FloatVector.fromArray(S, add, j, mk).add(FloatVector.fromArray(S, rows, o + j, mk))
                        .intoArray(rows, o + j, mk);
            }
        }
    }

    /**
     * For a block of {@code n} matrix elements from flat offset {@code o} that spans rows: the row and column factors
     * of each lane ({@code blk.f0}, {@code blk.f1}) and the first layer's starting sums of each lane
     * ({@code blk.first}[j][lane] = rowBias[row][j] + t1[j][col], the add that the one-row path does in
     * {@link #dense}), with rowBias = bias1 + t0 (see {@link #addToRows}).
     */
    private static void spanningRows(Factored f, float[] rowBias, float[] t1, int ldT1, int h1, int cols, int o, int n,
            Block blk) {
        // row by row: each row's lanes are contiguous, and so are its columns, so the inner loops run over lanes
        for (int lane = 0; lane < n; ) {
            int e = o + lane;
            int r = e / cols;
            int c = e - r * cols;
            int len = Math.min(cols - c, n - lane);
            for (int x = 0; x < len; x += L) {
                VectorMask<Float> mk = S.indexInRange(x, len);
                for (int k = 0; k < 3; k++) {
                    FloatVector.broadcast(S, f.f0()[k][r]).intoArray(blk.f0, k * NB + lane + x, mk);
                    FloatVector.fromArray(S, f.f1()[k], c + x, mk).intoArray(blk.f1, k * NB + lane + x, mk);
                }
            }
            int rb = r * h1;
            for (int j = 0; j < h1; j++) {
                FloatVector b = FloatVector.broadcast(S, rowBias[rb + j]);
                int to = j * NB + lane;
                int from = j * ldT1 + c;
                for (int x = 0; x < len; x += L) {
                    VectorMask<Float> mk = S.indexInRange(x, len);
                    b.add(FloatVector.fromArray(S, t1, from + x, mk)).intoArray(blk.first, to + x, mk);
                }
            }
            lane += len;
        }
        if (n < NB) { // lanes past the block's elements: zeros (their results are masked out at the update)
            for (int k = 0; k < 3; k++) {
                java.util.Arrays.fill(blk.f0, k * NB + n, (k + 1) * NB, 0f);
                java.util.Arrays.fill(blk.f1, k * NB + n, (k + 1) * NB, 0f);
            }
            for (int j = 0; j < h1; j++) {
                java.util.Arrays.fill(blk.first, j * NB + n, (j + 1) * NB, 0f);
            }
        }
    }

    /**
     * Per-row (transposed = false: [len][h1]) or per-column (transposed: [h1][ld]) first-layer contributions:
     * t[i][j] = Σ_q (θ[c_q][j] · scale[c_q]) · v_q[i], summed over the channels in order, each product rounded
     * before it is added. Vectorised along the contiguous axis; {@link #tableReference} is the scalar definition.
     */
    static float[] table(int[] chans, float[][] vals, int len, float[] theta, int w0, int h1, float[] scale,
            boolean transposed, int ld) {
        float[] t = new float[transposed ? h1 * ld : len * h1];
        float[] w = new float[h1];
        for (int q = 0; q < chans.length; q++) {
            int c = chans[q];
            float[] v = vals[q];
            for (int j = 0; j < h1; j++) {
                w[j] = theta[w0 + c * h1 + j] * scale[c];
            }
            if (transposed) {
                for (int j = 0; j < h1; j++) {
                    addScaled(t, j * ld, v, 0, len, w[j]);
                }
            } else {
                for (int i = 0; i < len; i++) {
                    addScaled(t, i * h1, w, 0, h1, v[i]);
                }
            }
        }
        return t;
    }

    /** t[to + i] += x[xo + i] · a for i in [0, n): full vectors, then a scalar tail (the same float operations). */
    private static void addScaled(float[] t, int to, float[] x, int xo, int n, float a) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(S, x, xo + i).mul(a).add(FloatVector.fromArray(S, t, to + i)).intoArray(t, to + i);
        }
        for (; i < n; i++) {
            t[to + i] += x[xo + i] * a;
        }
    }

    /** The scalar definition of {@link #table}. */
    static float[] tableReference(int[] chans, float[][] vals, int len, float[] theta, int w0, int h1, float[] scale,
            boolean transposed, int ld) {
        float[] t = new float[transposed ? h1 * ld : len * h1];
        for (int q = 0; q < chans.length; q++) {
            int c = chans[q];
            float[] v = vals[q];
            for (int j = 0; j < h1; j++) {
                float w = theta[w0 + c * h1 + j] * scale[c];
                for (int i = 0; i < len; i++) {
                    int idx = transposed ? j * ld + i : i * h1 + j;
                    t[idx] += w * v[i];
                }
            }
        }
        return t;
    }

    private static FloatVector sanitize(FloatVector g) {
        return g.blend(0f, g.test(VectorOperators.IS_FINITE).not());
    }

    private static FloatVector rsqrt(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(x.sqrt());
    }

    /**
     * Matrix row r, columns [c0, c1): the accumulators, the sums of squares of channels 0..9 and the column partial
     * sums; returns the row's Σ G. Two loops over the row (the second re-reads the second moment and momenta the
     * first wrote, so it sees the same floats): one loop with all eleven accumulators live was too large for the
     * JIT, which then left its vector operations to the Vector API's slow Java fallback.
     */
    private static double passAMatrix(TensorState st, float[] p, float[] g, MetaParameters.Decays dec, int r, int c0,
            int c1, double[] sq, float[] overRows, float[] scratch, float[] lanes) {
        double rowSumD = passAMoments(st, p, g, dec, r, c0, c1, sq, overRows, scratch, lanes);
        passARms(st, r, c0, c1, sq, scratch, lanes);
        return rowSumD;
    }

    /** Momenta and second moment; sums of squares of g, p, m_k, v (channels 0..5); Σ G by column and for the row. */
    private static double passAMoments(TensorState st, float[] p, float[] g, MetaParameters.Decays dec, int r, int c0,
            int c1, double[] sq, float[] overRows, float[] scratch, float[] lanes) {
        final int cols = st.cols;
        final float b1 = dec.momentum()[0];
        final float b2 = dec.momentum()[1];
        final float b3 = dec.momentum()[2];
        final float b4 = dec.rms();
        final float[] m1 = st.m[0];
        final float[] m2 = st.m[1];
        final float[] m3 = st.m[2];
        final float[] v = st.v;
        FloatVector zero = FloatVector.zero(S);
        FloatVector s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, rowSum = zero;
        double rowSumD = 0;
        int since = 0;
        for (int c = c0; c < c1; c += L) {
            VectorMask<Float> mk = S.indexInRange(c, c1); // not a phi of two masks: C2 would box it
            int o = r * cols + c;
            FloatVector gv = sanitize(FloatVector.fromArray(S, g, o, mk));
            FloatVector pv = FloatVector.fromArray(S, p, o, mk);
            FloatVector mv1 = FloatVector.fromArray(S, m1, o, mk).mul(b1).add(gv.mul(1 - b1));
            FloatVector mv2 = FloatVector.fromArray(S, m2, o, mk).mul(b2).add(gv.mul(1 - b2));
            FloatVector mv3 = FloatVector.fromArray(S, m3, o, mk).mul(b3).add(gv.mul(1 - b3));
            FloatVector gg = gv.mul(gv);
            FloatVector vv = FloatVector.fromArray(S, v, o, mk).mul(b4).add(gg.mul(1 - b4));
            mv1.intoArray(m1, o, mk);
            mv2.intoArray(m2, o, mk);
            mv3.intoArray(m3, o, mk);
            vv.intoArray(v, o, mk);
            s0 = gv.fma(gv, s0);
            s1 = pv.fma(pv, s1);
            s2 = mv1.fma(mv1, s2);
            s3 = mv2.fma(mv2, s3);
            s4 = mv3.fma(mv3, s4);
            s5 = vv.fma(vv, s5);
            FloatVector big = gg.add(TINY).blend(0f, mk.not());
            int po = c - c0;
            FloatVector.fromArray(S, overRows, po).add(big).intoArray(overRows, po);
            rowSum = rowSum.add(big);
            if (++since == 16 || c + L >= c1) { // float partial sums go to double every 16 vectors
                since = 0;
                s0.intoArray(scratch, 0);
                s1.intoArray(scratch, L);
                s2.intoArray(scratch, 2 * L);
                s3.intoArray(scratch, 3 * L);
                s4.intoArray(scratch, 4 * L);
                s5.intoArray(scratch, 5 * L);
                rowSum.intoArray(scratch, 6 * L);
                VectorMath.sums(scratch, 7, lanes);
                for (int q = 0; q < 6; q++) {
                    sq[q] += lanes[q];
                }
                rowSumD += lanes[6];
                s0 = zero;
                s1 = zero;
                s2 = zero;
                s3 = zero;
                s4 = zero;
                s5 = zero;
                rowSum = zero;
            }
        }
        return rowSumD;
    }

    /** Sums of squares of m_k·rsqrt(v + ε) and rsqrt(v + ε) (channels 6..9) from the updated accumulators. */
    private static void passARms(TensorState st, int r, int c0, int c1, double[] sq, float[] scratch, float[] lanes) {
        final int cols = st.cols;
        final float[] m1 = st.m[0];
        final float[] m2 = st.m[1];
        final float[] m3 = st.m[2];
        final float[] v = st.v;
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector s6 = zero, s7 = zero, s8 = zero, s9 = zero;
        int since = 0;
        for (int c = c0; c < c1; c += L) {
            VectorMask<Float> mk = S.indexInRange(c, c1); // not a phi of two masks: C2 would box it
            int o = r * cols + c;
            FloatVector rs = one.div(FloatVector.fromArray(S, v, o, mk).add(RMS_EPS).sqrt()).blend(0f, mk.not());
            FloatVector x = FloatVector.fromArray(S, m1, o, mk).mul(rs);
            s6 = x.fma(x, s6);
            x = FloatVector.fromArray(S, m2, o, mk).mul(rs);
            s7 = x.fma(x, s7);
            x = FloatVector.fromArray(S, m3, o, mk).mul(rs);
            s8 = x.fma(x, s8);
            s9 = rs.fma(rs, s9);
            if (++since == 16 || c + L >= c1) {
                since = 0;
                s6.intoArray(scratch, 0);
                s7.intoArray(scratch, L);
                s8.intoArray(scratch, 2 * L);
                s9.intoArray(scratch, 3 * L);
                VectorMath.sums(scratch, 4, lanes);
                for (int q = 0; q < 4; q++) {
                    sq[6 + q] += lanes[q];
                }
                s6 = zero;
                s7 = zero;
                s8 = zero;
                s9 = zero;
            }
        }
    }

    /** Vectors (rank ≤ 1): accumulators and the sums of squares of all 22 distinct channels. Not a hot path. */
    private static void passAVector(TensorState st, float[] p, float[] g, MetaParameters.Decays dec, int c0, int c1,
            double[] sq) {
        float[] b = {dec.momentum()[0], dec.momentum()[1], dec.momentum()[2]};
        float b4 = dec.rms();
        float[] x = new float[CH_VECTOR * L];
        float[] lanes = new float[CH_VECTOR];
        for (int c = c0; c < c1; c += L) {
            VectorMask<Float> mk = S.indexInRange(c, c1);
            FloatVector gv = sanitize(FloatVector.fromArray(S, g, c, mk));
            FloatVector gg = gv.mul(gv);
            FloatVector vv = FloatVector.fromArray(S, st.v, c, mk).mul(b4).add(gg.mul(1 - b4));
            vv.intoArray(st.v, c, mk);
            FloatVector big = gg.add(TINY).blend(0f, mk.not());
            FloatVector rs = rsqrt(vv.add(RMS_EPS)).blend(0f, mk.not());
            gv.intoArray(x, 0);
            FloatVector.fromArray(S, p, c, mk).intoArray(x, L);
            vv.intoArray(x, 5 * L);
            rs.intoArray(x, 9 * L);
            for (int k = 0; k < 3; k++) {
                FloatVector mv = FloatVector.fromArray(S, st.m[k], c, mk).mul(b[k]).add(gv.mul(1 - b[k]));
                mv.intoArray(st.m[k], c, mk);
                float ba = dec.adafactor()[k];
                FloatVector f = FloatVector.fromArray(S, st.vFull[k], c, mk).mul(ba).add(big.mul(1 - ba));
                f.intoArray(st.vFull[k], c, mk);
                mv.intoArray(x, (2 + k) * L);
                mv.mul(rs).intoArray(x, (6 + k) * L);
                gv.mul(rsqrt(f.add(DIAG_EPS).max(RSQRT_FLOOR))).intoArray(x, (10 + k) * L);
                f.blend(0f, mk.not()).intoArray(x, (13 + k) * L);
                rsqrt(f.add(FACTORED_RSQRT_EPS)).blend(0f, mk.not()).intoArray(x, (16 + k) * L);
                mv.mul(rsqrt(f.add(RMS_EPS))).intoArray(x, (19 + k) * L);
            }
            for (int ch = 0; ch < CH_VECTOR; ch++) { // squares, then their lane sums in one call (a sum per
                FloatVector xv = FloatVector.fromArray(S, x, ch * L); // channel inlined here made C2 box the loop)
                xv.mul(xv).intoArray(x, ch * L);
            }
            VectorMath.sums(x, CH_VECTOR, lanes);
            for (int ch = 0; ch < CH_VECTOR; ch++) {
                sq[ch] += lanes[ch];
            }
        }
    }

    /** Pass B on row r: sums of squares of g·rf·cf and m_k·rf·cf (no arrays of vectors: they would be boxed). */
    private static void passB(TensorState st, float[] g, float[][] f0, float[][] f1, boolean rowFirst, int r, int c0,
            int c1, double[] sq, float[] scratch, float[] lanes) {
        final int cols = st.cols;
        final float a01 = f0[0][r];
        final float a02 = f0[1][r];
        final float a03 = f0[2][r];
        final float[] f11 = f1[0];
        final float[] f12 = f1[1];
        final float[] f13 = f1[2];
        final float[] m1 = st.m[0];
        final float[] m2 = st.m[1];
        final float[] m3 = st.m[2];
        FloatVector zero = FloatVector.zero(S);
        FloatVector s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero;
        int since = 0;
        for (int c = c0; c < c1; c += L) {
            VectorMask<Float> mk = S.indexInRange(c, c1); // not a phi of two masks: C2 would box it
            int o = r * cols + c;
            FloatVector gv = sanitize(FloatVector.fromArray(S, g, o, mk));
            FloatVector x1 = FloatVector.fromArray(S, f11, c, mk);
            FloatVector x2 = FloatVector.fromArray(S, f12, c, mk);
            FloatVector x3 = FloatVector.fromArray(S, f13, c, mk);
            FloatVector v1 = FloatVector.fromArray(S, m1, o, mk);
            FloatVector v2 = FloatVector.fromArray(S, m2, o, mk);
            FloatVector v3 = FloatVector.fromArray(S, m3, o, mk);
            FloatVector t;
            t = rowFirst ? gv.mul(a01).mul(x1) : gv.mul(x1).mul(a01);
            s0 = t.fma(t, s0);
            t = rowFirst ? gv.mul(a02).mul(x2) : gv.mul(x2).mul(a02);
            s1 = t.fma(t, s1);
            t = rowFirst ? gv.mul(a03).mul(x3) : gv.mul(x3).mul(a03);
            s2 = t.fma(t, s2);
            t = rowFirst ? v1.mul(a01).mul(x1) : v1.mul(x1).mul(a01);
            s3 = t.fma(t, s3);
            t = rowFirst ? v2.mul(a02).mul(x2) : v2.mul(x2).mul(a02);
            s4 = t.fma(t, s4);
            t = rowFirst ? v3.mul(a03).mul(x3) : v3.mul(x3).mul(a03);
            s5 = t.fma(t, s5);
            if (++since == 16 || c + L >= c1) { // float partial sums go to double every 16 vectors
                since = 0;
                s0.intoArray(scratch, 0);
                s1.intoArray(scratch, L);
                s2.intoArray(scratch, 2 * L);
                s3.intoArray(scratch, 3 * L);
                s4.intoArray(scratch, 4 * L);
                s5.intoArray(scratch, 5 * L);
                VectorMath.sums(scratch, 6, lanes);
                for (int q = 0; q < 6; q++) {
                    sq[q] += lanes[q];
                }
                s0 = zero;
                s1 = zero;
                s2 = zero;
                s3 = zero;
                s4 = zero;
                s5 = zero;
            }
        }
    }

    /** Scratch of one block: inputs, hidden activations, outputs. Reused by its thread from step to step. */
    private static final class Block {
        private static final ThreadLocal<Block> CACHE = new ThreadLocal<>();
        final float[] in;
        final float[][] hidden;
        final float[] out = new float[2 * NB];
        /** For blocks that span rows: per-lane row factors, column factors ([3][NB]) and first-layer sums ([h1][NB]). */
        final float[] f0 = new float[3 * NB];
        final float[] f1 = new float[3 * NB];
        final float[] first;

        private Block(MetaParameters lay, int nch) {
            in = new float[nch * NB];
            first = new float[lay.layerOutputs(0) * NB];
            hidden = new float[lay.layers() - 1][];
            for (int l = 0; l < hidden.length; l++) {
                hidden[l] = new float[lay.layerOutputs(l) * NB];
            }
        }

        /** This thread's block, when it is large enough for {@code lay} and {@code nch} channels, else a new one. */
        static Block of(MetaParameters lay, int nch) {
            Block b = CACHE.get();
            if (b == null || !b.fits(lay, nch)) {
                b = new Block(lay, Math.max(nch, CH_VECTOR + MetaParameters.ADAM_FEATURES));
                CACHE.set(b);
            }
            return b;
        }

        private boolean fits(MetaParameters lay, int nch) {
            if (in.length < nch * NB || hidden.length != lay.layers() - 1 || first.length != lay.layerOutputs(0) * NB) {
                return false;
            }
            for (int l = 0; l < hidden.length; l++) {
                if (hidden[l].length != lay.layerOutputs(l) * NB) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The 16 element-wise channels of a matrix block (row r, columns [c, end)) into in[ch][lane]. */
    private static void matrixFeatures(TensorState st, float[] p, float[] g, float[][] f0, float[][] f1,
            boolean rowFirst, int r, int c, int end, float[] in) {
        int o0 = r * st.cols;
        for (int q = 0; q < NV; q++) {
            int cc = c + q * L;
            VectorMask<Float> mk = S.indexInRange(cc, end);
            int o = o0 + cc;
            FloatVector gv = sanitize(FloatVector.fromArray(S, g, o, mk));
            FloatVector vv = FloatVector.fromArray(S, st.v, o, mk);
            FloatVector rs = rsqrt(vv.add(RMS_EPS));
            int b = q * L;
            gv.intoArray(in, b);
            FloatVector.fromArray(S, p, o, mk).intoArray(in, NB + b);
            vv.intoArray(in, 5 * NB + b);
            rs.intoArray(in, 9 * NB + b);
            for (int k = 0; k < 3; k++) {
                FloatVector mv = FloatVector.fromArray(S, st.m[k], o, mk);
                mv.intoArray(in, (2 + k) * NB + b);
                mv.mul(rs).intoArray(in, (6 + k) * NB + b);
                float a0 = f0[k][r];
                FloatVector a1 = FloatVector.fromArray(S, f1[k], cc, mk);
                (rowFirst ? gv.mul(a0).mul(a1) : gv.mul(a1).mul(a0)).intoArray(in, (10 + k) * NB + b);
                (rowFirst ? mv.mul(a0).mul(a1) : mv.mul(a1).mul(a0)).intoArray(in, (13 + k) * NB + b);
            }
        }
    }

    /**
     * {@link #matrixFeatures} for a block of {@code n} elements from flat offset {@code o} that spans rows, with the
     * factors of each lane from {@code blk.f0}/{@code blk.f1}: the same products in the same order, lane by lane.
     */
    private static void matrixFeaturesSpanning(TensorState st, float[] p, float[] g, boolean rowFirst, int o0, int n,
            Block blk) {
        float[] in = blk.in;
        for (int q = 0; q < NV; q++) {
            int b = q * L;
            VectorMask<Float> mk = S.indexInRange(b, n);
            int o = o0 + b;
            FloatVector gv = sanitize(FloatVector.fromArray(S, g, o, mk));
            FloatVector vv = FloatVector.fromArray(S, st.v, o, mk);
            FloatVector rs = rsqrt(vv.add(RMS_EPS));
            gv.intoArray(in, b);
            FloatVector.fromArray(S, p, o, mk).intoArray(in, NB + b);
            vv.intoArray(in, 5 * NB + b);
            rs.intoArray(in, 9 * NB + b);
            for (int k = 0; k < 3; k++) {
                FloatVector mv = FloatVector.fromArray(S, st.m[k], o, mk);
                mv.intoArray(in, (2 + k) * NB + b);
                mv.mul(rs).intoArray(in, (6 + k) * NB + b);
                FloatVector a0 = FloatVector.fromArray(S, blk.f0, k * NB + b);
                FloatVector a1 = FloatVector.fromArray(S, blk.f1, k * NB + b);
                (rowFirst ? gv.mul(a0).mul(a1) : gv.mul(a1).mul(a0)).intoArray(in, (10 + k) * NB + b);
                (rowFirst ? mv.mul(a0).mul(a1) : mv.mul(a1).mul(a0)).intoArray(in, (13 + k) * NB + b);
            }
        }
    }

    /** The number of element-wise channels of the first layer for a matrix or a vector. */
    static int channels(MetaParameters lay, boolean fac) {
        return (fac ? CH_MATRIX : CH_VECTOR) + (lay.adamInputs() ? MetaParameters.ADAM_FEATURES : 0);
    }

    /** The un-normalised Adam inputs m_k/√(v + 1e-16) of {@code count} elements from {@code o}, as channels from {@code at}. */
    private static void adamFeatures(TensorState st, int o0, int count, int at, float[] in) {
        for (int q = 0; q < NV; q++) {
            int o = o0 + q * L;
            VectorMask<Float> mk = S.indexInRange(q * L, count);
            FloatVector rs = rsqrt(FloatVector.fromArray(S, st.v, o, mk).add(ADAM_EPS));
            for (int k = 0; k < 3; k++) {
                FloatVector.fromArray(S, st.m[k], o, mk).mul(rs).intoArray(in, (at + k) * NB + q * L);
            }
        }
    }

    /** The 22 element-wise channels of a vector block (elements [c, end)). */
    private static void vectorFeatures(TensorState st, float[] p, float[] g, int c, int end, float[] in) {
        for (int q = 0; q < NV; q++) {
            int o = c + q * L;
            VectorMask<Float> mk = S.indexInRange(o, end);
            FloatVector gv = sanitize(FloatVector.fromArray(S, g, o, mk));
            FloatVector vv = FloatVector.fromArray(S, st.v, o, mk);
            FloatVector rs = rsqrt(vv.add(RMS_EPS));
            int b = q * L;
            gv.intoArray(in, b);
            FloatVector.fromArray(S, p, o, mk).intoArray(in, NB + b);
            vv.intoArray(in, 5 * NB + b);
            rs.intoArray(in, 9 * NB + b);
            for (int k = 0; k < 3; k++) {
                FloatVector mv = FloatVector.fromArray(S, st.m[k], o, mk);
                mv.intoArray(in, (2 + k) * NB + b);
                mv.mul(rs).intoArray(in, (6 + k) * NB + b);
                FloatVector f = FloatVector.fromArray(S, st.vFull[k], o, mk);
                gv.mul(rsqrt(f.add(DIAG_EPS).max(RSQRT_FLOOR))).intoArray(in, (10 + k) * NB + b);
                f.intoArray(in, (13 + k) * NB + b);
                rsqrt(f.add(FACTORED_RSQRT_EPS)).intoArray(in, (16 + k) * NB + b);
                mv.mul(rsqrt(f.add(RMS_EPS))).intoArray(in, (19 + k) * NB + b);
            }
        }
    }

    /** The per-parameter MLP on one block and the update of its {@code count} elements of p from {@code po}. */
    private static void mlpAndUpdate(Block blk, MetaParameters lay, float[] theta, float[] w1, int nch,
            float[] bias, int biasOff, float[] t1, int ldT1, int c, float[] p, int po, int count, float stepScale,
            float expMult) {
        int layers = lay.layers();
        // first layer: element channels · scaled weights + bias (time features, per-row table) + per-column table
        dense(blk.in, nch, w1, 0, lay.layerOutputs(0), bias, biasOff, t1, ldT1, c, blk.hidden[0], layers > 1);
        float[] x = blk.hidden[0];
        for (int l = 1; l < layers - 1; l++) {
            dense(x, lay.layerInputs(l), theta, lay.weightOffset(l), lay.layerOutputs(l), theta, lay.biasOffset(l),
                    null, 0, 0, blk.hidden[l], true);
            x = blk.hidden[l];
        }
        int l = layers - 1;
        output(x, lay.layerInputs(l), theta, lay.weightOffset(l), lay.biasOffset(l), blk.out);
        for (int q = 0; q < NV && q * L < count; q++) {
            int o = po + q * L;
            FloatVector d = FloatVector.fromArray(S, blk.out, q * L);
            FloatVector m = FloatVector.fromArray(S, blk.out, NB + q * L);
            FloatVector step = d.mul(stepScale).mul(VectorMath.exp(m.mul(expMult)));
            if (q * L + L <= count) { // a whole vector unmasked: a mask C2 cannot see is full costs a check per lane
                FloatVector.fromArray(S, p, o).sub(step).intoArray(p, o);
            } else {
                VectorMask<Float> mk = S.indexInRange(q * L, count);
                FloatVector.fromArray(S, p, o, mk).sub(step).intoArray(p, o, mk);
            }
        }
    }

    /**
     * out[j][lane] = act(bias[j] (+ t[j][c + lane]) + Σ_k w[k][j] · in[k][lane]) for a block of NB lanes, with the
     * weights {@code w[wo + k·n + j]}; 4 outputs × 4 vectors of accumulators held in registers. With {@code bias}
     * null the sums start from t[j][c + lane] alone.
     */
    private static void dense(float[] in, int k, float[] w, int wo, int n, float[] bias, int bo, float[] t, int ldT,
            int c, float[] out, boolean relu) {
        for (int j = 0; j < n; j += 4) {
            FloatVector a00, a10, a20, a30, a01, a02, a03, a11, a12, a13, a21, a22, a23, a31, a32, a33;
            if (bias == null) { // every lane's starting sum is in t
                int t0 = j * ldT + c;
                a00 = FloatVector.fromArray(S, t, t0);
                a01 = FloatVector.fromArray(S, t, t0 + L);
                a02 = FloatVector.fromArray(S, t, t0 + 2 * L);
                a03 = FloatVector.fromArray(S, t, t0 + 3 * L);
                t0 += ldT;
                a10 = FloatVector.fromArray(S, t, t0);
                a11 = FloatVector.fromArray(S, t, t0 + L);
                a12 = FloatVector.fromArray(S, t, t0 + 2 * L);
                a13 = FloatVector.fromArray(S, t, t0 + 3 * L);
                t0 += ldT;
                a20 = FloatVector.fromArray(S, t, t0);
                a21 = FloatVector.fromArray(S, t, t0 + L);
                a22 = FloatVector.fromArray(S, t, t0 + 2 * L);
                a23 = FloatVector.fromArray(S, t, t0 + 3 * L);
                t0 += ldT;
                a30 = FloatVector.fromArray(S, t, t0);
                a31 = FloatVector.fromArray(S, t, t0 + L);
                a32 = FloatVector.fromArray(S, t, t0 + 2 * L);
                a33 = FloatVector.fromArray(S, t, t0 + 3 * L);
            } else {
                a00 = FloatVector.broadcast(S, bias[bo + j]);
                a10 = FloatVector.broadcast(S, bias[bo + j + 1]);
                a20 = FloatVector.broadcast(S, bias[bo + j + 2]);
                a30 = FloatVector.broadcast(S, bias[bo + j + 3]);
                a01 = a00;
                a02 = a00;
                a03 = a00;
                a11 = a10;
                a12 = a10;
                a13 = a10;
                a21 = a20;
                a22 = a20;
                a23 = a20;
                a31 = a30;
                a32 = a30;
                a33 = a30;
            }
            if (bias != null && t != null) {
                int t0 = j * ldT + c;
                a00 = a00.add(FloatVector.fromArray(S, t, t0));
                a01 = a01.add(FloatVector.fromArray(S, t, t0 + L));
                a02 = a02.add(FloatVector.fromArray(S, t, t0 + 2 * L));
                a03 = a03.add(FloatVector.fromArray(S, t, t0 + 3 * L));
                t0 += ldT;
                a10 = a10.add(FloatVector.fromArray(S, t, t0));
                a11 = a11.add(FloatVector.fromArray(S, t, t0 + L));
                a12 = a12.add(FloatVector.fromArray(S, t, t0 + 2 * L));
                a13 = a13.add(FloatVector.fromArray(S, t, t0 + 3 * L));
                t0 += ldT;
                a20 = a20.add(FloatVector.fromArray(S, t, t0));
                a21 = a21.add(FloatVector.fromArray(S, t, t0 + L));
                a22 = a22.add(FloatVector.fromArray(S, t, t0 + 2 * L));
                a23 = a23.add(FloatVector.fromArray(S, t, t0 + 3 * L));
                t0 += ldT;
                a30 = a30.add(FloatVector.fromArray(S, t, t0));
                a31 = a31.add(FloatVector.fromArray(S, t, t0 + L));
                a32 = a32.add(FloatVector.fromArray(S, t, t0 + 2 * L));
                a33 = a33.add(FloatVector.fromArray(S, t, t0 + 3 * L));
            }
            int wi = wo + j;
            for (int kk = 0, io = 0; kk < k; kk++, io += NB, wi += n) {
                FloatVector x0 = FloatVector.fromArray(S, in, io);
                FloatVector x1 = FloatVector.fromArray(S, in, io + L);
                FloatVector x2 = FloatVector.fromArray(S, in, io + 2 * L);
                FloatVector x3 = FloatVector.fromArray(S, in, io + 3 * L);
                FloatVector y = FloatVector.broadcast(S, w[wi]);
                a00 = x0.fma(y, a00);
                a01 = x1.fma(y, a01);
                a02 = x2.fma(y, a02);
                a03 = x3.fma(y, a03);
                y = FloatVector.broadcast(S, w[wi + 1]);
                a10 = x0.fma(y, a10);
                a11 = x1.fma(y, a11);
                a12 = x2.fma(y, a12);
                a13 = x3.fma(y, a13);
                y = FloatVector.broadcast(S, w[wi + 2]);
                a20 = x0.fma(y, a20);
                a21 = x1.fma(y, a21);
                a22 = x2.fma(y, a22);
                a23 = x3.fma(y, a23);
                y = FloatVector.broadcast(S, w[wi + 3]);
                a30 = x0.fma(y, a30);
                a31 = x1.fma(y, a31);
                a32 = x2.fma(y, a32);
                a33 = x3.fma(y, a33);
            }
            int ob = j * NB;
            if (relu) { // s < 0 ? 0 : s, as the reference (cheaper than max, which must order NaN and -0)
                a00 = a00.blend(0f, a00.lt(0f));
                a01 = a01.blend(0f, a01.lt(0f));
                a02 = a02.blend(0f, a02.lt(0f));
                a03 = a03.blend(0f, a03.lt(0f));
                a10 = a10.blend(0f, a10.lt(0f));
                a11 = a11.blend(0f, a11.lt(0f));
                a12 = a12.blend(0f, a12.lt(0f));
                a13 = a13.blend(0f, a13.lt(0f));
                a20 = a20.blend(0f, a20.lt(0f));
                a21 = a21.blend(0f, a21.lt(0f));
                a22 = a22.blend(0f, a22.lt(0f));
                a23 = a23.blend(0f, a23.lt(0f));
                a30 = a30.blend(0f, a30.lt(0f));
                a31 = a31.blend(0f, a31.lt(0f));
                a32 = a32.blend(0f, a32.lt(0f));
                a33 = a33.blend(0f, a33.lt(0f));
            }
            a00.intoArray(out, ob);
            a01.intoArray(out, ob + L);
            a02.intoArray(out, ob + 2 * L);
            a03.intoArray(out, ob + 3 * L);
            a10.intoArray(out, ob + NB);
            a11.intoArray(out, ob + NB + L);
            a12.intoArray(out, ob + NB + 2 * L);
            a13.intoArray(out, ob + NB + 3 * L);
            a20.intoArray(out, ob + 2 * NB);
            a21.intoArray(out, ob + 2 * NB + L);
            a22.intoArray(out, ob + 2 * NB + 2 * L);
            a23.intoArray(out, ob + 2 * NB + 3 * L);
            a30.intoArray(out, ob + 3 * NB);
            a31.intoArray(out, ob + 3 * NB + L);
            a32.intoArray(out, ob + 3 * NB + 2 * L);
            a33.intoArray(out, ob + 3 * NB + 3 * L);
        }
    }

    /** The linear output layer: direction and magnitude for a block of NB lanes. */
    private static void output(float[] in, int k, float[] w, int wo, int bo, float[] out) {
        FloatVector d0 = FloatVector.broadcast(S, w[bo]);
        FloatVector m0 = FloatVector.broadcast(S, w[bo + 1]);
        FloatVector d1 = d0, d2 = d0, d3 = d0;
        FloatVector m1 = m0, m2 = m0, m3 = m0;
        for (int kk = 0, io = 0, wi = wo; kk < k; kk++, io += NB, wi += 2) {
            FloatVector x0 = FloatVector.fromArray(S, in, io);
            FloatVector x1 = FloatVector.fromArray(S, in, io + L);
            FloatVector x2 = FloatVector.fromArray(S, in, io + 2 * L);
            FloatVector x3 = FloatVector.fromArray(S, in, io + 3 * L);
            FloatVector yd = FloatVector.broadcast(S, w[wi]);
            FloatVector ym = FloatVector.broadcast(S, w[wi + 1]);
            d0 = x0.fma(yd, d0);
            d1 = x1.fma(yd, d1);
            d2 = x2.fma(yd, d2);
            d3 = x3.fma(yd, d3);
            m0 = x0.fma(ym, m0);
            m1 = x1.fma(ym, m1);
            m2 = x2.fma(ym, m2);
            m3 = x3.fma(ym, m3);
        }
        d0.intoArray(out, 0);
        d1.intoArray(out, L);
        d2.intoArray(out, 2 * L);
        d3.intoArray(out, 3 * L);
        m0.intoArray(out, NB);
        m1.intoArray(out, NB + L);
        m2.intoArray(out, NB + 2 * L);
        m3.intoArray(out, NB + 3 * L);
    }
}
