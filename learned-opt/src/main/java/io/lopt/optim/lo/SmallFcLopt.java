package io.lopt.optim.lo;

import io.lopt.kernels.Parallel;
import io.lopt.optim.AbstractOptimizer;
import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.Optimizer;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.OptimizerState;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The small_fc_lopt learned optimizer (Metz et al.'s "LOM" with Adafactor features; μLO when run under μP), docs/spec.md §2:
 * a tiny MLP applied to every parameter, reading 28 normalised accumulator features and 11 time features, whose two
 * outputs give the step {@code λ1 · d · exp(λ2 · m)}, multiplied by the tensor's s_W under μP.
 *
 * <p>An instance is a learned optimizer with fixed meta-parameters θ: a factory of ordinary {@link Optimizer}s
 * (the learned_optimization design). θ is one flat float vector, laid out by {@link MetaParameters}.
 */
public final class SmallFcLopt implements OptimizerFactory {
    public static final String KIND = "small_fc_lopt";

    /** Which implementation of the step to run. */
    public enum Implementation {
        /** The fused, multi-threaded Vector API kernel. */
        FUSED,
        /** The scalar reference that reads like the spec (slow; for tests and debugging). */
        REFERENCE
    }

    private final LoptConfig config;
    private final MetaParameters layout;
    private final float[] theta;
    private final Implementation impl;
    private final Parallel parallel;

    public SmallFcLopt(LoptConfig config, float[] theta) {
        this(config, theta, Implementation.FUSED, Parallel.common());
    }

    public SmallFcLopt(LoptConfig config, float[] theta, Implementation impl, Parallel parallel) {
        this.config = Objects.requireNonNull(config, "config");
        this.layout = MetaParameters.of(config);
        this.theta = LearnedOptimizer.checkedTheta(theta, layout.size(), "a small_fc_lopt with hidden sizes "
                + config.hiddenSizes());
        this.impl = impl;
        this.parallel = parallel;
    }

    /** A learned optimizer with freshly initialised θ (docs/spec.md §2 init). */
    public static SmallFcLopt initial(LoptConfig config, long seed) {
        return new SmallFcLopt(config, MetaParameters.of(config).init(seed));
    }

    public LoptConfig config() {
        return config;
    }

    public MetaParameters layout() {
        return layout;
    }

    /** A copy of θ. */
    public float[] theta() {
        return theta.clone();
    }

    public SmallFcLopt withImplementation(Implementation i, Parallel par) {
        return new SmallFcLopt(config, theta, i, par);
    }

    @Override
    public String describe() {
        return (config.mup() ? "mulo" : "sp-lo") + "(hidden=" + config.hiddenSizes() + ", λ1=" + config.stepMult()
                + (config.relativeTime() ? ", time relative to " + config.timeReference() + " steps" : "")
                + (config.decays() ? ", cosine decay to " + config.decayTo() : "")
                + (config.horizonExponent() > 0 ? ", steps × (" + config.timeReference() + "/T)^"
                        + config.horizonExponent() + " beyond " + config.timeReference() : "")
                + (config.adamInputs() ? ", Adam inputs" : "") + ")";
    }

    /**
     * A fresh optimizer. One whose time features are relative to the run's length ({@link LoptConfig#relativeTime})
     * refuses: it must be created with {@link #create(List, long)}.
     */
    @Override
    public Optimizer create(List<ParamSpec> specs) {
        if (needsHorizon()) {
            throw new IllegalStateException("this learned optimizer needs the run's length (time_reference="
                    + config.timeReference() + ", decay_to=" + config.decayTo() + "): create it with "
                    + "create(specs, horizon), or give the DJL/DL4J adapter the number of training steps");
        }
        return new Stepper(specs, 0, parallel);
    }

    @Override
    public boolean needsHorizon() {
        return config.needsHorizon();
    }

    @Override
    public Optimizer create(List<ParamSpec> specs, long horizon) {
        config.checkHorizon(horizon);
        return new Stepper(specs, horizon, parallel);
    }

    @Override
    public Optimizer create(List<ParamSpec> specs, io.lopt.optim.RunContext context) {
        config.checkHorizon(context.horizon());
        return new Stepper(specs, context.horizon(), context.parallel());
    }


    /** An optimizer bound to tensors, running this learned optimizer. */
    private final class Stepper extends AbstractOptimizer {
        private final List<TensorState> states = new ArrayList<>();
        private final MetaParameters.Decays decays = layout.decays(theta);
        private final long horizon;
        private final Parallel parallel;

        Stepper(List<ParamSpec> specs, long horizon, Parallel parallel) {
            super(specs);
            this.horizon = horizon;
            this.parallel = parallel;
            for (ParamSpec s : this.specs) {
                states.add(new TensorState(s));
            }
        }

        @Override
        public String kind() {
            return KIND;
        }

        @Override
        public void step(List<Parameter> params, List<float[]> grads) {
            check(params, grads);
            if (step == 0 && config.mup()) {
                io.lopt.optim.MuPCheck.warnIfNotMuP(params, "μLO");
            }
            float expMult = (float) config.expMult();
            double t = config.clock(step, horizon);
            double factor = config.stepFactor(step, horizon); // the decay and the horizon exponent
            boolean fused = impl == Implementation.FUSED && io.lopt.kernels.VectorSupport.AVAILABLE;
            float[] bias1 = fused ? SmallFcLoptKernel.firstLayerBias(theta, layout, t) : null;
            for (int i = 0; i < specs.size(); i++) {
                ParamSpec s = specs.get(i);
                float scale = (float) (config.stepMult() * (config.mup() ? s.updateScale() : 1.0));
                if (factor != 1.0) {
                    scale = (float) (scale * factor);
                }
                float[] p = params.get(i).values();
                if (fused) {
                    SmallFcLoptKernel.step(states.get(i), p, grads.get(i), theta, layout, decays, bias1, scale, expMult,
                            parallel);
                } else {
                    SmallFcLoptReference.step(states.get(i), p, grads.get(i), t, theta, layout, decays, scale,
                            expMult);
                }
            }
            step++;
        }

        @Override
        public OptimizerState exportState() {
            Map<String, float[]> t = new LinkedHashMap<>();
            for (TensorState s : states) {
                t.putAll(s.arrays());
            }
            return new OptimizerState(KIND, step, t);
        }

        @Override
        public void restoreState(OptimizerState state) {
            checkKind(state);
            for (TensorState s : states) {
                s.restore(state);
            }
            step = state.step();
        }
    }
}
