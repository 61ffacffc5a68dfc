package io.lopt.optimizees.tasks;

import io.lopt.kernels.Parallel;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optimizees.datasets.Dataset;
import io.lopt.optimizees.datasets.Minibatches;
import io.lopt.optimizees.models.Mlp;
import java.util.List;

/**
 * A built MLP task ({@link MlpFamily}): its {@link TaskSpec}, the dataset, the model and the minibatch stream.
 * Immutable and shareable across threads; each concurrent user takes its own {@link Workspace}.
 */
public final class MlpTask implements Task {
    /** Rows per forward pass when evaluating a whole split. */
    static final int EVAL_BATCH = 250;

    private final TaskSpec spec;
    private final Dataset data;
    private final Mlp model;
    private final Minibatches batches;

    MlpTask(TaskSpec spec, Dataset data) {
        this.spec = spec;
        this.data = data;
        if (spec.batchSize() > data.train().n()) {
            throw new IllegalArgumentException("task " + spec.label() + ": batch size " + spec.batchSize()
                    + " is larger than the " + data.train().n() + " training examples of " + data.name());
        }
        this.model = new Mlp(data.features(), spec.width(), spec.depth(), data.classes(), spec.param());
        this.batches = new Minibatches(data.train(), spec.batchSize(), spec.seed());
    }

    /**
     * An MLP task with its data, typed (for code that feeds the minibatches to another framework, as the DJL and
     * DL4J examples do); {@code dataDir} null: the default places.
     */
    public static MlpTask of(TaskSpec spec, java.nio.file.Path dataDir) {
        if (!spec.family().equals(TaskSpec.MLP)) {
            throw new IllegalArgumentException("an MLP task needs an mlp spec, got family " + spec.family());
        }
        return (MlpTask) Task.build(spec, dataDir);
    }

    @Override
    public TaskSpec spec() {
        return spec;
    }

    public Dataset data() {
        return data;
    }

    public Mlp model() {
        return model;
    }

    @Override
    public List<ParamSpec> specs() {
        return model.specs();
    }

    @Override
    public List<Parameter> init(long seed) {
        return model.init(seed);
    }

    @Override
    public int classes() {
        return data.classes();
    }

    @Override
    public Workspace newWorkspace() {
        return new Workspace();
    }

    @Override
    public double lossAndGradient(List<Parameter> params, long t, List<float[]> grads, Task.Workspace w, Parallel par) {
        Workspace ws = (Workspace) w;
        batches.batch(t, ws.x, ws.y);
        return model.lossAndGradient(params, ws.x, ws.y, spec.batchSize(), grads, ws.mlp, par);
    }

    /** Copies batch number {@code t} of this task's stream into x ({@code batch × features}) and y. */
    public void batch(long t, float[] x, int[] y) {
        batches.batch(t, x, y);
    }

    @Override
    public Evaluation evaluateTest(List<Parameter> params, Task.Workspace w, Parallel par) {
        Workspace ws = (Workspace) w;
        return model.evaluate(params, data.test().x(), data.test().y(), data.test().n(), ws.eval(), par);
    }

    @Override
    public Evaluation evaluateTrain(List<Parameter> params, int n, Task.Workspace w, Parallel par) {
        Workspace ws = (Workspace) w;
        int m = Math.min(n, data.train().n());
        return model.evaluate(params, data.train().x(), data.train().y(), m, ws.eval(), par);
    }

    /** Per-user buffers. */
    public final class Workspace implements Task.Workspace {
        final float[] x = new float[spec.batchSize() * data.features()];
        final int[] y = new int[spec.batchSize()];
        final Mlp.Workspace mlp = model.newWorkspace(spec.batchSize());
        private Mlp.Workspace eval;
        private final List<float[]> grads = model.newGradients();

        @Override
        public List<float[]> grads() {
            return grads;
        }

        Mlp.Workspace eval() {
            if (eval == null) {
                eval = model.newWorkspace(EVAL_BATCH);
            }
            return eval;
        }
    }
}
