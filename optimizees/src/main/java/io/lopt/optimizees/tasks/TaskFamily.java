package io.lopt.optimizees.tasks;

import java.util.List;

/**
 * A family of optimizee tasks (an architecture on a kind of data): what a {@link TaskSpec} of the family may say, how
 * to build the {@link Task} it names, and what that task costs. Families are found with {@link java.util.ServiceLoader}
 * ({@link TaskFamilies}): adding one means adding its classes and one line to
 * {@code META-INF/services/io.lopt.optimizees.tasks.TaskFamily}, nothing else.
 */
public interface TaskFamily {
    /** The name in task specs ({@code family=NAME}) and configurations. */
    String name();

    /** One line for help texts. */
    String description();

    /**
     * The family's own keys (besides width, depth, param, batch and seed, which every family has), in the order of the
     * text form.
     */
    List<String> optionKeys();

    /** A complete spec with the family's defaults: what {@code family=NAME} alone means. */
    TaskSpec defaults();

    /** The canonical form of an option's value (aliases resolved); the default trims it. */
    default String normalise(String key, String value) {
        return value.trim();
    }

    /** Refuses a spec the family cannot build, with a one-line message that names the bad value. */
    void check(TaskSpec spec);

    /** A short label for tables and plots, e.g. {@code fmnist8-w64-d3-mup}. */
    String label(TaskSpec spec);

    /** Builds the task, loading its data through {@code data}. */
    Task build(TaskSpec spec, TaskData data);

    /** Number of trainable parameters. */
    double parameters(TaskSpec spec);

    /** Multiply-adds of one forward and backward pass over one minibatch: the cost model of the runners. */
    double flopsPerStep(TaskSpec spec);

    /**
     * Bytes of one model being trained by one thread: parameters, gradients, {@code stateFloats} floats of optimizer
     * state per parameter, and the buffers of a training and an evaluation batch.
     */
    double trainingBytes(TaskSpec spec, int stateFloats);

    /** The key of the data a spec uses (specs with the same key share it), for the memory estimate. */
    String dataKey(TaskSpec spec);

    /** Bytes of that data once loaded. */
    double dataBytes(TaskSpec spec);

    /** Bytes loading that data takes for a while (raw files, intermediate copies); 0 by default. */
    default double loadingBytes(TaskSpec spec) {
        return 0;
    }
}
