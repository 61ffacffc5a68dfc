package io.lopt.optimizees.tasks;

import io.lopt.optimizees.models.Parametrization;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One optimizee task: a {@link TaskFamily} (the MLP by default), the family's own options (for the MLP: the dataset and
 * its resolution), a width and a depth, μP or SP, a batch size and a seed (the seed changes the initialisation and
 * the data order). Immutable; checked by its family when built, so a spec that exists can be built.
 *
 * <p>Text form (used on the command line and in configurations):
 * {@code dataset=fashion-mnist,res=8,width=64,depth=3,param=mup,batch=128,seed=0} for the MLP, and
 * {@code family=NAME,key=value,...} for other families; keys may be omitted and take the family's defaults.
 */
public final class TaskSpec {
    public static final String MLP = "mlp";
    public static final String FASHION_MNIST = "fashion-mnist";
    public static final String SYNTHETIC = "synthetic";
    /** The keys every family has, after its own options in the text form. */
    public static final List<String> COMMON_KEYS = List.of("width", "depth", "param", "batch", "seed");
    public static final TaskSpec DEFAULT = mlp(FASHION_MNIST, 28, 128, 3, Parametrization.MUP, 128, 0);

    private final String family;
    private final Map<String, String> options;
    private final int width;
    private final int depth;
    private final Parametrization param;
    private final int batchSize;
    private final long seed;

    /**
     * @param family  a {@link TaskFamilies registered} family's name
     * @param options the family's own keys; missing ones take the family's defaults, unknown ones are refused
     */
    public TaskSpec(String family, Map<String, String> options, int width, int depth, Parametrization param,
            int batchSize, long seed) {
        this.family = family == null ? MLP : family.trim().toLowerCase(Locale.ROOT);
        TaskFamily f = TaskFamilies.get(this.family);
        Map<String, String> given = new LinkedHashMap<>(options == null ? Map.of() : options);
        Map<String, String> opts = new LinkedHashMap<>();
        for (String k : f.optionKeys()) {
            String v = given.remove(k);
            opts.put(k, v != null ? f.normalise(k, v) : f.defaults().option(k));
        }
        if (!given.isEmpty()) {
            throw new IllegalArgumentException("unknown task spec key '" + given.keySet().iterator().next()
                    + "' for family " + this.family + " (known: " + String.join(", ", knownKeys(f)) + ")");
        }
        this.options = Collections.unmodifiableMap(opts);
        if (width < 1) {
            throw new IllegalArgumentException("task width must be at least 1, got " + width);
        }
        if (depth < 1) {
            throw new IllegalArgumentException("task depth must be at least 1, got " + depth);
        }
        if (param == null) {
            throw new IllegalArgumentException("task parametrization must be given (mup or sp)");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("task batch size must be at least 1, got " + batchSize);
        }
        this.width = width;
        this.depth = depth;
        this.param = param;
        this.batchSize = batchSize;
        this.seed = seed;
        f.check(this);
    }

    /** An MLP task on a dataset at a resolution. */
    public static TaskSpec mlp(String dataset, int resolution, int width, int depth, Parametrization param,
            int batchSize, long seed) {
        if (dataset == null) {
            throw new IllegalArgumentException("task dataset must be given");
        }
        Map<String, String> o = new LinkedHashMap<>();
        o.put("dataset", dataset);
        o.put("res", Integer.toString(resolution));
        return new TaskSpec(MLP, o, width, depth, param, batchSize, seed);
    }

    private static List<String> knownKeys(TaskFamily f) {
        List<String> keys = new ArrayList<>();
        keys.add("family");
        keys.addAll(f.optionKeys());
        keys.addAll(COMMON_KEYS);
        return keys;
    }

    public String family() {
        return family;
    }

    /** The family this spec belongs to. */
    public TaskFamily taskFamily() {
        return TaskFamilies.get(family);
    }

    /** The family's own options, in its key order. */
    public Map<String, String> options() {
        return options;
    }

    /** One of the family's options. */
    public String option(String key) {
        String v = options.get(key);
        if (v == null) {
            throw new IllegalArgumentException("family " + family + " has no task key '" + key + "'");
        }
        return v;
    }

    /** One of the family's options, as an integer (the family's check made sure it is one). */
    public int intOption(String key) {
        return Integer.parseInt(option(key));
    }

    /** The dataset, for families that read one (null otherwise). */
    public String dataset() {
        return options.get("dataset");
    }

    /** The image side, for families on images (0 otherwise). */
    public int resolution() {
        String r = options.get("res");
        return r == null ? 0 : Integer.parseInt(r);
    }

    public int width() {
        return width;
    }

    public int depth() {
        return depth;
    }

    public Parametrization param() {
        return param;
    }

    public int batchSize() {
        return batchSize;
    }

    public long seed() {
        return seed;
    }

    /** Parses the text form; unknown keys and bad values get an error that names them. */
    public static TaskSpec parse(String text) {
        return parse(text, DEFAULT);
    }

    /**
     * Parses the text form, taking missing keys from {@code defaults} (from the family's own defaults when the text
     * names another family).
     */
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
                if (kv.put(k, p.substring(eq + 1).trim()) != null) {
                    throw new IllegalArgumentException("task spec key '" + k + "' is given twice (in '" + text + "')");
                }
            }
        }
        String fam = kv.containsKey("family") ? kv.remove("family").toLowerCase(Locale.ROOT) : defaults.family;
        TaskFamily f = TaskFamilies.get(fam);
        TaskSpec base = fam.equals(defaults.family) ? defaults : f.defaults();
        Map<String, String> opts = new LinkedHashMap<>(base.options);
        for (Map.Entry<String, String> e : kv.entrySet()) {
            if (!COMMON_KEYS.contains(e.getKey())) {
                if (!f.optionKeys().contains(e.getKey())) {
                    throw new IllegalArgumentException("unknown task spec key '" + e.getKey() + "' (known: "
                            + String.join(", ", knownKeys(f)) + ")");
                }
                opts.put(e.getKey(), e.getValue());
            }
        }
        return new TaskSpec(fam, opts, intValue(kv, "width", base.width), intValue(kv, "depth", base.depth),
                kv.containsKey("param") ? Parametrization.parse(kv.get("param")) : base.param,
                intValue(kv, "batch", base.batchSize), kv.containsKey("seed") ? longValue(kv.get("seed")) : base.seed);
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

    /** Parses an integer option for a family's check, with a one-line error that names the key. */
    public static int parseIntOption(String family, String key, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("task spec key '" + key + "' of family " + family
                    + " needs an integer, got '" + value + "'");
        }
    }

    public TaskSpec withSeed(long s) {
        return new TaskSpec(family, options, width, depth, param, batchSize, s);
    }

    public TaskSpec withWidth(int w) {
        return new TaskSpec(family, options, w, depth, param, batchSize, seed);
    }

    public TaskSpec withDepth(int d) {
        return new TaskSpec(family, options, width, d, param, batchSize, seed);
    }

    public TaskSpec withParam(Parametrization p) {
        return new TaskSpec(family, options, width, depth, p, batchSize, seed);
    }

    /** This spec with one of the family's options changed. */
    public TaskSpec withOption(String key, String value) {
        Map<String, String> o = new LinkedHashMap<>(options);
        if (!o.containsKey(key)) {
            throw new IllegalArgumentException("family " + family + " has no task key '" + key + "'");
        }
        o.put(key, value);
        return new TaskSpec(family, o, width, depth, param, batchSize, seed);
    }

    /** This spec on another dataset and resolution (families on images). */
    public TaskSpec withDataset(String ds, int res) {
        Map<String, String> o = new LinkedHashMap<>(options);
        o.put("dataset", ds);
        o.put("res", Integer.toString(res));
        return new TaskSpec(family, o, width, depth, param, batchSize, seed);
    }

    /** The text form, parseable by {@link #parse}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (!family.equals(MLP)) {
            b.append("family=").append(family).append(',');
        }
        for (Map.Entry<String, String> e : options.entrySet()) {
            b.append(e.getKey()).append('=').append(e.getValue()).append(',');
        }
        return b.append("width=").append(width).append(",depth=").append(depth).append(",param=")
                .append(param.label()).append(",batch=").append(batchSize).append(",seed=").append(seed).toString();
    }

    /** A short label for tables and plots, e.g. {@code fmnist8-w64-d3-mup}. */
    public String label() {
        return taskFamily().label(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskSpec s && family.equals(s.family) && options.equals(s.options) && width == s.width
                && depth == s.depth && param == s.param && batchSize == s.batchSize && seed == s.seed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(family, options, width, depth, param, batchSize, seed);
    }
}
