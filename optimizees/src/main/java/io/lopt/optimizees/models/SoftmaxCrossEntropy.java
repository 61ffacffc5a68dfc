package io.lopt.optimizees.models;

/** Softmax cross-entropy over rows of logits, computed stably (max subtracted) with double accumulation. */
public final class SoftmaxCrossEntropy {
    private SoftmaxCrossEntropy() {
    }

    /**
     * Mean cross-entropy of {@code batch} rows; writes d(mean loss)/d(logits) = (softmax − onehot) / batch into
     * {@code grad}. A non-finite logit gives a NaN loss (and NaN gradient) rather than an exception: training loops
     * detect divergence from the loss.
     */
    public static double lossAndGradient(float[] logits, int[] y, int batch, int classes, float[] grad) {
        double total = 0;
        double inv = 1.0 / batch;
        for (int r = 0; r < batch; r++) {
            int o = r * classes;
            int label = y[r];
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("label " + label + " at row " + r + " is outside [0, " + classes + ")");
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits[o + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[o + c] - max);
            }
            double logSum = Math.log(sum) + max;
            total += logSum - logits[o + label];
            for (int c = 0; c < classes; c++) {
                double p = Math.exp(logits[o + c] - logSum);
                grad[o + c] = (float) ((p - (c == label ? 1.0 : 0.0)) * inv);
            }
        }
        return total * inv;
    }

    /** Number of rows whose arg-max logit is the label. */
    public static int correct(float[] logits, int[] y, int batch, int classes) {
        int n = 0;
        for (int r = 0; r < batch; r++) {
            int o = r * classes;
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (logits[o + c] > logits[o + best]) {
                    best = c;
                }
            }
            if (best == y[r]) {
                n++;
            }
        }
        return n;
    }
}
