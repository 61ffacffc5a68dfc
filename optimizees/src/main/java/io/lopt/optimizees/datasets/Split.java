package io.lopt.optimizees.datasets;

/** One split of a classification dataset: {@code n} rows of {@code features} floats, row-major, and their labels. */
public record Split(float[] x, int[] y, int n, int features) {
    public Split {
        if (x.length != (long) n * features) {
            throw new IllegalArgumentException("split has " + x.length + " values, expected " + n + " x " + features);
        }
        if (y.length != n) {
            throw new IllegalArgumentException("split has " + y.length + " labels, expected " + n);
        }
    }
}
