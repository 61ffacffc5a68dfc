package io.lopt.optimizees.kernels;

import io.lopt.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Multi-threaded matrix products on the Java Vector API, the hot loops of the MLP's forward and backward passes.
 * {@link GemmReference} is the scalar twin; tests hold them together.
 *
 * <p>{@link #gemm} computes C = A·B with B row-major: the micro-kernel keeps a 4-row × 4-vector tile of C in
 * registers and, for each k, broadcasts four elements of A and loads four vectors of one row of B. A is read through
 * two strides, so Xᵀ·dY (the weight gradient) needs no transposed copy. {@link #gemmNT} computes A·Bᵀ as a 4×4 block
 * of dot products vectorised along k (the input gradient dY·Wᵀ, again with no transposed copy).
 *
 * <p>Work is cut into fixed tiles of C whatever the thread count and each element of C is summed in the same order by
 * one task, so results do not depend on the number of threads.
 */
public final class Gemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    private static final int MR = 4;
    private static final int NV = 4;
    private static final int NR = NV * L;
    private static final int TILE_M = 32;
    private static final int TILE_N = 4 * NR;

    private Gemm() {
    }

    /**
     * C[M×N] (+)= A·B with A(i,k) = a[i·ars + k·acs] (row-major A: ars = lda, acs = 1; transposed: ars = 1,
     * acs = lda) and B(k,j) = b[k·ldb + j].
     */
    public static void gemm(int m, int n, int k, float[] a, int ars, int acs, float[] b, int ldb, float[] c, int ldc,
            boolean accumulate, Parallel par) {
        checkDims(m, n, k);
        if (m == 0 || n == 0) {
            return;
        }
        int tilesM = (m + TILE_M - 1) / TILE_M;
        int tilesN = (n + TILE_N - 1) / TILE_N;
        par.forEach(tilesM * tilesN, t -> {
            int i0 = (t / tilesN) * TILE_M;
            int j0 = (t % tilesN) * TILE_N;
            tileNN(i0, Math.min(m, i0 + TILE_M), j0, Math.min(n, j0 + TILE_N), k, a, ars, acs, b, ldb, c, ldc,
                    accumulate);
        });
    }

    private static void tileNN(int i0, int i1, int j0, int j1, int k, float[] a, int ars, int acs, float[] b, int ldb,
            float[] c, int ldc, boolean acc) {
        int j = j0;
        for (; j + NR <= j1; j += NR) {
            int i = i0;
            for (; i + MR <= i1; i += MR) {
                micro4x4(i, j, k, a, ars, acs, b, ldb, c, ldc, acc);
            }
            for (; i < i1; i++) {
                micro1xV(i, j, NV, k, a, ars, acs, b, ldb, c, ldc, acc);
            }
        }
        for (; j + L <= j1; j += L) {
            for (int i = i0; i < i1; i++) {
                micro1xV(i, j, 1, k, a, ars, acs, b, ldb, c, ldc, acc);
            }
        }
        if (j < j1) {
            microTail(i0, i1, j, j1 - j, k, a, ars, acs, b, ldb, c, ldc, acc);
        }
    }

    /**
     * The last {@code cols} (fewer than a vector) columns of rows [i0, i1), as masked vectors, four rows at a time:
     * each element is Σ_p a·b summed in p order with the product rounded before the add (s = s + a·b, not a fused
     * multiply-add), as the scalar loop that this replaces computed it, so results are unchanged. The readout of
     * an MLP with 10 classes (forward and weight gradient) runs here.
     */
    private static void microTail(int i0, int i1, int j, int cols, int k, float[] a, int ars, int acs, float[] b,
            int ldb, float[] c, int ldc, boolean acc) {
        VectorMask<Float> mk = S.indexInRange(0, cols);
        int i = i0;
        for (; i + MR <= i1; i += MR) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            int a0 = i * ars;
            int a1 = a0 + ars;
            int a2 = a1 + ars;
            int a3 = a2 + ars;
            for (int p = 0, bo = j, ak = 0; p < k; p++, bo += ldb, ak += acs) {
                FloatVector bv = FloatVector.fromArray(S, b, bo, mk);
                s0 = s0.add(bv.mul(a[a0 + ak]));
                s1 = s1.add(bv.mul(a[a1 + ak]));
                s2 = s2.add(bv.mul(a[a2 + ak]));
                s3 = s3.add(bv.mul(a[a3 + ak]));
            }
            storeMasked(s0, c, i * ldc + j, acc, mk);
            storeMasked(s1, c, (i + 1) * ldc + j, acc, mk);
            storeMasked(s2, c, (i + 2) * ldc + j, acc, mk);
            storeMasked(s3, c, (i + 3) * ldc + j, acc, mk);
        }
        for (; i < i1; i++) {
            FloatVector s0 = FloatVector.zero(S);
            int a0 = i * ars;
            for (int p = 0, bo = j, ak = 0; p < k; p++, bo += ldb, ak += acs) {
                s0 = s0.add(FloatVector.fromArray(S, b, bo, mk).mul(a[a0 + ak]));
            }
            storeMasked(s0, c, i * ldc + j, acc, mk);
        }
    }

    private static void storeMasked(FloatVector v, float[] c, int off, boolean acc, VectorMask<Float> mk) {
        if (acc) {
            v = v.add(FloatVector.fromArray(S, c, off, mk));
        }
        v.intoArray(c, off, mk);
    }

    private static void micro4x4(int i, int j, int k, float[] a, int ars, int acs, float[] b, int ldb, float[] c,
            int ldc, boolean acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int a0 = i * ars;
        int a1 = a0 + ars;
        int a2 = a1 + ars;
        int a3 = a2 + ars;
        int bo = j;
        for (int p = 0; p < k; p++, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bo + 3 * L);
            int ak = p * acs;
            FloatVector x = FloatVector.broadcast(S, a[a0 + ak]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[a1 + ak]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, a[a2 + ak]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, a[a3 + ak]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
        }
        store(c00, c, i * ldc + j, acc);
        store(c01, c, i * ldc + j + L, acc);
        store(c02, c, i * ldc + j + 2 * L, acc);
        store(c03, c, i * ldc + j + 3 * L, acc);
        store(c10, c, (i + 1) * ldc + j, acc);
        store(c11, c, (i + 1) * ldc + j + L, acc);
        store(c12, c, (i + 1) * ldc + j + 2 * L, acc);
        store(c13, c, (i + 1) * ldc + j + 3 * L, acc);
        store(c20, c, (i + 2) * ldc + j, acc);
        store(c21, c, (i + 2) * ldc + j + L, acc);
        store(c22, c, (i + 2) * ldc + j + 2 * L, acc);
        store(c23, c, (i + 2) * ldc + j + 3 * L, acc);
        store(c30, c, (i + 3) * ldc + j, acc);
        store(c31, c, (i + 3) * ldc + j + L, acc);
        store(c32, c, (i + 3) * ldc + j + 2 * L, acc);
        store(c33, c, (i + 3) * ldc + j + 3 * L, acc);
    }

    /** One row of C, {@code nv} vectors wide (1..4). */
    private static void micro1xV(int i, int j, int nv, int k, float[] a, int ars, int acs, float[] b, int ldb,
            float[] c, int ldc, boolean acc) {
        for (int v = 0; v < nv; v++) {
            FloatVector s = FloatVector.zero(S);
            int ai = i * ars;
            int bo = j + v * L;
            for (int p = 0; p < k; p++, bo += ldb) {
                s = FloatVector.broadcast(S, a[ai + p * acs]).fma(FloatVector.fromArray(S, b, bo), s);
            }
            store(s, c, i * ldc + j + v * L, acc);
        }
    }

    private static void store(FloatVector v, float[] c, int off, boolean acc) {
        if (acc) {
            v = v.add(FloatVector.fromArray(S, c, off));
        }
        v.intoArray(c, off);
    }

    /**
     * C[M×N] = A·Bᵀ with A row-major [M×K] (lda) and B row-major [N×K] (ldb): B (a weight matrix in the MLP's
     * backward pass) is transposed once and C computed with the broadcast kernel, A and C are used in place.
     *
     * <p>Each element is Σ_p A(i,p)·B(j,p) summed in p order from 0 with fused multiply-adds, except in the last
     * M mod L rows, which round each product before adding it. That split is not arbitrary: it is exactly what this
     * method computed before (it ran Cᵀ = B·Aᵀ through {@link #gemm}, whose last columns narrower than a vector do
     * not fuse), kept so that every result of the project stays the same bit for bit ({@code GemmTest}).
     */
    public static void gemmNT(int m, int n, int k, float[] a, int lda, float[] b, int ldb, float[] c, int ldc,
            Parallel par) {
        checkDims(m, n, k);
        if (m == 0 || n == 0) {
            return;
        }
        float[] bt = new float[k * n];
        transpose(b, n, k, ldb, bt, n, par);
        int fusedRows = m - m % L;
        int tilesM = (m + TILE_M - 1) / TILE_M;
        int tilesN = (n + TILE_N - 1) / TILE_N;
        par.forEach(tilesM * tilesN, t -> {
            int i0 = (t / tilesN) * TILE_M;
            int j0 = (t % tilesN) * TILE_N;
            tileNT(i0, Math.min(m, i0 + TILE_M), j0, Math.min(n, j0 + TILE_N), k, a, lda, bt, n, c, ldc,
                    fusedRows);
        });
    }

    /** A tile of {@link #gemmNT} with B already transposed: rows below {@code fusedRows} fused, the others not. */
    private static void tileNT(int i0, int i1, int j0, int j1, int k, float[] a, int lda, float[] bt, int ldb,
            float[] c, int ldc, int fusedRows) {
        int iF = Math.max(i0, Math.min(i1, fusedRows));
        int j = j0;
        for (; j + NR <= j1; j += NR) {
            int i = i0;
            for (; i + MR <= iF; i += MR) {
                micro4x4(i, j, k, a, lda, 1, bt, ldb, c, ldc, false);
            }
            for (; i < iF; i++) {
                micro1xV(i, j, NV, k, a, lda, 1, bt, ldb, c, ldc, false);
            }
        }
        for (; j + L <= j1; j += L) {
            for (int i = i0; i < iF; i++) {
                micro1xV(i, j, 1, k, a, lda, 1, bt, ldb, c, ldc, false);
            }
        }
        if (j < j1) { // the last columns, narrower than a vector: masked, still fused
            VectorMask<Float> mk = S.indexInRange(0, j1 - j);
            for (int i = i0; i < iF; i++) {
                FloatVector s0 = FloatVector.zero(S);
                for (int p = 0, bo = j, ai = i * lda; p < k; p++, bo += ldb, ai++) {
                    s0 = FloatVector.broadcast(S, a[ai]).fma(FloatVector.fromArray(S, bt, bo, mk), s0);
                }
                s0.intoArray(c, i * ldc + j, mk);
            }
        }
        for (int i = iF; i < i1; i++) { // the last M mod L rows: products rounded before the add
            for (int jj = j0; jj < j1; jj += L) {
                VectorMask<Float> mk = S.indexInRange(jj, j1);
                FloatVector s0 = FloatVector.zero(S);
                for (int p = 0, bo = jj, ai = i * lda; p < k; p++, bo += ldb, ai++) {
                    s0 = s0.add(FloatVector.fromArray(S, bt, bo, mk).mul(a[ai]));
                }
                s0.intoArray(c, i * ldc + jj, mk);
            }
        }
    }

    /** out[j][i] = in[i][j] for an [rows × cols] matrix, in cache-friendly blocks, in parallel over row blocks. */
    static void transpose(float[] in, int rows, int cols, int ldIn, float[] out, int ldOut, Parallel par) {
        final int blk = 32;
        par.forEach((rows + blk - 1) / blk, bi -> {
            int i0 = bi * blk;
            int i1 = Math.min(rows, i0 + blk);
            for (int j0 = 0; j0 < cols; j0 += blk) {
                int j1 = Math.min(cols, j0 + blk);
                for (int i = i0; i < i1; i++) {
                    int o = i * ldIn;
                    for (int j = j0; j < j1; j++) {
                        out[j * ldOut + i] = in[o + j];
                    }
                }
            }
        });
    }

    private static void checkDims(int m, int n, int k) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative matrix dimension: m=" + m + " n=" + n + " k=" + k);
        }
    }
}
