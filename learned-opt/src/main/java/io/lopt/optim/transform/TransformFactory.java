package io.lopt.optim.transform;

/**
 * Builds an {@link UpdateTransform} once the length of the training run (its horizon) is known, as
 * {@link io.lopt.optim.OptimizerFactory#create(java.util.List, long)} learns it. A transform that does not depend on
 * the horizon is its own factory ({@link UpdateTransform#create}).
 */
public interface TransformFactory {

    /** A short description, e.g. {@code clip_by_global_norm(1)}. */
    String describe();

    /** The transform for a run of {@code horizon} steps ({@code horizon ≤ 0}: not known). */
    UpdateTransform create(long horizon);

    /** Whether {@link #create} needs a positive horizon. */
    default boolean needsHorizon() {
        return false;
    }
}
