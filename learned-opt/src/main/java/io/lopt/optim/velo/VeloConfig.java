package io.lopt.optim.velo;

import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.OptimizerFactory;

/**
 * Configuration of the VeLO-style learned optimizer (docs/spec.md §3; Metz et al. 2022, scaled down): a per-tensor LSTM of
 * {@code lstmHidden} units that mixes a bank of {@code bankSize} small per-parameter MLPs and sets a per-tensor
 * learning-rate multiplier.
 *
 * @param lstmHidden LSTM units (VeLO: 512; 32 by default here, which meta-trains on a 2-core machine)
 * @param bankSize   per-parameter MLPs in the bank (VeLO: 256; 16 by default here)
 * @param mup        μVeLO: the step is scaled by the tensor's s_W instead of by RMS(p)
 */
public record VeloConfig(int lstmHidden, int bankSize, boolean mup) implements LearnedOptimizer {
    public static final String KIND = "velo";

    public VeloConfig {
        if (lstmHidden < 1 || lstmHidden > 1024) {
            throw new IllegalArgumentException("VeLO LSTM hidden size must be in [1, 1024], got " + lstmHidden);
        }
        if (bankSize < 1 || bankSize > 1024) {
            throw new IllegalArgumentException("VeLO bank size must be in [1, 1024], got " + bankSize);
        }
    }

    /** VeLO with this machine's defaults (32 LSTM units, 16 MLPs): SP (steps scaled by RMS(p)). */
    public static VeloConfig velo() {
        return new VeloConfig(32, 16, false);
    }

    /** μVeLO with this machine's defaults: steps scaled by s_W. */
    public static VeloConfig muVelo() {
        return new VeloConfig(32, 16, true);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public int thetaSize() {
        return VeloLayout.of(this).size();
    }

    @Override
    public float[] initialTheta(long seed) {
        return VeloLayout.of(this).init(seed);
    }

    @Override
    public OptimizerFactory withTheta(float[] theta) {
        return new Velo(this, theta);
    }
}
