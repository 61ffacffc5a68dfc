package io.lopt.optim;

/**
 * A family of learned optimizers: a fixed architecture and configuration whose behaviour is set by meta-parameters θ,
 * one flat float vector. {@link #withTheta} turns a θ into an ordinary {@link OptimizerFactory}; meta-training
 * perturbs and updates θ.
 */
public interface LearnedOptimizer {

    /** Whether its steps follow μP (scaled by each tensor's s_W): μLO, μVeLO. */
    boolean mup();

    /** The kind name written into checkpoints, e.g. {@code small_fc_lopt}. */
    String kind();

    /** Number of meta-parameters. */
    int thetaSize();

    /** A freshly initialised θ. */
    float[] initialTheta(long seed);

    /** The optimizer with meta-parameters θ. */
    OptimizerFactory withTheta(float[] theta);

    /** A copy of θ after checking its length and that every value is finite; {@code what} names the family. */
    static float[] checkedTheta(float[] theta, int size, String what) {
        if (theta.length != size) {
            throw new IllegalArgumentException("θ has " + theta.length + " values but " + what + " needs " + size);
        }
        for (int i = 0; i < theta.length; i++) {
            if (!Float.isFinite(theta[i])) {
                throw new IllegalArgumentException("θ[" + i + "] is " + theta[i] + ": meta-parameters must be finite");
            }
        }
        return theta.clone();
    }
}
