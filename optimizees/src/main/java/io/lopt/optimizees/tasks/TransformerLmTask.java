package io.lopt.optimizees.tasks;

import io.lopt.kernels.Parallel;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optimizees.datasets.TextCorpus;
import io.lopt.optimizees.models.Transformer;
import java.util.List;

/**
 * A built language-model task ({@link TransformerFamily}): minibatch t holds {@code batch} windows of {@code ctx}
 * bytes of the training text at offsets drawn from (seed, t); the loss is the mean next-token cross-entropy.
 * Evaluations read up to {@value TransformerFamily#EVAL_WINDOWS} evenly spaced non-overlapping windows of a split.
 */
public final class TransformerLmTask implements Task {
    private final TaskSpec spec;
    private final TextCorpus corpus;
    private final Transformer model;
    private final int ctx;

    TransformerLmTask(TaskSpec spec, TextCorpus corpus, Transformer model) {
        this.spec = spec;
        this.corpus = corpus;
        this.model = model;
        this.ctx = spec.intOption("ctx");
        if (ctx + 1 > corpus.train().length) {
            throw new IllegalArgumentException("task " + spec.label() + ": context " + ctx + " is longer than the text");
        }
    }

    @Override
    public TaskSpec spec() {
        return spec;
    }

    public Transformer model() {
        return model;
    }

    public TextCorpus corpus() {
        return corpus;
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
        return model.classes();
    }

    @Override
    public Workspace newWorkspace() {
        return new Workspace();
    }

    @Override
    public double lossAndGradient(List<Parameter> params, long t, List<float[]> grads, Task.Workspace w, Parallel par) {
        Workspace ws = (Workspace) w;
        int b = spec.batchSize();
        corpus.batch(spec.seed(), t, b, ctx, ws.tokens, ws.targets);
        return model.lossAndGradient(params, new Transformer.Batch(b, ws.tokens, null, ws.targets), grads, ws.train, par);
    }

    private Evaluation evaluate(List<Parameter> params, short[] split, int maxWindows, Workspace ws, Parallel par) {
        int total = TextCorpus.windows(split, ctx);
        int count = Math.min(total, maxWindows);
        int eb = TransformerFamily.EVAL_BATCH;
        int[] tok = new int[eb * ctx];
        int[] tgt = new int[eb * ctx];
        double loss = 0;
        double acc = 0;
        for (int first = 0; first < count; first += eb) {
            int rows = Math.min(eb, count - first);
            for (int r = 0; r < rows; r++) {
                int wdx = (int) ((long) (first + r) * total / count); // evenly spaced over the split
                TextCorpus.window(split, ctx, wdx, r, tok, tgt);
            }
            Evaluation e = model.evaluate(params, new Transformer.Batch(rows, tok, null, tgt), ws.eval(), par);
            loss += e.loss() * rows;
            acc += e.accuracy() * rows;
        }
        return new Evaluation(loss / count, acc / count);
    }

    @Override
    public Evaluation evaluateTest(List<Parameter> params, Task.Workspace ws, Parallel par) {
        return evaluate(params, corpus.test(), TransformerFamily.EVAL_WINDOWS, (Workspace) ws, par);
    }

    /**
     * {@code n} windows (at most {@value TransformerFamily#EVAL_WINDOWS}) evenly spaced over the training text: for
     * this task an example is a window of ctx tokens.
     */
    @Override
    public Evaluation evaluateTrain(List<Parameter> params, int n, Task.Workspace ws, Parallel par) {
        return evaluate(params, corpus.train(), Math.min(n, TransformerFamily.EVAL_WINDOWS), (Workspace) ws, par);
    }

    /** Per-user buffers. */
    public final class Workspace implements Task.Workspace {
        final int[] tokens = new int[spec.batchSize() * ctx];
        final int[] targets = new int[spec.batchSize() * ctx];
        final Transformer.Workspace train = model.newWorkspace(spec.batchSize());
        private Transformer.Workspace eval;
        private final List<float[]> grads = model.newGradients();

        @Override
        public List<float[]> grads() {
            return grads;
        }

        Transformer.Workspace eval() {
            if (eval == null) {
                eval = model.newWorkspace(TransformerFamily.EVAL_BATCH);
            }
            return eval;
        }
    }
}
