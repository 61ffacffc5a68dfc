package io.lopt.optimizees.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ResampleTest {
    @Test
    void halvingAveragesTwoByTwoBlocks() {
        float[] img = new float[28 * 28];
        for (int i = 0; i < img.length; i++) {
            img[i] = i;
        }
        float[] out = Resample.areaAverage(img, 1, 28, 14);
        // block (r, c) covers rows 2r, 2r+1 and columns 2c, 2c+1
        for (int r = 0; r < 14; r++) {
            for (int c = 0; c < 14; c++) {
                float expect = (img[2 * r * 28 + 2 * c] + img[2 * r * 28 + 2 * c + 1] + img[(2 * r + 1) * 28 + 2 * c]
                        + img[(2 * r + 1) * 28 + 2 * c + 1]) / 4;
                assertEquals(expect, out[r * 14 + c], 1e-3);
            }
        }
    }

    @Test
    void fractionalFactorWeighsPartialPixels() {
        // 28 -> 8: each output covers 3.5 input pixels; output 1 covers [3.5, 7): half of pixel 3 and pixels 4..6
        double[][] w = Resample.weights(28, 8);
        assertEquals(0.5 / 3.5, w[1][3], 1e-12);
        assertEquals(1 / 3.5, w[1][4], 1e-12);
        assertEquals(0, w[1][7], 1e-12);
        for (double[] row : w) {
            double s = 0;
            for (double v : row) {
                s += v;
            }
            assertEquals(1.0, s, 1e-12);
        }
        float[] ones = new float[2 * 28 * 28];
        java.util.Arrays.fill(ones, 3f);
        for (float v : Resample.areaAverage(ones, 2, 28, 8)) {
            assertEquals(3f, v, 1e-5);
        }
    }
}
