package io.lopt.optimizees.kernels;

/**
 * Plain-loop matrix products: the readable definition of what {@link Gemm} computes, and its test oracle.
 * All matrices are row-major float arrays with explicit leading dimensions.
 */
public final class GemmReference {
    private GemmReference() {
    }

    /** C[M×N] (+)= A·B with A(i,k) = a[i·ars + k·acs] and B(k,j) = b[k·ldb + j]. */
    public static void gemm(int m, int n, int k, float[] a, int ars, int acs, float[] b, int ldb, float[] c, int ldc,
            boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[i * ars + p * acs] * b[p * ldb + j];
                }
                c[i * ldc + j] = accumulate ? c[i * ldc + j] + s : s;
            }
        }
    }

    /** C[M×N] = A·Bᵀ with A row-major [M×K] (lda) and B row-major [N×K] (ldb). */
    public static void gemmNT(int m, int n, int k, float[] a, int lda, float[] b, int ldb, float[] c, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[i * lda + p] * b[j * ldb + p];
                }
                c[i * ldc + j] = s;
            }
        }
    }
}
