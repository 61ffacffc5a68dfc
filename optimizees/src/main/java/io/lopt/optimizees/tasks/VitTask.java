package io.lopt.optimizees.tasks;

import io.lopt.kernels.Parallel;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optimizees.datasets.Dataset;
import io.lopt.optimizees.datasets.Minibatches;
import io.lopt.optimizees.models.Transformer;
import java.util.List;

/**
 * A built ViT task ({@link VitFamily}): minibatches of images as for the MLP ({@link Minibatches}), each image cut
 * into (res/patch)² square patches in row-major order, each patch's pixels in row-major order.
 */
public final class VitTask implements Task {
    /** Images per forward pass when evaluating a whole split. */
    static final int EVAL_BATCH = 250;

    private final TaskSpec spec;
    private final Dataset data;
    private final Transformer model;
    private final Minibatches batches;
    private final int res;
    private final int patch;

    VitTask(TaskSpec spec, Dataset data, Transformer model) {
        this.spec = spec;
        this.data = data;
        this.model = model;
        this.res = spec.resolution();
        this.patch = spec.intOption("patch");
        if (data.features() != res * res) {
            throw new IllegalArgumentException("task " + spec.label() + ": " + data.name() + " has " + data.features()
                    + " features, not " + res + "×" + res);
        }
        if (spec.batchSize() > data.train().n()) {
            throw new IllegalArgumentException("task " + spec.label() + ": batch size " + spec.batchSize()
                    + " is larger than the " + data.train().n() + " training examples of " + data.name());
        }
        this.batches = new Minibatches(data.train(), spec.batchSize(), spec.seed());
    }

    @Override
    public TaskSpec spec() {
        return spec;
    }

    public Transformer model() {
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

    /** Images [n × res²] (from {@code from}) to patches [n × tokens × patch²]. */
    void patchify(float[] x, int from, int n, float[] out) {
        int side = res / patch;
        int pd = patch * patch;
        int t = side * side;
        for (int i = 0; i < n; i++) {
            int img = (from + i) * res * res;
            for (int py = 0; py < side; py++) {
                for (int px = 0; px < side; px++) {
                    int o = (i * t + py * side + px) * pd;
                    for (int r = 0; r < patch; r++) {
                        System.arraycopy(x, img + (py * patch + r) * res + px * patch, out, o + r * patch, patch);
                    }
                }
            }
        }
    }

    @Override
    public double lossAndGradient(List<Parameter> params, long t, List<float[]> grads, Task.Workspace w, Parallel par) {
        Workspace ws = (Workspace) w;
        int b = spec.batchSize();
        batches.batch(t, ws.x, ws.y);
        patchify(ws.x, 0, b, ws.patches);
        return model.lossAndGradient(params, new Transformer.Batch(b, null, ws.patches, ws.y), grads, ws.train, par);
    }

    private Evaluation evaluate(List<Parameter> params, float[] x, int[] y, int n, Workspace ws, Parallel par) {
        float[] patches = new float[EVAL_BATCH * res * res];
        double loss = 0;
        double acc = 0;
        for (int first = 0; first < n; first += EVAL_BATCH) {
            int rows = Math.min(EVAL_BATCH, n - first);
            patchify(x, first, rows, patches);
            int[] labels = java.util.Arrays.copyOfRange(y, first, first + rows);
            Evaluation e = model.evaluate(params, new Transformer.Batch(rows, null, patches, labels), ws.eval(), par);
            loss += e.loss() * rows;
            acc += e.accuracy() * rows;
        }
        return new Evaluation(loss / n, acc / n);
    }

    @Override
    public Evaluation evaluateTest(List<Parameter> params, Task.Workspace ws, Parallel par) {
        return evaluate(params, data.test().x(), data.test().y(), data.test().n(), (Workspace) ws, par);
    }

    @Override
    public Evaluation evaluateTrain(List<Parameter> params, int n, Task.Workspace ws, Parallel par) {
        return evaluate(params, data.train().x(), data.train().y(), Math.min(n, data.train().n()), (Workspace) ws,
                par);
    }

    /** Per-user buffers. */
    public final class Workspace implements Task.Workspace {
        final float[] x = new float[spec.batchSize() * res * res];
        final int[] y = new int[spec.batchSize()];
        final float[] patches = new float[spec.batchSize() * res * res];
        final Transformer.Workspace train = model.newWorkspace(spec.batchSize());
        private Transformer.Workspace eval;
        private final List<float[]> grads = model.newGradients();

        @Override
        public List<float[]> grads() {
            return grads;
        }

        Transformer.Workspace eval() {
            if (eval == null) {
                eval = model.newWorkspace(EVAL_BATCH);
            }
            return eval;
        }
    }
}
