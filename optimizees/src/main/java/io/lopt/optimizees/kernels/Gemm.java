package io.lopt.optimizees.kernels;

import io.lopt.kernels.Parallel;
import io.lopt.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
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
            for (int i = i0; i < i1; i++) {
                for (int jj = j; jj < j1; jj++) {
                    float s = 0;
                    int ai = i * ars;
                    for (int p = 0; p < k; p++) {
                        s += a[ai + p * acs] * b[p * ldb + jj];
                    }
                    c[i * ldc + jj] = acc ? c[i * ldc + jj] + s : s;
                }
            }
        }
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

    /** C[M×N] = A·Bᵀ with A row-major [M×K] (lda) and B row-major [N×K] (ldb). */
    public static void gemmNT(int m, int n, int k, float[] a, int lda, float[] b, int ldb, float[] c, int ldc,
            Parallel par) {
        checkDims(m, n, k);
        if (m == 0 || n == 0) {
            return;
        }
        final int tm = 16;
        final int tn = 64;
        int tilesM = (m + tm - 1) / tm;
        int tilesN = (n + tn - 1) / tn;
        par.forEach(tilesM * tilesN, t -> {
            int i0 = (t / tilesN) * tm;
            int j0 = (t % tilesN) * tn;
            tileNT(i0, Math.min(m, i0 + tm), j0, Math.min(n, j0 + tn), k, a, lda, b, ldb, c, ldc);
        });
    }

    private static void tileNT(int i0, int i1, int j0, int j1, int k, float[] a, int lda, float[] b, int ldb,
            float[] c, int ldc) {
        int kv = k - k % L;
        int i = i0;
        for (; i + 4 <= i1; i += 4) {
            int j = j0;
            for (; j + 4 <= j1; j += 4) {
                dot4x4(i, j, k, kv, a, lda, b, ldb, c, ldc);
            }
            for (; j < j1; j++) {
                for (int ii = i; ii < i + 4; ii++) {
                    c[ii * ldc + j] = dot(a, ii * lda, b, j * ldb, k, kv);
                }
            }
        }
        for (; i < i1; i++) {
            for (int j = j0; j < j1; j++) {
                c[i * ldc + j] = dot(a, i * lda, b, j * ldb, k, kv);
            }
        }
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int k, int kv) {
        FloatVector s = FloatVector.zero(S);
        for (int p = 0; p < kv; p += L) {
            s = FloatVector.fromArray(S, a, ao + p).fma(FloatVector.fromArray(S, b, bo + p), s);
        }
        float r = (float) VectorMath.sum(s);
        for (int p = kv; p < k; p++) {
            r += a[ao + p] * b[bo + p];
        }
        return r;
    }

    private static void dot4x4(int i, int j, int k, int kv, float[] a, int lda, float[] b, int ldb, float[] c,
            int ldc) {
        FloatVector s00 = FloatVector.zero(S), s01 = s00, s02 = s00, s03 = s00;
        FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00;
        FloatVector s30 = s00, s31 = s00, s32 = s00, s33 = s00;
        int a0 = i * lda;
        int a1 = a0 + lda;
        int a2 = a1 + lda;
        int a3 = a2 + lda;
        int b0 = j * ldb;
        int b1 = b0 + ldb;
        int b2 = b1 + ldb;
        int b3 = b2 + ldb;
        for (int p = 0; p < kv; p += L) {
            FloatVector y0 = FloatVector.fromArray(S, b, b0 + p);
            FloatVector y1 = FloatVector.fromArray(S, b, b1 + p);
            FloatVector y2 = FloatVector.fromArray(S, b, b2 + p);
            FloatVector y3 = FloatVector.fromArray(S, b, b3 + p);
            FloatVector x = FloatVector.fromArray(S, a, a0 + p);
            s00 = x.fma(y0, s00);
            s01 = x.fma(y1, s01);
            s02 = x.fma(y2, s02);
            s03 = x.fma(y3, s03);
            x = FloatVector.fromArray(S, a, a1 + p);
            s10 = x.fma(y0, s10);
            s11 = x.fma(y1, s11);
            s12 = x.fma(y2, s12);
            s13 = x.fma(y3, s13);
            x = FloatVector.fromArray(S, a, a2 + p);
            s20 = x.fma(y0, s20);
            s21 = x.fma(y1, s21);
            s22 = x.fma(y2, s22);
            s23 = x.fma(y3, s23);
            x = FloatVector.fromArray(S, a, a3 + p);
            s30 = x.fma(y0, s30);
            s31 = x.fma(y1, s31);
            s32 = x.fma(y2, s32);
            s33 = x.fma(y3, s33);
        }
        FloatVector[] s = {s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33};
        int[] ao = {a0, a1, a2, a3};
        int[] bo = {b0, b1, b2, b3};
        for (int r = 0; r < 4; r++) {
            for (int q = 0; q < 4; q++) {
                float v = (float) VectorMath.sum(s[r * 4 + q]);
                for (int p = kv; p < k; p++) {
                    v += a[ao[r] + p] * b[bo[q] + p];
                }
                c[(i + r) * ldc + j + q] = v;
            }
        }
    }

    private static void checkDims(int m, int n, int k) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative matrix dimension: m=" + m + " n=" + n + " k=" + k);
        }
    }
}
