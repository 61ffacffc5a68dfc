package io.lopt.evaluation.report;

/**
 * The light smoothing of the loss-curve plots: each point is the mean of the (seed-averaged) minibatch losses in a
 * window centred on it, {@code 2h + 1} steps wide with h = ⌊horizon / 200⌋ (11 steps for a 1000-step run, 251 for
 * 25,000), cut short at the ends of the curve. Centred, so the smoothed curve does not lag behind the raw one as a
 * trailing average or an exponential moving average would.
 */
final class CurveSmoothing {
    private CurveSmoothing() {
    }

    /** h: the window reaches this many steps to each side. */
    static int halfWidth(int horizon) {
        return Math.max(0, horizon / 200);
    }

    /** The plots' caption of the smoothing for a run of {@code horizon} steps. */
    static String describe(int horizon) {
        int w = 2 * halfWidth(horizon) + 1;
        return w == 1 ? "not smoothed" : "centred moving average over " + w + " steps";
    }

    /** out[i] = mean of x[i − h … i + h] (the part of it inside x); a non-finite value spoils only its window. */
    static double[] centredMovingAverage(double[] x, int h) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int from = Math.max(0, i - h);
            int to = Math.min(x.length - 1, i + h);
            double s = 0;
            for (int j = from; j <= to; j++) {
                s += x[j];
            }
            out[i] = s / (to - from + 1);
        }
        return out;
    }
}
