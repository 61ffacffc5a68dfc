package io.lopt.optim.lo;

import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.OptimizerFactory;
import java.util.List;

/**
 * Configuration of the small_fc_lopt learned optimizer (SPEC §2).
 *
 * @param hiddenSizes widths of the per-parameter MLP's hidden layers (the paper: 32, 32); multiples of 4
 * @param stepMult    λ1: 0.01 for μLO, 0.001 for the SP learned optimizer
 * @param expMult     λ2: 0.001
 * @param mup         whether each tensor's step is multiplied by its s_W (μLO) or not (SP LO)
 */
public record LoptConfig(List<Integer> hiddenSizes, double stepMult, double expMult, boolean mup)
        implements LearnedOptimizer {
    public static final List<Integer> PAPER_HIDDEN = List.of(32, 32);

    public LoptConfig {
        hiddenSizes = List.copyOf(hiddenSizes);
        if (hiddenSizes.isEmpty()) {
            throw new IllegalArgumentException("the learned optimizer's MLP needs at least one hidden layer");
        }
        for (int h : hiddenSizes) {
            if (h < 4 || h % 4 != 0 || h > 1024) {
                throw new IllegalArgumentException("learned-optimizer hidden sizes must be multiples of 4 in [4, 1024], got "
                        + hiddenSizes);
            }
        }
        if (!(stepMult > 0) || !Double.isFinite(stepMult)) {
            throw new IllegalArgumentException("step multiplier λ1 must be positive, got " + stepMult);
        }
        if (!(expMult >= 0) || !Double.isFinite(expMult)) {
            throw new IllegalArgumentException("exponent multiplier λ2 must be non-negative, got " + expMult);
        }
    }

    /** μLO: λ1 = 0.01, λ2 = 0.001, steps scaled by s_W. */
    public static LoptConfig mulo() {
        return new LoptConfig(PAPER_HIDDEN, 0.01, 0.001, true);
    }

    /** The SP learned optimizer: λ1 = 0.001, λ2 = 0.001, no s_W. */
    public static LoptConfig sp() {
        return new LoptConfig(PAPER_HIDDEN, 0.001, 0.001, false);
    }

    /** The number of meta-parameters θ: MLP weights and biases plus the 7 decay offsets. */
    @Override
    public int thetaSize() {
        return MetaParameters.of(this).size();
    }

    @Override
    public String kind() {
        return SmallFcLopt.KIND;
    }

    @Override
    public float[] initialTheta(long seed) {
        return MetaParameters.of(this).init(seed);
    }

    @Override
    public OptimizerFactory withTheta(float[] theta) {
        return new SmallFcLopt(this, theta);
    }
}
