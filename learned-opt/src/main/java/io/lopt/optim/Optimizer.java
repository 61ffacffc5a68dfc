package io.lopt.optim;

import java.util.List;

/**
 * An optimizer bound to one list of tensors. A training loop calls {@link #step} once per step with the parameters
 * (updated in place) and their gradients, in the order of {@link #specs()}. The optimizer owns its state;
 * {@link #exportState()} and {@link #restoreState} make it plain data for checkpoints and bit-exact resume.
 *
 * <p>Learned optimizers and hand-designed ones are interchangeable behind this interface (the learned_optimization
 * design: a learned optimizer with meta-parameters θ is a factory of ordinary optimizers).
 */
public interface Optimizer {

    /** The short kind name written into states and checkpoints (e.g. {@code adam}, {@code small_fc_lopt}). */
    String kind();

    /** The tensors this optimizer was created for, in step order. */
    List<ParamSpec> specs();

    /** Number of steps taken so far. */
    long stepsTaken();

    /**
     * Applies one step in place. {@code grads.get(i)} is the gradient of {@code params.get(i)}; both lists follow
     * {@link #specs()}.
     *
     * @throws IllegalArgumentException when the tensors do not match the specs this optimizer was created for
     */
    void step(List<Parameter> params, List<float[]> grads);

    /**
     * Applies one step when the training loss of the current minibatch is known. Optimizers that use the loss
     * (VeLO-style) override this; the others ignore it.
     */
    default void step(List<Parameter> params, List<float[]> grads, double loss) {
        step(params, grads);
    }

    /** A copy of the full state. */
    OptimizerState exportState();

    /** Replaces the state with {@code state}, which must come from an optimizer of the same kind and tensors. */
    void restoreState(OptimizerState state);
}
