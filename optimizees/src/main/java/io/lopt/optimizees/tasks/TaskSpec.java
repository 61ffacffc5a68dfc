package io.lopt.optimizees.tasks;

import io.lopt.optimizees.models.Parametrization;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One optimizee task: a dataset at a resolution, an MLP of a width and depth in μP or SP, a batch size and a seed
 * (the seed changes the initialisation and the data order).
 *
 * <p>Text form (used on the command line and in configurations):
 * {@code dataset=fashion-mnist,res=8,width=64,depth=3,param=mup,batch=128,seed=0}; keys may be omitted and take the
 * defaults of {@link #DEFAULT}.
 *
 * @param dataset    {@code fashion-mnist} or {@code synthetic}
 * @param resolution image side (8, 14 or 28 for Fashion-MNIST, area-averaged from 28); for {@code synthetic} the
 *                   input has res² features (1 to 64)
 */
public record TaskSpec(String dataset, int resolution, int width, int depth, Parametrization param, int batchSize,
        long seed) {
    public static final String FASHION_MNIST = "fashion-mnist";
    public static final String SYNTHETIC = "synthetic";
    public static final TaskSpec DEFAULT = new TaskSpec(FASHION_MNIST, 28, 128, 3, Parametrization.MUP, 128, 0);
    private static final java.util.Set<String> KEYS = java.util.Set.of("dataset", "res", "width", "depth", "param",
            "batch", "seed");

    public TaskSpec {
        if (dataset == null) {
            throw new IllegalArgumentException("task dataset must be given");
        }
        dataset = dataset.trim().toLowerCase(Locale.ROOT);
        if (dataset.equals("fmnist") || dataset.equals("fashion_mnist")) {
            dataset = FASHION_MNIST;
        }
        if (!dataset.equals(FASHION_MNIST) && !dataset.equals(SYNTHETIC)) {
            throw new IllegalArgumentException("unknown dataset '" + dataset + "' (expected fashion-mnist or synthetic)");
        }
        if (dataset.equals(FASHION_MNIST) && resolution != 8 && resolution != 14 && resolution != 28) {
            throw new IllegalArgumentException("Fashion-MNIST resolution must be in {8, 14, 28}, got " + resolution);
        }
        if (dataset.equals(SYNTHETIC) && (resolution < 1 || resolution > 64)) {
            throw new IllegalArgumentException("synthetic resolution must be in [1, 64], got " + resolution);
        }
        if (width < 1) {
            throw new IllegalArgumentException("task width must be at least 1, got " + width);
        }
        if (depth < 1) {
            throw new IllegalArgumentException("task depth (hidden layers) must be at least 1, got " + depth);
        }
        if (param == null) {
            throw new IllegalArgumentException("task parametrization must be given (mup or sp)");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("task batch size must be at least 1, got " + batchSize);
        }
    }

    /** Parses the text form; unknown keys and bad values get an error that names them. */
    public static TaskSpec parse(String text) {
        return parse(text, DEFAULT);
    }

    /** Parses the text form, taking missing keys from {@code defaults}. */
    public static TaskSpec parse(String text, TaskSpec defaults) {
        Map<String, String> kv = new LinkedHashMap<>();
        if (text != null && !text.isBlank()) {
            for (String part : text.split(",")) {
                String p = part.trim();
                if (p.isEmpty()) {
                    continue;
                }
                int eq = p.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("task spec item '" + p + "' is not key=value (in '" + text + "')");
                }
                String k = p.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                if (!KEYS.contains(k)) {
                    throw new IllegalArgumentException("unknown task spec key '" + k + "' (known: dataset, res, width, "
                            + "depth, param, batch, seed)");
                }
                if (kv.put(k, p.substring(eq + 1).trim()) != null) {
                    throw new IllegalArgumentException("task spec key '" + k + "' is given twice (in '" + text + "')");
                }
            }
        }
        return new TaskSpec(kv.getOrDefault("dataset", defaults.dataset),
                intValue(kv, "res", defaults.resolution), intValue(kv, "width", defaults.width),
                intValue(kv, "depth", defaults.depth),
                kv.containsKey("param") ? Parametrization.parse(kv.get("param")) : defaults.param,
                intValue(kv, "batch", defaults.batchSize),
                kv.containsKey("seed") ? longValue(kv.get("seed")) : defaults.seed);
    }

    private static int intValue(Map<String, String> kv, String key, int def) {
        String v = kv.get(key);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("task spec key '" + key + "' needs an integer, got '" + v + "'");
        }
    }

    private static long longValue(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("task spec key 'seed' needs an integer, got '" + v + "'");
        }
    }

    public TaskSpec withSeed(long s) {
        return new TaskSpec(dataset, resolution, width, depth, param, batchSize, s);
    }

    public TaskSpec withWidth(int w) {
        return new TaskSpec(dataset, resolution, w, depth, param, batchSize, seed);
    }

    public TaskSpec withDepth(int d) {
        return new TaskSpec(dataset, resolution, width, d, param, batchSize, seed);
    }

    public TaskSpec withParam(Parametrization p) {
        return new TaskSpec(dataset, resolution, width, depth, p, batchSize, seed);
    }

    public TaskSpec withDataset(String ds, int res) {
        return new TaskSpec(ds, res, width, depth, param, batchSize, seed);
    }

    /** The text form, parseable by {@link #parse}. */
    @Override
    public String toString() {
        return "dataset=" + dataset + ",res=" + resolution + ",width=" + width + ",depth=" + depth + ",param="
                + param.label() + ",batch=" + batchSize + ",seed=" + seed;
    }

    /** A short label for tables and plots, e.g. {@code fmnist8-w64-d3-mup}. */
    public String label() {
        String ds = dataset.equals(FASHION_MNIST) ? "fmnist" + resolution : "synth" + resolution;
        return ds + "-w" + width + "-d" + depth + "-" + param.label();
    }
}
