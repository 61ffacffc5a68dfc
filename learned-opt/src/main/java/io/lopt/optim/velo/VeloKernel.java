package io.lopt.optim.velo;

import io.lopt.kernels.Parallel;
import io.lopt.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * VeLO's per-parameter part as multi-threaded Vector API passes over a tensor of rank ≤ 2 (seen as rows × columns; a
 * vector is one row) — what {@link VeloReference} computes:
 * <ol>
 *   <li>{@link #means}: Σp², Σm_k and Σ mean-square of the state before the step (the LSTM's features);</li>
 *   <li>{@link #accumulate}: the centred sums of the LSTM's variance features, from the old state, then the update
 *       of m, the mean square and the Adafactor accumulators (row and column sums of g²);</li>
 *   <li>{@link #apply}: the 30 features of a block of elements materialised in a small scratch buffer, first to sum
 *       each channel's square (the per-channel normalisation), then again to run the mixed 30 → 4 → 4 → 3 MLP with the
 *       normalisation folded into its first layer, and write the update.</li>
 * </ol>
 * Chunks are whole rows and depend on the tensor's shape only, and partial sums are combined in chunk order, so results
 * do not depend on the thread count. Tensors of rank ≥ 3 take the reference path.
 */
final class VeloKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int CHUNK = 16384;
    /** Elements whose features are materialised at once (30 × 256 floats stay in L1). */
    static final int BLOCK = 256;
    static final int CH = VeloLayout.IN;

    private VeloKernel() {
    }

    /** Whether this kernel handles the tensor (rank ≤ 2). */
    static boolean handles(VeloTensor st) {
        return st.shape.length <= 2;
    }

    private static int cols(VeloTensor st) {
        return st.shape.length == 2 ? st.shape[1] : st.n;
    }

    /** Chunk boundaries: whole rows of about CHUNK elements for matrices, CHUNK elements otherwise. */
    private static int chunkSize(VeloTensor st) {
        if (st.shape.length < 2) {
            return CHUNK;
        }
        int c = cols(st);
        return Math.max(1, CHUNK / c) * c;
    }

    private static int chunks(VeloTensor st) {
        int cs = chunkSize(st);
        return (st.n + cs - 1) / cs;
    }

    private static FloatVector clipGradient(FloatVector g) {
        FloatVector c = g.max(-1000f).min(1000f);
        return c.blend(0f, g.test(VectorOperators.IS_NAN));
    }

    private static FloatVector rsqrt(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(x.sqrt());
    }

    /** [Σp², Σm_1, Σm_2, Σm_3, Σ mean square] before the step. */
    static double[] means(VeloTensor st, float[] p, Parallel par) {
        int nc = chunks(st);
        int cs = chunkSize(st);
        double[][] part = new double[nc][5];
        par.forEach(nc, ci -> {
            int from = ci * cs;
            int to = Math.min(st.n, from + cs);
            FloatVector z = FloatVector.zero(S);
            FloatVector sp = z, s1 = z, s2 = z, s3 = z, sr = z;
            int since = 0;
            double[] out = part[ci];
            for (int i = from; i < to; i += L) {
                VectorMask<Float> mk = S.indexInRange(i, to);
                FloatVector pv = FloatVector.fromArray(S, p, i, mk);
                sp = pv.fma(pv, sp);
                s1 = s1.add(FloatVector.fromArray(S, st.m[0], i, mk));
                s2 = s2.add(FloatVector.fromArray(S, st.m[1], i, mk));
                s3 = s3.add(FloatVector.fromArray(S, st.m[2], i, mk));
                sr = sr.add(FloatVector.fromArray(S, st.rms, i, mk));
                if (++since == 16 || i + L >= to) { // float partial sums go to double every 16 vectors
                    since = 0;
                    out[0] += VectorMath.sum(sp);
                    out[1] += VectorMath.sum(s1);
                    out[2] += VectorMath.sum(s2);
                    out[3] += VectorMath.sum(s3);
                    out[4] += VectorMath.sum(sr);
                    sp = z;
                    s1 = z;
                    s2 = z;
                    s3 = z;
                    sr = z;
                }
            }
        });
        return combine(part, 5);
    }

    private static double[] combine(double[][] part, int width) {
        double[] out = new double[width];
        for (double[] pc : part) {
            for (int c = 0; c < width; c++) {
                out[c] += pc[c];
            }
        }
        return out;
    }

    /** The LSTM's statistics of the state before the step, then the accumulator update (see the class comment). */
    static VeloTensor.Stats statsAndAccumulate(VeloTensor st, float[] p, float[] g, Parallel par) {
        int n = st.n;
        double[] s = means(st, p, par);
        double msq = s[0] / n;
        float nm = (float) (1 / Math.sqrt(Math.max(1e-9, msq)));
        float[] meanM = {(float) (s[1] * nm / n), (float) (s[2] * nm / n), (float) (s[3] * nm / n)};
        double meanRms = s[4] * nm / n;
        int c = cols(st);
        int rows = n / c;
        boolean factored = st.factored;
        int nc = chunks(st);
        int cs = chunkSize(st);
        double[][] part = new double[nc][6];
        double[] rowSum = factored ? new double[rows] : null;
        float[][] colPart = factored ? new float[nc][c] : null;
        par.forEach(nc, ci -> {
            int from = ci * cs;
            int to = Math.min(n, from + cs);
            accumulateChunk(st, g, nm, meanM, from, to, c, part[ci], rowSum, factored ? colPart[ci] : null);
        });
        double[] v = combine(part, 6);
        double[] varM = {v[0] / n, v[1] / n, v[2] / n};
        double[] varRms = {v[3] / n, v[4] / n, v[5] / n};
        if (factored) {
            double[] colSum = new double[c];
            for (float[] cp : colPart) {
                for (int j = 0; j < c; j++) {
                    colSum[j] += cp[j];
                }
            }
            // v_row averages over d0 (the longer axis), v_col over d1
            double[] overD0 = st.d0 == 1 ? rowSum : colSum;
            double[] overD1 = st.d0 == 1 ? colSum : rowSum;
            int lenD0 = st.shape[st.d0];
            int lenD1 = st.shape[st.d1];
            for (int k = 0; k < 3; k++) {
                float b = VeloTensor.ADAFACTOR[k];
                for (int r = 0; r < overD0.length; r++) {
                    st.vRow[k][r] = b * st.vRow[k][r] + (1 - b) * (float) (overD0[r] / lenD0);
                }
                for (int q = 0; q < overD1.length; q++) {
                    st.vCol[k][q] = b * st.vCol[k][q] + (1 - b) * (float) (overD1[q] / lenD1);
                }
            }
        }
        return new VeloTensor.Stats(varM, meanRms, varRms, Math.sqrt(msq + 1e-9));
    }

    private static void accumulateChunk(VeloTensor st, float[] g, float nm, float[] meanM, int from, int to, int c,
            double[] out, double[] rowSum, float[] colSum) {
        final float b1 = VeloTensor.MOMENTUM[0];
        final float b2 = VeloTensor.MOMENTUM[1];
        final float b3 = VeloTensor.MOMENTUM[2];
        final float br = VeloTensor.RMS;
        final float[] m1 = st.m[0];
        final float[] m2 = st.m[1];
        final float[] m3 = st.m[2];
        final float[] rms = st.rms;
        final boolean factored = rowSum != null;
        FloatVector z = FloatVector.zero(S);
        FloatVector v1 = z, v2 = z, v3 = z, r1 = z, r2 = z, r3 = z;
        int since = 0;
        for (int e = from; e < to; ) {
            int row = e / c;
            int end = Math.min(to, (row + 1) * c);
            FloatVector rs = z;
            for (int i = e; i < end; i += L) {
                VectorMask<Float> mk = S.indexInRange(i, end);
                FloatVector gv = clipGradient(FloatVector.fromArray(S, g, i, mk));
                FloatVector o1 = FloatVector.fromArray(S, m1, i, mk);
                FloatVector o2 = FloatVector.fromArray(S, m2, i, mk);
                FloatVector o3 = FloatVector.fromArray(S, m3, i, mk);
                FloatVector or = FloatVector.fromArray(S, rms, i, mk);
                FloatVector d1 = o1.mul(nm).sub(meanM[0]).blend(0f, mk.not());
                FloatVector d2 = o2.mul(nm).sub(meanM[1]).blend(0f, mk.not());
                FloatVector d3 = o3.mul(nm).sub(meanM[2]).blend(0f, mk.not());
                FloatVector rn = or.mul(nm);
                FloatVector e1 = rn.sub(meanM[0]).blend(0f, mk.not());
                FloatVector e2 = rn.sub(meanM[1]).blend(0f, mk.not());
                FloatVector e3 = rn.sub(meanM[2]).blend(0f, mk.not());
                v1 = d1.fma(d1, v1);
                v2 = d2.fma(d2, v2);
                v3 = d3.fma(d3, v3);
                r1 = e1.fma(e1, r1);
                r2 = e2.fma(e2, r2);
                r3 = e3.fma(e3, r3);
                o1.mul(b1).add(gv.mul(1 - b1)).intoArray(m1, i, mk);
                o2.mul(b2).add(gv.mul(1 - b2)).intoArray(m2, i, mk);
                o3.mul(b3).add(gv.mul(1 - b3)).intoArray(m3, i, mk);
                FloatVector g2 = gv.mul(gv);
                or.mul(br).add(g2.mul(1 - br)).intoArray(rms, i, mk);
                FloatVector gsq = g2.add(1e-30f);
                if (factored) {
                    FloatVector gm = gsq.blend(0f, mk.not());
                    rs = rs.add(gm);
                    FloatVector.fromArray(S, colSum, i - row * c, mk).add(gm).intoArray(colSum, i - row * c, mk);
                } else {
                    for (int k = 0; k < 3; k++) {
                        float b = VeloTensor.ADAFACTOR[k];
                        FloatVector.fromArray(S, st.vDiag[k], i, mk).mul(b).add(gsq.mul(1 - b))
                                .intoArray(st.vDiag[k], i, mk);
                    }
                }
                if (++since == 16) {
                    since = 0;
                    out[0] += VectorMath.sum(v1);
                    out[1] += VectorMath.sum(v2);
                    out[2] += VectorMath.sum(v3);
                    out[3] += VectorMath.sum(r1);
                    out[4] += VectorMath.sum(r2);
                    out[5] += VectorMath.sum(r3);
                    v1 = z;
                    v2 = z;
                    v3 = z;
                    r1 = z;
                    r2 = z;
                    r3 = z;
                }
            }
            if (factored) {
                rowSum[row] += VectorMath.sum(rs);
            }
            e = end;
        }
        out[0] += VectorMath.sum(v1);
        out[1] += VectorMath.sum(v2);
        out[2] += VectorMath.sum(v3);
        out[3] += VectorMath.sum(r1);
        out[4] += VectorMath.sum(r2);
        out[5] += VectorMath.sum(r3);
    }

    /**
     * The factored features as row-indexed and column-indexed arrays of a matrix: {@code byRow[ch]} (length rows) or
     * {@code byCol[ch]} (length cols) for channels 15..26, and the Adafactor factor F_k(i, j) = rowF[k][i] · colF[k][j].
     */
    private record Factored(float[][] byRow, float[][] byCol, float[][] rowF, float[][] colF) {
        static Factored of(VeloTensor st) {
            float[][][] fac = VeloReference.factors(st);
            float[][] byRow = new float[CH][];
            float[][] byCol = new float[CH][];
            float[][] rowF = new float[3][];
            float[][] colF = new float[3][];
            boolean rowIsI = st.d0 == 1; // v_row is indexed by the other axis than d0
            for (int k = 0; k < 3; k++) {
                float[] vr = st.vRow[k];
                float[] vc = st.vCol[k];
                float[] rr = new float[vr.length];
                float[] rc = new float[vc.length];
                for (int q = 0; q < vr.length; q++) {
                    rr[q] = VeloReference.rsqrt(vr[q] + 1e-8f);
                }
                for (int q = 0; q < vc.length; q++) {
                    rc[q] = VeloReference.rsqrt(vc[q] + 1e-8f);
                }
                float[][] rowSide = rowIsI ? byRow : byCol;
                float[][] colSide = rowIsI ? byCol : byRow;
                rowSide[15 + k] = vr;
                colSide[18 + k] = vc;
                rowSide[21 + k] = rr;
                colSide[24 + k] = rc;
                rowF[k] = rowIsI ? fac[0][k] : fac[1][k];
                colF[k] = rowIsI ? fac[1][k] : fac[0][k];
            }
            return new Factored(byRow, byCol, rowF, colF);
        }
    }

    /** The update of every element; see {@link VeloReference#apply}. */
    static void apply(VeloTensor st, float[] p, float[] g, float[] w, float scale, Parallel par) {
        int n = st.n;
        int nc = chunks(st);
        int cs = chunkSize(st);
        int c = cols(st);
        Factored f = st.factored ? Factored.of(st) : null;
        double[][] part = new double[nc][CH];
        par.forEach(nc, ci -> {
            int from = ci * cs;
            int to = Math.min(n, from + cs);
            float[] x = new float[CH * BLOCK];
            forBlocks(from, to, c, (row, e0, j0, cnt) -> {
                fill(st, f, p, g, row, e0, j0, cnt, x);
                for (int ch = 0; ch < CH; ch++) {
                    FloatVector acc = FloatVector.zero(S);
                    for (int q = 0; q < cnt; q += L) {
                        FloatVector v = FloatVector.fromArray(S, x, ch * BLOCK + q, S.indexInRange(q, cnt));
                        acc = v.fma(v, acc);
                    }
                    part[ci][ch] += VectorMath.sum(acc);
                }
            });
        });
        double[] sq = combine(part, CH);
        float[] w0 = new float[CH * VeloLayout.H1]; // the first layer with the normalisation folded in
        for (int ch = 0; ch < CH; ch++) {
            float norm = (float) (1 / Math.sqrt(1e-5 + sq[ch] / n));
            for (int u = 0; u < VeloLayout.H1; u++) {
                w0[ch * VeloLayout.H1 + u] = w[VeloLayout.W0 + ch * VeloLayout.H1 + u] * norm;
            }
        }
        par.forEach(nc, ci -> {
            int from = ci * cs;
            int to = Math.min(n, from + cs);
            float[] x = new float[CH * BLOCK];
            forBlocks(from, to, c, (row, e0, j0, cnt) -> {
                fill(st, f, p, g, row, e0, j0, cnt, x);
                mlp(x, cnt, w0, w, scale, p, e0);
            });
        });
    }

    private interface Block {
        void run(int row, int e0, int j0, int cnt);
    }

    /** Cuts [from, to) into blocks of at most BLOCK elements that do not cross a row. */
    private static void forBlocks(int from, int to, int c, Block body) {
        for (int e = from; e < to; ) {
            int row = e / c;
            int j0 = e - row * c;
            int cnt = Math.min(BLOCK, Math.min(to, (row + 1) * c) - e);
            body.run(row, e, j0, cnt);
            e += cnt;
        }
    }

    /** The 30 features of elements e0 .. e0 + cnt (row {@code row}, columns from j0) into x[ch · BLOCK + q]. */
    private static void fill(VeloTensor st, Factored f, float[] p, float[] g, int row, int e0, int j0, int cnt,
            float[] x) {
        for (int q = 0; q < cnt; q += L) {
            int e = e0 + q;
            int j = j0 + q;
            VectorMask<Float> mk = S.indexInRange(q, cnt);
            FloatVector gv = clipGradient(FloatVector.fromArray(S, g, e, mk));
            FloatVector rms = FloatVector.fromArray(S, st.rms, e, mk);
            FloatVector rs = rsqrt(rms.add(1e-6f));
            gv.intoArray(x, q);
            gv.max(-0.1f).min(0.1f).intoArray(x, BLOCK + q);
            FloatVector.fromArray(S, p, e, mk).intoArray(x, 2 * BLOCK + q);
            rms.intoArray(x, 6 * BLOCK + q);
            rs.intoArray(x, 10 * BLOCK + q);
            gv.mul(rs).intoArray(x, 14 * BLOCK + q);
            for (int k = 0; k < 3; k++) {
                FloatVector m = FloatVector.fromArray(S, st.m[k], e, mk);
                m.intoArray(x, (3 + k) * BLOCK + q);
                m.mul(rs).intoArray(x, (7 + k) * BLOCK + q);
                if (f != null) {
                    FloatVector fac = FloatVector.fromArray(S, f.colF[k], j, mk).mul(f.rowF[k][row]);
                    gv.mul(fac).intoArray(x, (11 + k) * BLOCK + q);
                    m.mul(fac).intoArray(x, (27 + k) * BLOCK + q);
                } else {
                    FloatVector v = FloatVector.fromArray(S, st.vDiag[k], e, mk);
                    FloatVector r8 = rsqrt(v.add(1e-8f));
                    gv.mul(rsqrt(v.add(1e-9f).max(1e-9f))).intoArray(x, (11 + k) * BLOCK + q);
                    v.intoArray(x, (15 + k) * BLOCK + q);
                    v.intoArray(x, (18 + k) * BLOCK + q);
                    r8.intoArray(x, (21 + k) * BLOCK + q);
                    r8.intoArray(x, (24 + k) * BLOCK + q);
                    m.mul(rsqrt(v)).intoArray(x, (27 + k) * BLOCK + q);
                }
            }
            if (f != null) {
                for (int ch = 15; ch < 27; ch++) {
                    FloatVector v = f.byCol[ch] != null ? FloatVector.fromArray(S, f.byCol[ch], j, mk)
                            : FloatVector.broadcast(S, f.byRow[ch][row]);
                    v.intoArray(x, ch * BLOCK + q);
                }
            }
        }
    }

    /** The mixed MLP over a block of materialised features, and the update of those elements. */
    private static void mlp(float[] x, int cnt, float[] w0, float[] w, float scale, float[] p, int e0) {
        final int h1 = VeloLayout.H1;
        for (int q = 0; q < cnt; q += L) {
            VectorMask<Float> mk = S.indexInRange(q, cnt);
            FloatVector a0 = FloatVector.broadcast(S, w[VeloLayout.B0]);
            FloatVector a1 = FloatVector.broadcast(S, w[VeloLayout.B0 + 1]);
            FloatVector a2 = FloatVector.broadcast(S, w[VeloLayout.B0 + 2]);
            FloatVector a3 = FloatVector.broadcast(S, w[VeloLayout.B0 + 3]);
            for (int ch = 0; ch < CH; ch++) {
                FloatVector v = FloatVector.fromArray(S, x, ch * BLOCK + q);
                a0 = v.fma(FloatVector.broadcast(S, w0[ch * h1]), a0);
                a1 = v.fma(FloatVector.broadcast(S, w0[ch * h1 + 1]), a1);
                a2 = v.fma(FloatVector.broadcast(S, w0[ch * h1 + 2]), a2);
                a3 = v.fma(FloatVector.broadcast(S, w0[ch * h1 + 3]), a3);
            }
            a0 = relu(a0);
            a1 = relu(a1);
            a2 = relu(a2);
            a3 = relu(a3);
            FloatVector k0 = relu(unit(w, VeloLayout.W1, VeloLayout.B1, VeloLayout.H2, 0, a0, a1, a2, a3));
            FloatVector k1 = relu(unit(w, VeloLayout.W1, VeloLayout.B1, VeloLayout.H2, 1, a0, a1, a2, a3));
            FloatVector k2 = relu(unit(w, VeloLayout.W1, VeloLayout.B1, VeloLayout.H2, 2, a0, a1, a2, a3));
            FloatVector k3 = relu(unit(w, VeloLayout.W1, VeloLayout.B1, VeloLayout.H2, 3, a0, a1, a2, a3));
            FloatVector d = unit(w, VeloLayout.W2, VeloLayout.B2, VeloLayout.OUT, 0, k0, k1, k2, k3);
            FloatVector mag = unit(w, VeloLayout.W2, VeloLayout.B2, VeloLayout.OUT, 1, k0, k1, k2, k3);
            FloatVector step = d.mul(scale).mul(VectorMath.exp(mag.mul(0.001f)));
            FloatVector.fromArray(S, p, e0 + q, mk).sub(step).intoArray(p, e0 + q, mk);
        }
    }

    private static FloatVector relu(FloatVector x) {
        return x.max(0f);
    }

    /** Unit j of a 4-input layer with {@code out} units: b[j] + Σ_k x_k · w[k][j]. */
    private static FloatVector unit(float[] w, int ow, int ob, int out, int j, FloatVector x0, FloatVector x1,
            FloatVector x2, FloatVector x3) {
        FloatVector s = FloatVector.broadcast(S, w[ob + j]);
        s = x0.fma(FloatVector.broadcast(S, w[ow + j]), s);
        s = x1.fma(FloatVector.broadcast(S, w[ow + out + j]), s);
        s = x2.fma(FloatVector.broadcast(S, w[ow + 2 * out + j]), s);
        return x3.fma(FloatVector.broadcast(S, w[ow + 3 * out + j]), s);
    }
}
