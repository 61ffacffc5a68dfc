package io.lopt.metatrain.outer;

/**
 * AdamW on θ (bias-corrected moments, decoupled weight decay), whose update {@code lr · (m̂/(√v̂ + ε) + wd·θ)} is
 * clipped to a global norm (docs/spec.md §4). The moments are kept in double precision; the state is the two moment vectors
 * and the step count.
 */
public final class OuterAdamW {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final double clipNorm;
    private double[] m;
    private double[] v;
    private long step;

    public OuterAdamW(int size, double beta1, double beta2, double eps, double weightDecay, double clipNorm) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.clipNorm = clipNorm;
        this.m = new double[size];
        this.v = new double[size];
    }

    /** Applies one update to θ in place and returns the norm of the update (after clipping). */
    public double update(float[] theta, double[] grad, double lr) {
        step++;
        double c1 = 1 - Math.pow(beta1, step);
        double c2 = 1 - Math.pow(beta2, step);
        double[] u = new double[theta.length];
        double norm = 0;
        for (int i = 0; i < theta.length; i++) {
            m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
            v[i] = beta2 * v[i] + (1 - beta2) * grad[i] * grad[i];
            u[i] = lr * ((m[i] / c1) / (Math.sqrt(v[i] / c2) + eps) + weightDecay * theta[i]);
            norm += u[i] * u[i];
        }
        norm = Math.sqrt(norm);
        double s = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1.0;
        for (int i = 0; i < theta.length; i++) {
            theta[i] = (float) (theta[i] - s * u[i]);
        }
        return norm * s;
    }

    public long step() {
        return step;
    }

    public double[] firstMoment() {
        return m.clone();
    }

    public double[] secondMoment() {
        return v.clone();
    }

    /** Restores a saved state. */
    public void restore(double[] m1, double[] m2, long steps) {
        if (m1.length != m.length || m2.length != v.length) {
            throw new IllegalArgumentException("outer optimizer state has " + m1.length + " entries, expected " + m.length);
        }
        this.m = m1.clone();
        this.v = m2.clone();
        this.step = steps;
    }
}
