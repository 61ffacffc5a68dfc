package io.lopt.optimizees.tasks;

import io.lopt.optimizees.datasets.Dataset;
import io.lopt.optimizees.models.Parametrization;
import io.lopt.optimizees.models.Transformer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Vision transformers ({@link Transformer} with a linear patch embedding, bidirectional attention and mean pooling)
 * on Fashion-MNIST (or the synthetic family, read as res×res images): the paper's second out-of-distribution test
 * (docs/transformers.md). Options: {@code dataset} and {@code res} (as for the MLP), {@code patch} (the side of a
 * square patch, dividing res: 7 gives 16 tokens of 49 pixels at 28×28) and {@code heads}.
 */
public final class VitFamily implements TaskFamily {
    public static final String NAME = "vit";
    /** Built on first use, not in a static initialiser: a TaskSpec asks the registry, which loads the families. */
    private static final class Defaults {
        static final TaskSpec SPEC = new TaskSpec(NAME, options(TaskSpec.FASHION_MNIST, 28, 7, 4), 64, 2,
                Parametrization.MUP, 128, 0);
    }

    static Map<String, String> options(String dataset, int res, int patch, int heads) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("dataset", dataset);
        o.put("res", Integer.toString(res));
        o.put("patch", Integer.toString(patch));
        o.put("heads", Integer.toString(heads));
        return o;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "μP/SP vision transformer on Fashion-MNIST or the synthetic family (keys: dataset, res, patch, heads)";
    }

    @Override
    public List<String> optionKeys() {
        return List.of("dataset", "res", "patch", "heads");
    }

    @Override
    public TaskSpec defaults() {
        return Defaults.SPEC;
    }

    @Override
    public String normalise(String key, String value) {
        return key.equals("dataset") ? new MlpFamily().normalise(key, value) : value.trim();
    }

    @Override
    public void check(TaskSpec s) {
        MlpFamily.checkImages(NAME, s); // dataset and res as for the MLP
        int res = s.resolution();
        int patch = TaskSpec.parseIntOption(NAME, "patch", s.option("patch"));
        int heads = TaskSpec.parseIntOption(NAME, "heads", s.option("heads"));
        if (patch < 1 || res % patch != 0) {
            throw new IllegalArgumentException("vit patch " + patch + " must divide the resolution " + res);
        }
        if (heads < 1 || s.width() % heads != 0) {
            throw new IllegalArgumentException("vit width " + s.width() + " must be a positive multiple of its " + heads
                    + " heads");
        }
    }

    @Override
    public String label(TaskSpec s) {
        String ds = s.dataset().equals(TaskSpec.FASHION_MNIST) ? "fmnist" : "synth";
        return "vit-" + ds + s.resolution() + "p" + s.option("patch") + "-w" + s.width() + "-d" + s.depth() + "-h"
                + s.option("heads") + "-" + s.param().label();
    }

    static int tokens(TaskSpec s) {
        int side = s.resolution() / s.intOption("patch");
        return side * side;
    }

    static Transformer model(TaskSpec s, int classes) {
        int p = s.intOption("patch");
        return new Transformer(p * p, false, tokens(s), s.width(), s.depth(), s.intOption("heads"), classes,
                s.param());
    }

    @Override
    public Task build(TaskSpec spec, TaskData data) {
        Dataset d = MlpFamily.dataset(spec, data);
        return new VitTask(spec, d, model(spec, d.classes()));
    }

    @Override
    public double parameters(TaskSpec s) {
        return model(s, 10).specs().stream().mapToDouble(p -> p.size()).sum();
    }

    @Override
    public double flopsPerStep(TaskSpec s) {
        int p = s.intOption("patch");
        return transformerFlops(s.batchSize(), tokens(s), s.width(), s.depth(), 10, p * p);
    }

    /**
     * Multiply-adds of a forward and backward pass (3× the forward): per token, 12·d² in each block's projections
     * and MLP and 2·T·d in its attention, d·classes in the readout, inputs·d in a patch embedding.
     */
    static double transformerFlops(int batch, int seq, int width, int depth, int classes, int patchInputs) {
        double d = width;
        double perToken = depth * (12 * d * d + 2.0 * seq * d) + d * classes + patchInputs * d;
        return 3.0 * batch * seq * perToken;
    }

    /** Floats of the activations a forward and backward pass of {@code batch} sequences keeps. */
    static double activationFloats(int batch, int seq, int width, int depth, int heads, int classes, boolean lm) {
        double n = (double) batch * seq;
        double perBlock = 13 * n * width + 2 * n * Transformer.MLP_RATIO * width + (double) batch * heads * seq * seq
                + 2 * n;
        return depth * perBlock + (depth + 7) * n * width + (lm ? n : batch) * classes;
    }

    @Override
    public double trainingBytes(TaskSpec s, int stateFloats) {
        return 4 * (parameters(s) * (2 + stateFloats)
                + activationFloats(s.batchSize(), tokens(s), s.width(), s.depth(), s.intOption("heads"), 10, false)
                + activationFloats(VitTask.EVAL_BATCH, tokens(s), s.width(), s.depth(), s.intOption("heads"), 10,
                        false));
    }

    @Override
    public String dataKey(TaskSpec s) {
        return new MlpFamily().dataKey(s);
    }

    @Override
    public double dataBytes(TaskSpec s) {
        return new MlpFamily().dataBytes(s);
    }

    @Override
    public double loadingBytes(TaskSpec s) {
        return new MlpFamily().loadingBytes(s);
    }
}
