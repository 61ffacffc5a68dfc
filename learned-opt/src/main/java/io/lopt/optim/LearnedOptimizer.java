package io.lopt.optim;

/**
 * A family of learned optimizers: a fixed architecture and configuration whose behaviour is set by meta-parameters θ,
 * one flat float vector. {@link #withTheta} turns a θ into an ordinary {@link OptimizerFactory}; meta-training
 * perturbs and updates θ.
 */
public interface LearnedOptimizer {

    /** The kind name written into checkpoints, e.g. {@code small_fc_lopt}. */
    String kind();

    /** Number of meta-parameters. */
    int thetaSize();

    /** A freshly initialised θ. */
    float[] initialTheta(long seed);

    /** The optimizer with meta-parameters θ. */
    OptimizerFactory withTheta(float[] theta);
}
