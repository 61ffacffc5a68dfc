package io.lopt.optimizees.tasks;

import io.lopt.optimizees.models.Parametrization;
import io.lopt.util.Rng;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A distribution over the tasks of one family: each draw picks every family option (in the family's key order), then
 * a width and a depth, uniformly from the given lists; the parametrization and batch size are fixed.
 *
 * @param options for each of the family's option keys, the values to draw from (a missing key: the family's default)
 */
public record TaskDistribution(String family, Map<String, List<String>> options, List<Integer> widths,
        List<Integer> depths, Parametrization param, int batchSize) {

    public TaskDistribution {
        TaskFamily f = TaskFamilies.get(family == null ? TaskSpec.MLP : family);
        family = f.name();
        Map<String, List<String>> given = new LinkedHashMap<>(options == null ? Map.of() : options);
        Map<String, List<String>> o = new LinkedHashMap<>();
        for (String k : f.optionKeys()) {
            boolean present = given.containsKey(k);
            List<String> v = given.remove(k);
            if (present && v == null) {
                throw new IllegalArgumentException("task distribution: " + k + " has no values (leave it out for the "
                        + "family's default)");
            }
            o.put(k, v == null ? List.of(f.defaults().option(k)) : List.copyOf(nonEmpty(v, k)));
        }
        if (!given.isEmpty()) {
            throw new IllegalArgumentException("task distribution: family " + family + " has no key '"
                    + given.keySet().iterator().next() + "' (its keys: " + String.join(", ", f.optionKeys()) + ")");
        }
        options = Collections.unmodifiableMap(o);
        widths = List.copyOf(nonEmpty(widths, "widths"));
        depths = List.copyOf(nonEmpty(depths, "depths"));
        if (param == null) {
            throw new IllegalArgumentException("task distribution needs a parametrization");
        }
        // validate every combination now, so that a bad value fails at configuration time, not mid-run
        all(family, options, widths, depths, param, batchSize);
    }

    /** MLP tasks: every combination of dataset, resolution, width and depth. */
    public static TaskDistribution mlp(List<String> datasets, List<Integer> resolutions, List<Integer> widths,
            List<Integer> depths, Parametrization param, int batchSize) {
        Map<String, List<String>> o = new LinkedHashMap<>();
        o.put("dataset", datasets);
        o.put("res", resolutions == null ? null : resolutions.stream().map(String::valueOf).toList());
        return new TaskDistribution(TaskSpec.MLP, o, widths, depths, param, batchSize);
    }

    private static <T> List<T> nonEmpty(List<T> l, String what) {
        if (l == null || l.isEmpty()) {
            throw new IllegalArgumentException("task distribution: " + what + " must not be empty");
        }
        return l;
    }

    /** A single fixed task as a distribution. */
    public static TaskDistribution of(TaskSpec spec) {
        Map<String, List<String>> o = new LinkedHashMap<>();
        spec.options().forEach((k, v) -> o.put(k, List.of(v)));
        return new TaskDistribution(spec.family(), o, List.of(spec.width()), List.of(spec.depth()), spec.param(),
                spec.batchSize());
    }

    /** Every task the distribution can draw, with seed 0. */
    public List<TaskSpec> all() {
        return all(family, options, widths, depths, param, batchSize);
    }

    private static List<TaskSpec> all(String family, Map<String, List<String>> options, List<Integer> widths,
            List<Integer> depths, Parametrization param, int batchSize) {
        List<Map<String, String>> combos = new ArrayList<>();
        combos.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<String>> e : options.entrySet()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> c : combos) {
                for (String v : e.getValue()) {
                    Map<String, String> m = new LinkedHashMap<>(c);
                    m.put(e.getKey(), v);
                    next.add(m);
                }
            }
            combos = next;
        }
        List<TaskSpec> out = new ArrayList<>();
        for (Map<String, String> c : combos) {
            for (int w : widths) {
                for (int d : depths) {
                    out.add(new TaskSpec(family, c, w, d, param, batchSize, 0));
                }
            }
        }
        return out;
    }

    /** Draws a task spec; its seed is drawn too, so that every draw is a fresh initialisation and data order. */
    public TaskSpec sample(Rng rng) {
        Map<String, String> o = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : options.entrySet()) {
            o.put(e.getKey(), e.getValue().get(rng.nextInt(e.getValue().size())));
        }
        int w = widths.get(rng.nextInt(widths.size()));
        int dep = depths.get(rng.nextInt(depths.size()));
        long seed = rng.nextLong() & Long.MAX_VALUE;
        return new TaskSpec(family, o, w, dep, param, batchSize, seed);
    }
}
