package io.lopt.optimizees.tasks;

import io.lopt.optimizees.models.Parametrization;
import io.lopt.util.Rng;
import java.util.List;

/**
 * A distribution over tasks: each draw picks a dataset, a resolution, a width and a depth uniformly from the given
 * lists; the parametrization and batch size are fixed.
 */
public record TaskDistribution(List<String> datasets, List<Integer> resolutions, List<Integer> widths,
        List<Integer> depths, Parametrization param, int batchSize) {

    public TaskDistribution {
        datasets = List.copyOf(nonEmpty(datasets, "datasets"));
        resolutions = List.copyOf(nonEmpty(resolutions, "resolutions"));
        widths = List.copyOf(nonEmpty(widths, "widths"));
        depths = List.copyOf(nonEmpty(depths, "depths"));
        if (param == null) {
            throw new IllegalArgumentException("task distribution needs a parametrization");
        }
        // validate every combination now, so that a bad value fails at configuration time, not mid-run
        for (String d : datasets) {
            for (int r : resolutions) {
                for (int w : widths) {
                    for (int dep : depths) {
                        new TaskSpec(d, r, w, dep, param, batchSize, 0);
                    }
                }
            }
        }
    }

    private static <T> List<T> nonEmpty(List<T> l, String what) {
        if (l == null || l.isEmpty()) {
            throw new IllegalArgumentException("task distribution: " + what + " must not be empty");
        }
        return l;
    }

    /** A single fixed task as a distribution. */
    public static TaskDistribution of(TaskSpec spec) {
        return new TaskDistribution(List.of(spec.dataset()), List.of(spec.resolution()), List.of(spec.width()),
                List.of(spec.depth()), spec.param(), spec.batchSize());
    }

    /** Draws a task spec; its seed is drawn too, so that every draw is a fresh initialisation and data order. */
    public TaskSpec sample(Rng rng) {
        String d = datasets.get(rng.nextInt(datasets.size()));
        int r = resolutions.get(rng.nextInt(resolutions.size()));
        int w = widths.get(rng.nextInt(widths.size()));
        int dep = depths.get(rng.nextInt(depths.size()));
        long seed = rng.nextLong() & Long.MAX_VALUE;
        return new TaskSpec(d, r, w, dep, param, batchSize, seed);
    }
}
