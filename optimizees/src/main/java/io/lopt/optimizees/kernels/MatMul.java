package io.lopt.optimizees.kernels;

import io.lopt.kernels.Parallel;
import io.lopt.kernels.VectorSupport;

/**
 * The matrix products the models use: {@link Gemm} (Vector API) when the JVM has {@code jdk.incubator.vector}
 * enabled, else its scalar definition {@link GemmReference} ({@link VectorSupport}). This class touches no Vector
 * API type, so it loads either way.
 */
public final class MatMul {
    private MatMul() {
    }

    /** C[M×N] (+)= A·B, as {@link Gemm#gemm}. */
    public static void gemm(int m, int n, int k, float[] a, int ars, int acs, float[] b, int ldb, float[] c, int ldc,
            boolean accumulate, Parallel par) {
        if (VectorSupport.AVAILABLE) {
            Gemm.gemm(m, n, k, a, ars, acs, b, ldb, c, ldc, accumulate, par);
        } else {
            GemmReference.gemm(m, n, k, a, ars, acs, b, ldb, c, ldc, accumulate);
        }
    }

    /** C[M×N] = A·Bᵀ, as {@link Gemm#gemmNT}. */
    public static void gemmNT(int m, int n, int k, float[] a, int lda, float[] b, int ldb, float[] c, int ldc,
            Parallel par) {
        if (VectorSupport.AVAILABLE) {
            Gemm.gemmNT(m, n, k, a, lda, b, ldb, c, ldc, par);
        } else {
            GemmReference.gemmNT(m, n, k, a, lda, b, ldb, c, ldc);
        }
    }
}
