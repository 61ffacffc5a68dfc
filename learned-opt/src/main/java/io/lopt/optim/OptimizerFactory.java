package io.lopt.optim;

import java.util.List;

/** Creates an {@link Optimizer} for a list of tensors: Adam's configuration, or a learned optimizer with its θ. */
public interface OptimizerFactory {

    /** A short human-readable description, e.g. {@code adamw(lr=1e-3, wd=1e-4)}. */
    String describe();

    /** A fresh optimizer (zero state, step 0) for these tensors. */
    Optimizer create(List<ParamSpec> specs);

    /**
     * Whether {@link #create(List, long)} needs a positive horizon (VeLO-style optimizers, relative-time or decaying
     * learned optimizers, schedules fitted to the run); adapters ask this to refuse a missing run length early.
     */
    default boolean needsHorizon() {
        return false;
    }

    /**
     * Whether its optimizers read the training loss (VeLO-style): they must be stepped with
     * {@link Optimizer#step(java.util.List, java.util.List, double)} and refuse the step without it. Adapters (DJL,
     * DL4J) use this to require the loss where their framework does not hand it to an optimizer.
     */
    default boolean needsLoss() {
        return false;
    }

    /**
     * A fresh optimizer that is told the length of the training run it will be used for. Optimizers that use the
     * horizon (VeLO-style) override this; the others ignore it.
     */
    default Optimizer create(List<ParamSpec> specs, long horizon) {
        return create(specs);
    }

    /**
     * A fresh optimizer for a run described by {@code context}: its horizon, and the threads its kernels run on. The
     * project's optimizers all override this to use {@code context.parallel()}; the default ignores the threads.
     */
    default Optimizer create(List<ParamSpec> specs, RunContext context) {
        return create(specs, context.horizon());
    }
}
