package io.lopt.optimizees.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lopt.kernels.Parallel;
import io.lopt.util.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GemmTest {
    private static final Parallel TWO = Parallel.of(2);

    static float[] random(int n, long seed) {
        float[] a = new float[n];
        new Rng(seed).fillNormal(a, 1.0);
        return a;
    }

    static void assertClose(float[] expected, float[] actual, int k) {
        // float sums of k products of N(0,1) values: error grows like sqrt(k) * eps * magnitude
        double tol = 2e-6 * Math.sqrt(k) * Math.max(1, Math.sqrt(k));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, "element " + i);
        }
    }

    @ParameterizedTest
    @CsvSource({"1,1,1", "3,5,7", "4,64,16", "5,65,17", "17,33,1", "128,128,784", "37,200,63", "64,10,128", "128,10,129",
        "2,300,5", "33,17,0"})
    void nnMatchesReference(int m, int n, int k) {
        float[] a = random(m * k, 1);
        float[] b = random(k * n, 2);
        float[] c0 = random(m * n, 3);
        float[] expected = c0.clone();
        float[] actual = c0.clone();
        GemmReference.gemm(m, n, k, a, k, 1, b, n, expected, n, true);
        Gemm.gemm(m, n, k, a, k, 1, b, n, actual, n, true, TWO);
        assertClose(expected, actual, k);
        GemmReference.gemm(m, n, k, a, k, 1, b, n, expected, n, false);
        Gemm.gemm(m, n, k, a, k, 1, b, n, actual, n, false, TWO);
        assertClose(expected, actual, k);
    }

    @ParameterizedTest
    @CsvSource({"1,1,1", "7,9,5", "784,128,128", "65,33,3", "128,10,128", "19,70,31"})
    void transposedAMatchesReference(int m, int n, int k) {
        // A is stored as [k × m] and read transposed, as in Xᵀ·dY
        float[] at = random(k * m, 4);
        float[] b = random(k * n, 5);
        float[] expected = new float[m * n];
        float[] actual = new float[m * n];
        GemmReference.gemm(m, n, k, at, 1, m, b, n, expected, n, false);
        Gemm.gemm(m, n, k, at, 1, m, b, n, actual, n, false, TWO);
        assertClose(expected, actual, k);
    }

    @ParameterizedTest
    @CsvSource({"1,1,1", "4,4,16", "5,7,17", "128,128,10", "128,1024,1024", "9,66,33", "3,2,100"})
    void ntMatchesReference(int m, int n, int k) {
        float[] a = random(m * k, 6);
        float[] b = random(n * k, 7);
        float[] expected = new float[m * n];
        float[] actual = new float[m * n];
        GemmReference.gemmNT(m, n, k, a, k, b, k, expected, n);
        Gemm.gemmNT(m, n, k, a, k, b, k, actual, n, TWO);
        assertClose(expected, actual, k);
    }

    @ParameterizedTest
    @CsvSource({"1,1,1", "3,5,7", "128,10,64", "64,10,128", "7,15,33", "130,3,9"})
    void columnsNarrowerThanAVectorEqualTheReferenceBitForBit(int m, int n, int k) {
        // fewer than a vector of columns take the masked tail, which rounds each product before adding it, exactly
        // as the scalar definition does (the 10-class readout of the MLP depends on it staying so)
        org.junit.jupiter.api.Assumptions.assumeTrue(n < Gemm.L);
        float[] a = random(m * k, 11);
        float[] b = random(k * n, 12);
        float[] c0 = random(m * n, 13);
        for (boolean acc : new boolean[] {false, true}) {
            float[] expected = c0.clone();
            float[] actual = c0.clone();
            GemmReference.gemm(m, n, k, a, k, 1, b, n, expected, n, acc);
            Gemm.gemm(m, n, k, a, k, 1, b, n, actual, n, acc, TWO);
            assertArrayEquals(expected, actual);
            float[] at = random(k * m, 14); // A read transposed, as in Xᵀ·dY
            GemmReference.gemm(m, n, k, at, 1, m, b, n, expected, n, acc);
            Gemm.gemm(m, n, k, at, 1, m, b, n, actual, n, acc, TWO);
            assertArrayEquals(expected, actual);
        }
    }

    @ParameterizedTest
    @CsvSource({"128,64,64", "128,64,10", "40,70,70", "33,17,9", "7,5,3", "130,257,31", "16,10,128", "1,1,1"})
    void ntEqualsTheTransposedFormulationBitForBit(int m, int n, int k) {
        // gemmNT once computed Cᵀ = B·Aᵀ with gemm and transposed it; it must still give those bits exactly
        float[] a = random(m * k, 15);
        float[] b = random(n * k, 16);
        float[] at = new float[k * m];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                at[p * m + i] = a[i * k + p];
            }
        }
        float[] ct = new float[n * m];
        Gemm.gemm(n, m, k, b, k, 1, at, m, ct, m, false, TWO);
        float[] expected = new float[m * n];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                expected[i * n + j] = ct[j * m + i];
            }
        }
        float[] actual = new float[m * n];
        Gemm.gemmNT(m, n, k, a, k, b, k, actual, n, TWO);
        assertArrayEquals(expected, actual);
    }

    @ParameterizedTest
    @CsvSource({"130,257,300", "128,1024,64"})
    void resultsDoNotDependOnThreadCount(int m, int n, int k) {
        float[] a = random(m * k, 8);
        float[] b = random(k * n, 9);
        float[] c1 = new float[m * n];
        float[] c2 = new float[m * n];
        float[] c3 = new float[m * n];
        Gemm.gemm(m, n, k, a, k, 1, b, n, c1, n, false, Parallel.serial());
        Gemm.gemm(m, n, k, a, k, 1, b, n, c2, n, false, TWO);
        try (Parallel three = Parallel.of(3)) {
            Gemm.gemm(m, n, k, a, k, 1, b, n, c3, n, false, three);
        }
        assertArrayEquals(c1, c2);
        assertArrayEquals(c1, c3);
        float[] bt = random(n * k, 10);
        Gemm.gemmNT(m, n, k, a, k, bt, k, c1, n, Parallel.serial());
        Gemm.gemmNT(m, n, k, a, k, bt, k, c2, n, TWO);
        assertArrayEquals(c1, c2);
    }
}
