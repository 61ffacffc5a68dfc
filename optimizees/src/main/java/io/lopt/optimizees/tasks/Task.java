package io.lopt.optimizees.tasks;

import io.lopt.kernels.Parallel;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import java.nio.file.Path;
import java.util.List;

/**
 * A built optimizee task, in the spirit of learned_optimization's {@code tasks/base.py}: parameter specs with their μP
 * roles, an initialisation, the training loss and its gradient on minibatch {@code t} of the task's data stream, and
 * evaluations. Everything that trains (the meta-trainer, the evaluation runner, {@code lopt train}) works on this
 * interface only; each {@link TaskFamily} builds its own implementation.
 *
 * <p>A task is immutable and shareable across threads; each concurrent user takes its own {@link Workspace}.
 */
public interface Task {
    /** The spec this task was built from. */
    TaskSpec spec();

    /** The trainable tensors, in order, each with its shape and μP role. */
    List<ParamSpec> specs();

    /** Number of trainable parameters. */
    default long parameterCount() {
        long n = 0;
        for (ParamSpec s : specs()) {
            n += s.size();
        }
        return n;
    }

    /** Initial parameters for this task's seed. */
    default List<Parameter> init() {
        return init(spec().seed());
    }

    /** Initial parameters for another seed. */
    List<Parameter> init(long seed);

    /** Buffers for one thread: the gradients and whatever the forward and backward passes need. */
    Workspace newWorkspace();

    /**
     * The training loss on minibatch {@code t} of this task's stream (fixed by the spec's seed), at {@code params}, and
     * its gradient into {@code grads} (one array per tensor, overwritten).
     */
    double lossAndGradient(List<Parameter> params, long t, List<float[]> grads, Workspace ws, Parallel par);

    /** Loss and accuracy over the whole test split. */
    Evaluation evaluateTest(List<Parameter> params, Workspace ws, Parallel par);

    /** Loss and accuracy over the first {@code n} examples of the training split. */
    Evaluation evaluateTrain(List<Parameter> params, int n, Workspace ws, Parallel par);

    /** The number of classes the loss is a cross-entropy over (the vocabulary, for a language model). */
    int classes();

    /**
     * The cap of the per-step meta-loss normalisation: 1.5·ln(classes), since a uniform guess costs ln(classes)
     * (learned_optimization's image-MLP normaliser).
     */
    default double lossCap() {
        return 1.5 * Math.log(classes());
    }

    /** A thread's buffers. */
    interface Workspace {
        /** Gradient arrays, one per tensor, filled by {@link #lossAndGradient}. */
        List<float[]> grads();
    }

    /** Builds the task a spec names, with its family, loading data through {@code data}. */
    static Task build(TaskSpec spec, TaskData data) {
        return spec.taskFamily().build(spec, data);
    }

    /** Builds one task, loading its data from {@code dataDir} (or the default places). */
    static Task build(TaskSpec spec, Path dataDir) {
        return build(spec, new TaskData(dataDir));
    }
}
