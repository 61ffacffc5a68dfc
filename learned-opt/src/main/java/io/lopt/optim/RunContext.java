package io.lopt.optim;

import io.lopt.kernels.Parallel;
import java.util.Objects;

/**
 * What an optimizer is told about the run it is created for: its length in steps (the horizon; 0 when unknown), which
 * VeLO-style optimizers, relative-time learned optimizers and scheduled baselines need, and the threads its kernels
 * may use. Every optimizer of the project honours both: none reads a global thread pool when given a context.
 *
 * @param horizon  the number of steps of the run, or 0 when not known
 * @param parallel the threads the optimizer's kernels run on (results do not depend on their number)
 */
public record RunContext(long horizon, Parallel parallel) {
    public RunContext {
        if (horizon < 0) {
            throw new IllegalArgumentException("a run's horizon must be 0 (unknown) or positive, got " + horizon);
        }
        Objects.requireNonNull(parallel, "parallel");
    }

    /** A run of {@code horizon} steps on the threads of {@code parallel}. */
    public static RunContext of(long horizon, Parallel parallel) {
        return new RunContext(horizon, parallel);
    }
}
