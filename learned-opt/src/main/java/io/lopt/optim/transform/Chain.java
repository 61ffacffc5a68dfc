package io.lopt.optim.transform;

import io.lopt.kernels.Parallel;
import io.lopt.optim.Optimizer;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.ParamSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The factory of {@link ChainedOptimizer}s: an optimizer factory followed by transforms, optax-style. The μLO paper's
 * baselines are
 *
 * <pre>
 *   Chain.of(Adam.Config.adamW(lr, wd), ScaleByWarmupCosine.paper(), new ClipByGlobalNorm(1.0))
 *   Chain.of(Adam.Config.muAdam(lr),    ScaleByWarmupCosine.paper(), new ClipByGlobalNorm(1.0))
 * </pre>
 *
 * (its {@code optax.chain(optax.adamw(schedule), [scale by s_W,] optax.clip_by_global_norm(1.0))}; μAdam's s_W
 * scaling happens inside {@link io.lopt.optim.Adam} and commutes with the schedule). A chain with a transform that
 * needs the horizon must be created with {@link #create(List, long)}.
 */
public record Chain(OptimizerFactory inner, List<TransformFactory> transforms) implements OptimizerFactory {

    public Chain {
        if (inner == null) {
            throw new IllegalArgumentException("a chain needs an optimizer to transform");
        }
        transforms = List.copyOf(transforms);
    }

    public static Chain of(OptimizerFactory inner, TransformFactory... transforms) {
        return new Chain(inner, List.of(transforms));
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder(inner.describe());
        for (TransformFactory t : transforms) {
            sb.append(" → ").append(t.describe());
        }
        return sb.toString();
    }

    /** The optimizer or any transform needs the run's length. */
    @Override
    public boolean needsHorizon() {
        return inner.needsHorizon() || transforms.stream().anyMatch(TransformFactory::needsHorizon);
    }

    @Override
    public boolean needsLoss() {
        return inner.needsLoss();
    }

    /** Refuses a missing horizon when a transform needs one, naming the transform and {@code how} to give it. */
    private void requireTransformsHorizon(String how) {
        for (TransformFactory t : transforms) {
            if (t.needsHorizon()) {
                throw new IllegalArgumentException(t.describe() + " needs the length of the run: " + how);
            }
        }
    }

    @Override
    public Optimizer create(List<ParamSpec> specs) {
        requireTransformsHorizon("create the optimizer with create(specs, horizon)");
        return build(inner.create(specs), 0, Parallel.common());
    }

    @Override
    public Optimizer create(List<ParamSpec> specs, long horizon) {
        return build(inner.create(specs, horizon), horizon, Parallel.common());
    }

    @Override
    public Optimizer create(List<ParamSpec> specs, io.lopt.optim.RunContext context) {
        if (context.horizon() == 0) {
            requireTransformsHorizon("give the run context a positive horizon");
        }
        return build(inner.create(specs, context), context.horizon(), context.parallel());
    }

    private ChainedOptimizer build(Optimizer opt, long horizon, Parallel parallel) {
        List<UpdateTransform> ts = new ArrayList<>();
        for (TransformFactory t : transforms) {
            ts.add(t.create(horizon));
        }
        return new ChainedOptimizer(opt, ts, parallel);
    }
}
