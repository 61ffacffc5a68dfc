package io.lopt.optimizees.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.lopt.util.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The vector element-wise loops equal their scalar definitions bit for bit, on awkward sizes and special values. */
class ElementwiseTest {
    static float[] awkward(int n, long seed) {
        float[] x = GemmTest.random(n, seed);
        // zeros of both signs, NaN and infinities where the loops branch
        for (int i = 0; i < n; i += 7) {
            x[i] = switch ((i / 7) % 5) {
                case 0 -> 0f;
                case 1 -> -0f;
                case 2 -> Float.NaN;
                case 3 -> Float.NEGATIVE_INFINITY;
                default -> Float.POSITIVE_INFINITY;
            };
        }
        return x;
    }

    @ParameterizedTest
    @CsvSource({"1,1", "3,5", "128,64", "7,10", "5,17", "2,33", "128,10"})
    void biasReluMatchesItsDefinition(int rows, int cols) {
        float[] z = awkward(rows * cols, 1);
        float[] b = GemmTest.random(cols, 2);
        float[] want = z.clone();
        Elementwise.biasReluReference(want, rows, cols, b);
        ElementwiseKernel.biasRelu(z, rows, cols, b);
        assertArrayEquals(want, z);
    }

    @ParameterizedTest
    @CsvSource({"1", "15", "16", "17", "8192", "1283"})
    void reluMaskMatchesItsDefinition(int n) {
        float[] h = awkward(n, 3);
        float[] d = awkward(n, 4);
        float[] want = d.clone();
        Elementwise.reluMaskReference(h, want, n);
        ElementwiseKernel.reluMask(h, d, n);
        assertArrayEquals(want, d);
    }

    @ParameterizedTest
    @CsvSource({"1,1", "3,5", "128,64", "128,10", "5,17", "37,33"})
    void columnSumsMatchItsDefinition(int rows, int cols) {
        float[] m = GemmTest.random(rows * cols, 5);
        float[] want = new float[cols];
        float[] got = new float[cols];
        java.util.Arrays.fill(got, 42f);
        Elementwise.columnSumsReference(m, rows, cols, want);
        ElementwiseKernel.columnSums(m, rows, cols, got);
        assertArrayEquals(want, got);
    }

    @ParameterizedTest
    @CsvSource({"1", "10", "1280", "33"})
    void scaleMatchesItsDefinition(int n) {
        float[] x = awkward(n, 6);
        float[] want = x.clone();
        float s = new Rng(7).nextFloat() / 64;
        Elementwise.scaleReference(want, n, s);
        ElementwiseKernel.scale(x, n, s);
        assertArrayEquals(want, x);
    }
}
