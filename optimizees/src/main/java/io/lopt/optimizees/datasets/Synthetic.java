package io.lopt.optimizees.datasets;

import io.lopt.util.Rng;

/**
 * A synthetic classification family generated from a seed: standard Gaussian inputs labelled by a random teacher MLP
 * ({@code features → 64 → classes}, ReLU, argmax). Needs no files; used by tests and as an out-of-distribution task.
 */
public final class Synthetic {
    public static final int TEACHER_WIDTH = 64;

    private Synthetic() {
    }

    public static Dataset generate(long seed, int features, int classes, int nTrain, int nTest) {
        if (features < 1 || classes < 2 || nTrain < 1 || nTest < 1) {
            throw new IllegalArgumentException("synthetic dataset needs features >= 1, classes >= 2 and non-empty splits");
        }
        Rng teacherRng = Rng.derive(seed, Rng.hash("synthetic/teacher"));
        float[] w1 = new float[features * TEACHER_WIDTH];
        float[] b1 = new float[TEACHER_WIDTH];
        float[] w2 = new float[TEACHER_WIDTH * classes];
        teacherRng.fillNormal(w1, 1.0 / Math.sqrt(features));
        teacherRng.fillNormal(b1, 0.5);
        teacherRng.fillNormal(w2, 1.0 / Math.sqrt(TEACHER_WIDTH));
        Split train = sample(Rng.derive(seed, Rng.hash("synthetic/train")), nTrain, features, classes, w1, b1, w2);
        Split test = sample(Rng.derive(seed, Rng.hash("synthetic/test")), nTest, features, classes, w1, b1, w2);
        return new Dataset("synthetic-" + features + "d-" + classes + "c-s" + seed, features, classes, train, test);
    }

    private static Split sample(Rng rng, int n, int f, int classes, float[] w1, float[] b1, float[] w2) {
        float[] x = new float[n * f];
        rng.fillNormal(x, 1.0);
        int[] y = new int[n];
        double[] h = new double[TEACHER_WIDTH];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < TEACHER_WIDTH; j++) {
                double s = b1[j];
                for (int k = 0; k < f; k++) {
                    s += x[i * f + k] * w1[k * TEACHER_WIDTH + j];
                }
                h[j] = Math.max(0, s);
            }
            int best = 0;
            double bestV = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double s = 0;
                for (int j = 0; j < TEACHER_WIDTH; j++) {
                    s += h[j] * w2[j * classes + c];
                }
                if (s > bestV) {
                    bestV = s;
                    best = c;
                }
            }
            y[i] = best;
        }
        return new Split(x, y, n, f);
    }
}
