package io.lopt.optimizees.tasks;

import io.lopt.kernels.Parallel;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optimizees.datasets.Dataset;
import io.lopt.optimizees.datasets.FashionMnist;
import io.lopt.optimizees.datasets.Minibatches;
import io.lopt.optimizees.datasets.Synthetic;
import io.lopt.optimizees.models.Mlp;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A built task: its {@link TaskSpec}, the dataset, the model and the minibatch stream. Immutable and shareable
 * across threads; each concurrent user takes its own {@link Workspace}.
 */
public final class Task {
    /** Size of the synthetic family's splits. */
    public static final int SYNTHETIC_TRAIN = 8192;
    public static final int SYNTHETIC_TEST = 2048;
    public static final int SYNTHETIC_CLASSES = 10;
    /** Rows per forward pass when evaluating a whole split. */
    static final int EVAL_BATCH = 250;
    private static final Map<String, Dataset> SYNTHETIC_CACHE = new ConcurrentHashMap<>();

    private final TaskSpec spec;
    private final Dataset data;
    private final Mlp model;
    private final Minibatches batches;

    private Task(TaskSpec spec, Dataset data) {
        this.spec = spec;
        this.data = data;
        if (spec.batchSize() > data.train().n()) {
            throw new IllegalArgumentException("task " + spec.label() + ": batch size " + spec.batchSize()
                    + " is larger than the " + data.train().n() + " training examples of " + data.name());
        }
        this.model = new Mlp(data.features(), spec.width(), spec.depth(), data.classes(), spec.param());
        this.batches = new Minibatches(data.train(), spec.batchSize(), spec.seed());
    }

    /** Builds a task, loading its dataset (Fashion-MNIST from {@code dataDir} or the default places). */
    public static Task build(TaskSpec spec, Path dataDir) {
        return new Task(spec, dataset(spec.dataset(), spec.resolution(), dataDir));
    }

    /** Builds a task on an already loaded dataset. */
    public static Task build(TaskSpec spec, Dataset data) {
        return new Task(spec, data);
    }

    /** The dataset a spec names. The synthetic family's data seed is fixed (0): the task seed changes init and order. */
    public static Dataset dataset(String name, int resolution, Path dataDir) {
        return switch (name) {
            case TaskSpec.FASHION_MNIST -> FashionMnist.load(dataDir, resolution);
            case TaskSpec.SYNTHETIC -> SYNTHETIC_CACHE.computeIfAbsent("s" + resolution,
                    k -> Synthetic.generate(0, resolution * resolution, SYNTHETIC_CLASSES, SYNTHETIC_TRAIN, SYNTHETIC_TEST));
            default -> throw new IllegalArgumentException("unknown dataset '" + name + "'");
        };
    }

    public TaskSpec spec() {
        return spec;
    }

    public Dataset data() {
        return data;
    }

    public Mlp model() {
        return model;
    }

    public List<ParamSpec> specs() {
        return model.specs();
    }

    /** Initial parameters for this task's seed. */
    public List<Parameter> init() {
        return model.init(spec.seed());
    }

    /** Initial parameters for another seed (a re-initialised trajectory). */
    public List<Parameter> init(long seed) {
        return model.init(seed);
    }

    public Workspace newWorkspace() {
        return new Workspace();
    }

    /** Training minibatch loss at batch index {@code t} of this task's stream, and its gradient. */
    public double lossAndGradient(List<Parameter> params, long t, List<float[]> grads, Workspace ws, Parallel par) {
        batches.batch(t, ws.x, ws.y);
        return model.lossAndGradient(params, ws.x, ws.y, spec.batchSize(), grads, ws.mlp, par);
    }

    /** Same, on the batch stream of another seed (each trajectory of a meta-training particle has its own). */
    public double lossAndGradient(List<Parameter> params, Minibatches stream, long t, List<float[]> grads,
            Workspace ws, Parallel par) {
        stream.batch(t, ws.x, ws.y);
        return model.lossAndGradient(params, ws.x, ws.y, spec.batchSize(), grads, ws.mlp, par);
    }

    /** Copies batch number {@code t} of this task's stream into x ({@code batch × features}) and y. */
    public void batch(long t, float[] x, int[] y) {
        batches.batch(t, x, y);
    }

    /** A minibatch stream over the training split for another seed. */
    public Minibatches stream(long seed) {
        return new Minibatches(data.train(), spec.batchSize(), seed);
    }

    /** Loss and accuracy over the whole test split. */
    public Mlp.Evaluation evaluateTest(List<Parameter> params, Workspace ws, Parallel par) {
        return model.evaluate(params, data.test().x(), data.test().y(), data.test().n(), ws.eval(), par);
    }

    /** Loss and accuracy over the first {@code n} examples of the training split. */
    public Mlp.Evaluation evaluateTrain(List<Parameter> params, int n, Workspace ws, Parallel par) {
        int m = Math.min(n, data.train().n());
        return model.evaluate(params, data.train().x(), data.train().y(), m, ws.eval(), par);
    }

    /** Per-user buffers. */
    public final class Workspace {
        final float[] x = new float[spec.batchSize() * data.features()];
        final int[] y = new int[spec.batchSize()];
        final Mlp.Workspace mlp = model.newWorkspace(spec.batchSize());
        private Mlp.Workspace eval;
        public final List<float[]> grads = model.newGradients();

        Mlp.Workspace eval() {
            if (eval == null) {
                eval = model.newWorkspace(EVAL_BATCH);
            }
            return eval;
        }
    }
}
