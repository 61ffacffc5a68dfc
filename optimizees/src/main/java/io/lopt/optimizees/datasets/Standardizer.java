package io.lopt.optimizees.datasets;

/**
 * Per-feature standardisation {@code (x − mean) / std}, fitted on a training split. Features that are constant in the
 * training split (std below 1e-6, e.g. always-black corner pixels) are only centred.
 */
public record Standardizer(float[] mean, float[] std) {

    public static Standardizer fit(float[] x, int n, int features) {
        double[] sum = new double[features];
        double[] sq = new double[features];
        for (int i = 0; i < n; i++) {
            int off = i * features;
            for (int j = 0; j < features; j++) {
                double v = x[off + j];
                sum[j] += v;
                sq[j] += v * v;
            }
        }
        float[] mean = new float[features];
        float[] std = new float[features];
        for (int j = 0; j < features; j++) {
            double m = sum[j] / n;
            double var = Math.max(0, sq[j] / n - m * m);
            mean[j] = (float) m;
            double s = Math.sqrt(var);
            std[j] = s < 1e-6 ? 1f : (float) s;
        }
        return new Standardizer(mean, std);
    }

    public void apply(float[] x, int n) {
        int f = mean.length;
        for (int i = 0; i < n; i++) {
            int off = i * f;
            for (int j = 0; j < f; j++) {
                x[off + j] = (x[off + j] - mean[j]) / std[j];
            }
        }
    }
}
