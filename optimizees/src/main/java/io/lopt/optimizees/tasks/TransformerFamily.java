package io.lopt.optimizees.tasks;

import io.lopt.optimizees.datasets.TextCorpus;
import io.lopt.optimizees.models.Parametrization;
import io.lopt.optimizees.models.Transformer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decoder-only transformer language models ({@link Transformer} with a token embedding and causal attention) on the
 * English text of {@link TextCorpus}, one byte per token: the paper's out-of-distribution test for learned optimizers
 * meta-trained on MLPs (docs/transformers.md). Options: {@code dataset} ({@code fortunes}), {@code ctx} (tokens per
 * sequence), {@code heads} and {@code vocab} (2 to 256 byte ids; the rarest bytes share the last one). The loss is
 * the mean next-token cross-entropy in nats; bits per byte = loss / ln 2.
 */
public final class TransformerFamily implements TaskFamily {
    public static final String NAME = "transformer";
    public static final String FORTUNES = "fortunes";
    /** Sequences per forward pass when evaluating. */
    static final int EVAL_BATCH = 32;
    /** The most windows an evaluation reads (evenly spaced over the split). */
    static final int EVAL_WINDOWS = 1024;
    /** Built on first use, not in a static initialiser: a TaskSpec asks the registry, which loads the families. */
    private static final class Defaults {
        static final TaskSpec SPEC = new TaskSpec(NAME, options(FORTUNES, 64, 4, 96), 64, 2, Parametrization.MUP, 32, 0);
    }

    static Map<String, String> options(String dataset, int ctx, int heads, int vocab) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("dataset", dataset);
        o.put("ctx", Integer.toString(ctx));
        o.put("heads", Integer.toString(heads));
        o.put("vocab", Integer.toString(vocab));
        return o;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "μP/SP decoder-only transformer language model on English text, byte tokens (keys: dataset, ctx, heads, "
                + "vocab)";
    }

    @Override
    public List<String> optionKeys() {
        return List.of("dataset", "ctx", "heads", "vocab");
    }

    @Override
    public TaskSpec defaults() {
        return Defaults.SPEC;
    }

    @Override
    public void check(TaskSpec s) {
        if (!s.option("dataset").equals(FORTUNES)) {
            throw new IllegalArgumentException("unknown text dataset '" + s.option("dataset") + "' (expected fortunes)");
        }
        int ctx = TaskSpec.parseIntOption(NAME, "ctx", s.option("ctx"));
        int heads = TaskSpec.parseIntOption(NAME, "heads", s.option("heads"));
        int vocab = TaskSpec.parseIntOption(NAME, "vocab", s.option("vocab"));
        if (ctx < 2 || ctx > 1024) {
            throw new IllegalArgumentException("transformer ctx must be in [2, 1024], got " + ctx);
        }
        if (heads < 1 || s.width() % heads != 0) {
            throw new IllegalArgumentException("transformer width " + s.width() + " must be a positive multiple of its "
                    + heads + " heads");
        }
        if (vocab < 2 || vocab > 256) {
            throw new IllegalArgumentException("transformer vocab must be in [2, 256] (byte tokens), got " + vocab);
        }
    }

    @Override
    public String label(TaskSpec s) {
        return "lm" + s.option("ctx") + "-w" + s.width() + "-d" + s.depth() + "-h" + s.option("heads") + "-"
                + s.param().label();
    }

    static Transformer model(TaskSpec s) {
        int vocab = s.intOption("vocab");
        return new Transformer(vocab, true, s.intOption("ctx"), s.width(), s.depth(), s.intOption("heads"), vocab,
                s.param());
    }

    @Override
    public Task build(TaskSpec spec, TaskData data) {
        int vocab = spec.intOption("vocab");
        TextCorpus corpus = data.get(FORTUNES + "@" + vocab, () -> TextCorpus.load(data.dataDir(), vocab));
        return new TransformerLmTask(spec, corpus, model(spec));
    }

    @Override
    public double parameters(TaskSpec s) {
        return model(s).specs().stream().mapToDouble(p -> p.size()).sum();
    }

    @Override
    public double flopsPerStep(TaskSpec s) {
        return VitFamily.transformerFlops(s.batchSize(), s.intOption("ctx"), s.width(), s.depth(),
                s.intOption("vocab"), 0);
    }

    @Override
    public double trainingBytes(TaskSpec s, int stateFloats) {
        return 4 * (parameters(s) * (2 + stateFloats) + VitFamily.activationFloats(s.batchSize(), s.intOption("ctx"),
                s.width(), s.depth(), s.intOption("heads"), s.intOption("vocab"), true)
                + VitFamily.activationFloats(EVAL_BATCH, s.intOption("ctx"), s.width(), s.depth(), s.intOption("heads"),
                        s.intOption("vocab"), true));
    }

    @Override
    public String dataKey(TaskSpec s) {
        return FORTUNES + "@" + s.option("vocab");
    }

    /** About 2.4 million tokens as shorts. */
    @Override
    public double dataBytes(TaskSpec s) {
        return 2.0 * 2.5e6;
    }

    /** The raw bytes while they are read. */
    @Override
    public double loadingBytes(TaskSpec s) {
        return 3 * 2.5e6;
    }
}
