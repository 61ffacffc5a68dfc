package io.lopt.optimizees.tasks;

import io.lopt.optimizees.datasets.Dataset;
import io.lopt.optimizees.datasets.FashionMnist;
import io.lopt.optimizees.datasets.Synthetic;
import java.util.List;
import java.util.Locale;

/**
 * The μP/SP MLP of docs/spec.md §1 ({@link io.lopt.optimizees.models.Mlp}) on Fashion-MNIST at 8×8, 14×14 or 28×28,
 * or on the synthetic teacher-labelled family: the family the learned optimizers are meta-trained on. Options:
 * {@code dataset} ({@code fashion-mnist} or {@code synthetic}) and {@code res} (the image side; for {@code synthetic}
 * the input has res² features, 1 to 64).
 */
public final class MlpFamily implements TaskFamily {
    /** Size of the synthetic dataset's splits. */
    public static final int SYNTHETIC_TRAIN = 8192;
    public static final int SYNTHETIC_TEST = 2048;
    public static final int SYNTHETIC_CLASSES = 10;
    private static final int CLASSES = 10;
    private static final double FASHION_MNIST_EXAMPLES = 70_000;

    @Override
    public String name() {
        return TaskSpec.MLP;
    }

    @Override
    public String description() {
        return "μP/SP MLP with ReLU on Fashion-MNIST (res 8, 14, 28) or the synthetic family (keys: dataset, res)";
    }

    @Override
    public List<String> optionKeys() {
        return List.of("dataset", "res");
    }

    @Override
    public TaskSpec defaults() {
        return TaskSpec.DEFAULT;
    }

    @Override
    public String normalise(String key, String value) {
        String v = value.trim();
        if (key.equals("dataset")) {
            v = v.toLowerCase(Locale.ROOT);
            if (v.equals("fmnist") || v.equals("fashion_mnist")) {
                v = TaskSpec.FASHION_MNIST;
            }
        }
        return v;
    }

    @Override
    public void check(TaskSpec s) {
        checkImages(name(), s);
    }

    /** The checks of the image keys {@code dataset} and {@code res}, for any family that has them. */
    static void checkImages(String family, TaskSpec s) {
        String dataset = s.option("dataset");
        int res = TaskSpec.parseIntOption(family, "res", s.option("res"));
        switch (dataset) {
            case TaskSpec.FASHION_MNIST -> {
                if (res != 8 && res != 14 && res != 28) {
                    throw new IllegalArgumentException("Fashion-MNIST resolution must be in {8, 14, 28}, got " + res);
                }
            }
            case TaskSpec.SYNTHETIC -> {
                if (res < 1 || res > 64) {
                    throw new IllegalArgumentException("synthetic resolution must be in [1, 64], got " + res);
                }
            }
            default -> throw new IllegalArgumentException("unknown dataset '" + dataset
                    + "' (expected fashion-mnist or synthetic)");
        }
    }

    @Override
    public String label(TaskSpec s) {
        String ds = s.dataset().equals(TaskSpec.FASHION_MNIST) ? "fmnist" + s.resolution() : "synth" + s.resolution();
        return ds + "-w" + s.width() + "-d" + s.depth() + "-" + s.param().label();
    }

    @Override
    public Task build(TaskSpec spec, TaskData data) {
        return new MlpTask(spec, dataset(spec, data));
    }

    /** The dataset a spec names, loaded once per {@link TaskData}. The synthetic data seed is fixed (0). */
    public static Dataset dataset(TaskSpec spec, TaskData data) {
        int res = spec.resolution();
        return switch (spec.dataset()) {
            case TaskSpec.FASHION_MNIST -> data.get("fashion-mnist@" + res, () -> FashionMnist.load(data.dataDir(), res));
            case TaskSpec.SYNTHETIC -> data.get("synthetic@" + res,
                    () -> Synthetic.generate(0, res * res, SYNTHETIC_CLASSES, SYNTHETIC_TRAIN, SYNTHETIC_TEST));
            default -> throw new IllegalArgumentException("unknown dataset '" + spec.dataset() + "'");
        };
    }

    private static double features(TaskSpec s) {
        return (double) s.resolution() * s.resolution();
    }

    @Override
    public double parameters(TaskSpec s) {
        double f = features(s);
        double w = s.width();
        return f * w + w + (s.depth() - 1) * (w * w + w) + w * CLASSES + CLASSES;
    }

    @Override
    public double flopsPerStep(TaskSpec s) {
        double w = s.width();
        return 3.0 * s.batchSize() * (features(s) * w + (s.depth() - 1) * w * w + w * CLASSES);
    }

    /** Floats of the buffers one forward/backward pass of {@code rows} examples uses (activations, inputs, logits). */
    static double activationFloats(TaskSpec s, int rows) {
        return rows * ((double) s.width() * (s.depth() + 4) + 2 * features(s) + 3.0 * CLASSES);
    }

    @Override
    public double trainingBytes(TaskSpec s, int stateFloats) {
        return 4 * (parameters(s) * (2 + stateFloats) + activationFloats(s, s.batchSize())
                + activationFloats(s, MlpTask.EVAL_BATCH));
    }

    @Override
    public String dataKey(TaskSpec s) {
        return s.dataset() + "@" + s.resolution();
    }

    @Override
    public double dataBytes(TaskSpec s) {
        double f = features(s);
        double examples = TaskSpec.SYNTHETIC.equals(s.dataset()) ? SYNTHETIC_TRAIN + SYNTHETIC_TEST
                : FASHION_MNIST_EXAMPLES;
        return 4.0 * examples * (f + 1);
    }

    /** Fashion-MNIST's 28×28 pixels as bytes and floats while it loads, about 270 MB. */
    @Override
    public double loadingBytes(TaskSpec s) {
        return TaskSpec.SYNTHETIC.equals(s.dataset()) ? 0
                : FASHION_MNIST_EXAMPLES * FashionMnist.SIZE * FashionMnist.SIZE * 5.0;
    }
}
