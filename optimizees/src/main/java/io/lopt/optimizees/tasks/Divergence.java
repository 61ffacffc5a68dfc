package io.lopt.optimizees.tasks;

/**
 * When a training run counts as diverged (the evaluation stops it there and ranks it last): its minibatch loss is not
 * finite, or the mean of its last {@value #WINDOW} minibatch losses exceeds {@code factor} × its first loss. A mean,
 * not one loss: a single noisy minibatch above the threshold is not a divergence, a loss that stays up is. Until
 * {@value #WINDOW} losses have been seen only a non-finite loss counts.
 *
 * <p>One instance follows one run: {@link #observe} is called with each step's loss, in order.
 */
public final class Divergence {
    /** How many of the latest minibatch losses are averaged. */
    public static final int WINDOW = 20;

    private final double factor;
    private final double[] recent = new double[WINDOW];
    private double first = Double.NaN;
    private long seen;

    /** @param factor the threshold as a multiple of the first loss (≤ 0: only a non-finite loss counts) */
    public Divergence(double factor) {
        if (Double.isNaN(factor)) {
            throw new IllegalArgumentException("the divergence factor must be a number, got NaN");
        }
        this.factor = factor;
    }

    /** Records the loss of the next step and says whether the run has diverged at it. */
    public boolean observe(double loss) {
        if (!Double.isFinite(loss)) {
            return true;
        }
        if (seen == 0) {
            first = loss;
        }
        recent[(int) (seen % WINDOW)] = loss;
        seen++;
        if (factor <= 0 || seen < WINDOW) {
            return false;
        }
        double sum = 0;
        for (int i = 0; i < WINDOW; i++) {
            sum += recent[(int) ((seen + i) % WINDOW)]; // oldest first
        }
        return sum / WINDOW > factor * first;
    }

    /** One line for reports: the rule with this factor. */
    public static String describe(double factor) {
        return "a non-finite minibatch loss, or a mean of the last " + WINDOW + " minibatch losses above " + factor
                + "× the first loss";
    }
}
