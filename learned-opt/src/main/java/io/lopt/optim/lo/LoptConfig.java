package io.lopt.optim.lo;

import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.OptimizerFactory;
import java.util.List;

/**
 * Configuration of the small_fc_lopt learned optimizer (docs/spec.md §2).
 *
 * @param hiddenSizes widths of the per-parameter MLP's hidden layers (the paper: 32, 32); multiples of 4
 * @param stepMult    λ1: 0.01 for μLO, 0.001 for the SP learned optimizer
 * @param expMult     λ2: 0.001
 * @param mup         whether each tensor's step is multiplied by its s_W (μLO) or not (SP LO)
 * @param timeReference 0: the time features read the step t itself (the paper's); R &gt; 0: they read the run's
 *                    progress on a clock of R steps, t · R / T for a run of T steps, so that a run of any length
 *                    looks like a run of R steps at the same fraction of training (docs/spec.md §6)
 * @param decayTo     1: the paper's step; f &lt; 1: every step is also multiplied by a cosine decay over the run,
 *                    f + (1 − f) · ½ (1 + cos(π t / T)), from 1 at the first step to f at the last (docs/spec.md §6)
 * @param adamInputs  false: the paper's 39 inputs; true: three more per element, m_k/√(v + 1e-16) for the three
 *                    momenta, <em>not</em> normalised over the tensor: Adam's own update direction, which shrinks as
 *                    the gradients turn to noise, where every normalised feature keeps its size (docs/spec.md §6)
 * @param horizonExponent 0: the step does not depend on the run's length; α &gt; 0 (needs a time reference R): a run
 *                    of T &gt; R steps has every step multiplied by (R / T)^α, so that a run longer than any the
 *                    optimizer was meta-trained on takes proportionally smaller steps, as a learning rate tuned for
 *                    long runs is smaller (runs of T ≤ R, meta-training's, are unchanged; docs/spec.md §6)
 */
public record LoptConfig(List<Integer> hiddenSizes, double stepMult, double expMult, boolean mup, long timeReference,
        double decayTo, boolean adamInputs, double horizonExponent) implements LearnedOptimizer {
    public static final List<Integer> PAPER_HIDDEN = List.of(32, 32);

    /** A learned optimizer whose time features read the step itself and whose step is not decayed (the paper's). */
    public LoptConfig(List<Integer> hiddenSizes, double stepMult, double expMult, boolean mup) {
        this(hiddenSizes, stepMult, expMult, mup, 0, 1.0, false, 0);
    }

    /** A learned optimizer with the paper's 39 inputs. */
    public LoptConfig(List<Integer> hiddenSizes, double stepMult, double expMult, boolean mup, long timeReference,
            double decayTo) {
        this(hiddenSizes, stepMult, expMult, mup, timeReference, decayTo, false, 0);
    }

    /** A learned optimizer whose step does not depend on the run's length. */
    public LoptConfig(List<Integer> hiddenSizes, double stepMult, double expMult, boolean mup, long timeReference,
            double decayTo, boolean adamInputs) {
        this(hiddenSizes, stepMult, expMult, mup, timeReference, decayTo, adamInputs, 0);
    }

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
        if (timeReference < 0 || timeReference > 100_000_000L) {
            throw new IllegalArgumentException("time_reference must be 0 (absolute time) or a number of steps in [1, 1e8], "
                    + "got " + timeReference);
        }
        if (!(decayTo > 0 && decayTo <= 1)) {
            throw new IllegalArgumentException("decay_to must be in (0, 1] (1: no decay), got " + decayTo);
        }
        if (!(horizonExponent >= 0 && horizonExponent <= 4)) {
            throw new IllegalArgumentException("horizon_exponent must be in [0, 4] (0: steps independent of the run's "
                    + "length), got " + horizonExponent);
        }
        if (horizonExponent > 0 && timeReference == 0) {
            throw new IllegalArgumentException("horizon_exponent scales the steps of runs longer than time_reference, "
                    + "so it needs time_reference > 0 (the meta-training horizon, e.g. 1000)");
        }
    }

    /** This configuration with its time features on a clock of {@code steps} steps (0: absolute time). */
    public LoptConfig withTimeReference(long steps) {
        return new LoptConfig(hiddenSizes, stepMult, expMult, mup, steps, decayTo, adamInputs, horizonExponent);
    }

    /** This configuration with its steps decayed along a cosine to {@code f} of their size at the end of the run. */
    public LoptConfig withDecayTo(double f) {
        return new LoptConfig(hiddenSizes, stepMult, expMult, mup, timeReference, f, adamInputs, horizonExponent);
    }

    /** This configuration with (or without) the three per-element Adam inputs m_k/√(v + 1e-16), not normalised. */
    public LoptConfig withAdamInputs(boolean on) {
        return new LoptConfig(hiddenSizes, stepMult, expMult, mup, timeReference, decayTo, on, horizonExponent);
    }

    /** This configuration with the steps of runs longer than its time reference R scaled by (R / T)^α. */
    public LoptConfig withHorizonExponent(double alpha) {
        return new LoptConfig(hiddenSizes, stepMult, expMult, mup, timeReference, decayTo, adamInputs, alpha);
    }

    /** The number of inputs of the per-parameter MLP: 39, or 42 with the Adam inputs. */
    public int inputs() {
        return MetaParameters.INPUTS + (adamInputs ? MetaParameters.ADAM_FEATURES : 0);
    }

    /** Whether the step is decayed over the run (needs the run's horizon). */
    public boolean decays() {
        return decayTo < 1;
    }

    /** Whether the optimizer needs the run's horizon: relative time or a decay over the run. */
    public boolean needsHorizon() {
        return relativeTime() || decays();
    }

    /** Whether the step is multiplied by a factor that depends on the run: a decay or a horizon exponent. */
    public boolean scalesStep() {
        return decays() || horizonExponent > 0;
    }

    /**
     * The factor of the step at step {@code t} of a run of {@code horizon} steps: the decay ({@link #decay}) times
     * (R / T)^α for a run longer than the time reference R (1 for T ≤ R or α = 0).
     */
    public double stepFactor(long t, long horizon) {
        double f = decay(t, horizon);
        if (horizonExponent > 0 && horizon > timeReference) {
            f *= Math.pow((double) timeReference / horizon, horizonExponent);
        }
        return f;
    }

    /** Refuses a horizon this configuration cannot run with: not positive, when it needs one (a one-line error). */
    public void checkHorizon(long horizon) {
        clock(0, horizon);
        decay(0, horizon);
    }

    /**
     * The factor of the step at step {@code t} of a run of {@code horizon} steps: 1 without decay, else
     * decayTo + (1 − decayTo) · ½ (1 + cos(π · min(t / (T − 1), 1))), 1 at the first step and decayTo at the last.
     */
    public double decay(long t, long horizon) {
        if (!decays()) {
            return 1.0;
        }
        if (horizon < 1) {
            throw new IllegalArgumentException("this learned optimizer decays its step over the run (decay_to=" + decayTo
                    + "), so it needs the run's horizon: a positive number of steps, got " + horizon);
        }
        double frac = horizon <= 1 ? 1.0 : Math.min(1.0, (double) t / (horizon - 1));
        return decayTo + (1 - decayTo) * 0.5 * (1 + Math.cos(Math.PI * frac));
    }

    /** Whether the time features read the run's progress rather than the step (needs the run's horizon). */
    public boolean relativeTime() {
        return timeReference > 0;
    }

    /**
     * The time the features read at step {@code t} of a run of {@code horizon} steps: t itself, or t · R / T when
     * the features are relative to the horizon (R = {@link #timeReference}).
     */
    public double clock(long t, long horizon) {
        if (timeReference == 0) {
            return t;
        }
        if (horizon < 1) {
            throw new IllegalArgumentException("this learned optimizer reads time relative to the run's length "
                    + "(time_reference=" + timeReference + "), so it needs the run's horizon: a positive number of steps, "
                    + "got " + horizon);
        }
        return (double) t * timeReference / horizon;
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
