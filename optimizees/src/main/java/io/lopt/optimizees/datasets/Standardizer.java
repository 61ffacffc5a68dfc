package io.lopt.optimizees.datasets;

/**
 * Standardisation with one mean and one standard deviation for the whole dataset, {@code (x − mean) / std}, fitted
 * on the training split over every feature of every example. The μLO paper's code and learned_optimization scale
 * images with one statistic per channel (or x/255); per-pixel statistics would blow up pixels that are almost
 * constant in the training split (some Fashion-MNIST border pixels have std 3.6e-4, giving |z| up to 185). See
 * docs/meta-training.md.
 */
public record Standardizer(float mean, float std) {

    public static Standardizer fit(float[] x, int n, int features) {
        long count = (long) n * features;
        if (count == 0) {
            throw new IllegalArgumentException("cannot fit a standardiser on an empty split");
        }
        double sum = 0;
        for (long i = 0; i < count; i++) {
            sum += x[(int) i];
        }
        double mean = sum / count;
        double sq = 0;
        for (long i = 0; i < count; i++) {
            double d = x[(int) i] - mean;
            sq += d * d;
        }
        double s = Math.sqrt(sq / count);
        return new Standardizer((float) mean, s < 1e-6 ? 1f : (float) s);
    }

    public void apply(float[] x, int n) {
        for (int i = 0; i < x.length; i++) {
            x[i] = (x[i] - mean) / std;
        }
    }
}
