package io.lopt.optim.velo;

import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.OptimizerFactory;

/**
 * Configuration of the VeLO-style learned optimizer, VeLO's {@code HyperV2} (Metz et al. 2022; docs/velo.md): a
 * per-tensor LSTM of {@code lstmHidden} units reads 30 tensor features and mixes a bank of {@code bankSize}
 * per-parameter MLPs (30 → 4 → 4 → 3) linearly, and sets a per-tensor learning-rate multiplier.
 *
 * @param lstmHidden LSTM units (released VeLO: 512; the μLO paper's μVeLO: 16)
 * @param bankSize   per-parameter MLPs in the bank (released VeLO: 256; μVeLO: 8)
 * @param mup        μVeLO ({@code MuHyperV2}): the step is scaled by the tensor's s_W instead of by RMS(p)
 * @param mixMult    the bank mixture is {@code mixMult · mean_k(c_k · W_k)}: 100 in VeLO, 1 in the paper's μVeLO
 */
public record VeloConfig(int lstmHidden, int bankSize, boolean mup, double mixMult) implements LearnedOptimizer {
    public static final String KIND = "velo";
    /**
     * Version of the design. 1 was lopt's first, VeLO-inspired optimizer (19 tensor features, 9 per-parameter features,
     * a softmax over the bank); 2 follows {@code hyper_v2.py}. Checkpoints say which they hold; version 1 is refused.
     */
    public static final int DESIGN_VERSION = 2;
    /** VeLO's mixing multiplier ({@code hyper_v2.py}: {@code 100. * jnp.mean(ff_p * c, axis=0)}). */
    public static final double VELO_MIX = 100.0;
    /** μVeLO's ({@code interp_mult = 1.0} in the paper's {@code mu_hyper_l-16_h-4_pi-8} configuration). */
    public static final double MU_VELO_MIX = 1.0;

    public VeloConfig {
        if (lstmHidden < 1 || lstmHidden > 1024) {
            throw new IllegalArgumentException("VeLO LSTM hidden size must be in [1, 1024], got " + lstmHidden);
        }
        if (bankSize < 1 || bankSize > 1024) {
            throw new IllegalArgumentException("VeLO bank size must be in [1, 1024], got " + bankSize);
        }
        if (!(mixMult > 0) || Double.isInfinite(mixMult)) {
            throw new IllegalArgumentException("VeLO mix_mult must be positive and finite, got " + mixMult);
        }
    }

    /** VeLO (mup false) or μVeLO (mup true) with the mixing multiplier each uses. */
    public VeloConfig(int lstmHidden, int bankSize, boolean mup) {
        this(lstmHidden, bankSize, mup, mup ? MU_VELO_MIX : VELO_MIX);
    }

    /** VeLO's design at the paper's μVeLO sizes (16 LSTM units, 8 MLPs): steps scaled by RMS(p), mixing × 100. */
    public static VeloConfig velo() {
        return new VeloConfig(16, 8, false);
    }

    /** μVeLO as the μLO paper configured it: 16 LSTM units, 8 MLPs, steps scaled by s_W, mixing × 1. */
    public static VeloConfig muVelo() {
        return new VeloConfig(16, 8, true);
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
        return VeloLayout.of(this).init(seed, mixMult);
    }

    @Override
    public OptimizerFactory withTheta(float[] theta) {
        return new Velo(this, theta);
    }
}
