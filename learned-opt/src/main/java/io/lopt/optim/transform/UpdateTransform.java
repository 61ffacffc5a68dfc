package io.lopt.optim.transform;

import io.lopt.kernels.Parallel;
import io.lopt.optim.ParamSpec;
import java.util.List;

/**
 * A transformation of an optimizer's update, applied after the optimizer has computed it and before it is added to the
 * parameters: optax's {@code GradientTransformation} as it appears in {@code optax.chain(adamw(...), ...)} after the
 * optimizer. {@link ChainedOptimizer} runs a list of them after any {@link io.lopt.optim.Optimizer}.
 *
 * <p>Transforms here are stateless: what they need from one step to the next is the step count, which the chain keeps
 * and saves. Results must not depend on the number of threads of {@code parallel}.
 */
public interface UpdateTransform extends TransformFactory {

    /** The short kind name that becomes part of the chain's state kind, e.g. {@code clip_by_global_norm}. */
    String kind();

    /**
     * Transforms {@code updates} in place. {@code updates.get(i)} is the update of tensor {@code specs.get(i)} (the
     * amount added to it this step).
     *
     * @param step updates applied before this one (0 at the first, as optax counts)
     */
    void apply(long step, List<ParamSpec> specs, List<float[]> updates, Parallel parallel);

    /** This transform: it does not depend on the horizon. */
    @Override
    default UpdateTransform create(long horizon) {
        return this;
    }
}
