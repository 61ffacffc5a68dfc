package io.lopt.evaluation.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.statistics.descriptive.Mean;
import org.apache.commons.statistics.descriptive.StandardDeviation;
import org.apache.commons.statistics.inference.TTest;

/** The statistics of the evaluation reports: summaries over seeds, ranks, and a paired test. */
public final class Stats {
    private Stats() {
    }

    /**
     * Mean ± standard error over the finite values; NaN values count as diverged runs.
     *
     * @param n the number of finite values
     */
    public record Summary(double mean, double se, int n, int diverged) {
        /** "mean ± se", "mean ± n/a" from a single value (no standard error), "(k div.)" appended; "diverged". */
        public String format() {
            return format(1, "%.4f", "");
        }

        /** The same for a fraction shown in percent ("86.29% ± 0.10"). */
        public String formatPercent() {
            return format(100, "%.2f", "%");
        }

        private String format(double scale, String number, String unit) {
            if (n == 0) {
                return "diverged";
            }
            String s = String.format(java.util.Locale.ROOT, number, scale * mean) + unit + " ± "
                    + (n < 2 ? "n/a" : String.format(java.util.Locale.ROOT, number, scale * se));
            return diverged > 0 ? s + " (" + diverged + " div.)" : s;
        }
    }

    public static Summary summarize(double[] values) {
        double[] finite = Arrays.stream(values).filter(Double::isFinite).toArray();
        int diverged = values.length - finite.length;
        if (finite.length == 0) {
            return new Summary(Double.NaN, Double.NaN, 0, diverged);
        }
        double mean = Mean.of(finite).getAsDouble();
        double se = finite.length < 2 ? 0 : StandardDeviation.of(finite).getAsDouble() / Math.sqrt(finite.length);
        return new Summary(mean, se, finite.length, diverged);
    }

    /**
     * Ranks (1 = lowest value); NaN and infinite values rank last; ties share the mean of their positions.
     */
    public static double[] ranks(double[] values) {
        int n = values.length;
        double[] key = new double[n];
        for (int i = 0; i < n; i++) {
            key[i] = Double.isFinite(values[i]) ? values[i] : Double.POSITIVE_INFINITY;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(key[a], key[b]));
        double[] r = new double[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && Double.compare(key[order[j + 1]], key[order[i]]) == 0) {
                j++;
            }
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = avg;
            }
            i = j + 1;
        }
        return r;
    }

    /**
     * A paired t-test of a − b over the pairs where both are finite (two-sided).
     *
     * @param meanDiff mean of a − b (negative: a is lower, i.e. better for losses)
     * @param p        the two-sided p-value, NaN with fewer than 2 pairs or no variation
     */
    public record Paired(int n, double meanDiff, double t, double p) {
    }

    public static Paired paired(double[] a, double[] b) {
        List<double[]> pairs = new ArrayList<>();
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            if (Double.isFinite(a[i]) && Double.isFinite(b[i])) {
                pairs.add(new double[] {a[i], b[i]});
            }
        }
        int n = pairs.size();
        double[] x = new double[n];
        double[] y = new double[n];
        double d = 0;
        for (int i = 0; i < n; i++) {
            x[i] = pairs.get(i)[0];
            y[i] = pairs.get(i)[1];
            d += (x[i] - y[i]) / Math.max(1, n);
        }
        if (n < 2) {
            return new Paired(n, n == 1 ? d : Double.NaN, Double.NaN, Double.NaN);
        }
        boolean constant = true;
        for (int i = 1; i < n; i++) {
            constant &= Double.compare(x[i] - y[i], x[0] - y[0]) == 0;
        }
        if (constant) {
            return new Paired(n, d, Double.NaN, Double.NaN);
        }
        TTest.Result r = TTest.withDefaults().pairedTest(x, y);
        return new Paired(n, d, r.getStatistic(), r.getPValue());
    }
}
