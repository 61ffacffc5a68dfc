package io.lopt.evaluation.suites;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.lopt.optimizees.models.Parametrization;
import io.lopt.optimizees.tasks.TaskSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An evaluation suite, as written in a YAML or JSON file (snake_case keys): a base task, the task variants to run,
 * the number of inner steps, the seeds, the baselines and how they are tuned. See {@link Suites} for the built-in
 * suites and the paper settings they scale down.
 *
 * @param axis             the task property the suite varies ({@code width}, {@code depth}, {@code steps},
 *                         {@code dataset}): the x-axis of its summary plot, and the group of every variant that names
 *                         no other
 * @param steps            inner steps per run (a variant may override it)
 * @param baselines        hand-designed optimizers to compare: {@code adamw} (SP) and {@code muadam} (μP)
 * @param baselineSchedule their learning-rate schedule and update clipping: {@code warmup_cosine} (the default: the
 *                         μLO paper's, see {@link BaselineSchedule}) or {@code constant}
 * @param divergenceFactor a run stops and counts as diverged when the mean of its last 20 minibatch losses exceeds
 *                         this multiple of its first loss, or a loss is not finite
 *                         ({@link io.lopt.optimizees.tasks.Divergence})
 * @param ranksAt          fractions of each run's horizon at which optimizers are ranked (paper: 20%, 60%, 100%)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SuiteConfig(String name, String description, String axis, BaseTask base, int steps, List<Long> seeds,
        List<Variant> tasks, List<String> baselines, String baselineSchedule, Tuning tuning, double divergenceFactor,
        List<Double> ranksAt) {

    public static final List<String> AXES = List.of("width", "depth", "steps", "dataset");
    public static final List<String> BASELINES = List.of("adamw", "muadam");

    public SuiteConfig {
        require(name != null && !name.isBlank(), "name must be given");
        description = description == null ? "" : description;
        require(AXES.contains(axis), "axis must be one of " + AXES + ", got '" + axis + "'");
        require(base != null, "base must be given");
        require(steps >= 2, "steps must be at least 2, got " + steps);
        require(seeds != null && !seeds.isEmpty(), "seeds must list at least one seed");
        require(tasks != null && !tasks.isEmpty(), "tasks must list at least one variant");
        baselines = baselines == null ? BASELINES : List.copyOf(baselines);
        for (String b : baselines) {
            require(BASELINES.contains(b), "unknown baseline '" + b + "' (known: " + BASELINES + ")");
        }
        try {
            baselineSchedule = (baselineSchedule == null ? BaselineSchedule.WARMUP_COSINE
                    : BaselineSchedule.parse(baselineSchedule)).key();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("baseline_schedule: " + e.getMessage(), e);
        }
        require(tuning != null, "tuning must be given");
        require(divergenceFactor > 1, "divergence_factor must be above 1, got " + divergenceFactor);
        require(ranksAt != null && !ranksAt.isEmpty(), "ranks_at must list at least one fraction");
        for (double f : ranksAt) {
            require(f > 0 && f <= 1, "ranks_at fractions must be in (0, 1], got " + f);
        }
        seeds = List.copyOf(seeds);
        tasks = List.copyOf(tasks);
        ranksAt = List.copyOf(ranksAt);
        for (Variant v : tasks) {
            v.spec(base, param(Parametrization.MUP), 0); // validates
        }
    }

    /** The baselines' schedule (and clipping). */
    public BaselineSchedule schedule() {
        return BaselineSchedule.parse(baselineSchedule);
    }

    /** This suite with another schedule for the baselines. */
    public SuiteConfig withBaselineSchedule(BaselineSchedule s) {
        return new SuiteConfig(name, description, axis, base, steps, seeds, tasks, baselines, s.key(), tuning,
                divergenceFactor, ranksAt);
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static Parametrization param(Parametrization p) {
        return p;
    }

    /**
     * The base task: the one the baselines are tuned on. {@code family} names its {@link
     * io.lopt.optimizees.tasks.TaskFamily} (the MLP when left out); MLP tasks give {@code dataset} and {@code res},
     * other families their own keys under {@code options}.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL) // an MLP suite is written as before families existed
    public record BaseTask(String family, String dataset, Integer res, Map<String, String> options, int width,
            int depth, int batch) {
        public BaseTask {
            require(options == null || !options.containsValue(null), "base.options: every key needs a value");
            options = options == null ? null : Map.copyOf(options);
            new TaskSpec(family, merged(options, dataset, res, Map.of(), null, null), width, depth, Parametrization.MUP,
                    batch, 0); // validates
        }

        public TaskSpec spec(Parametrization p, long seed) {
            return new TaskSpec(family, merged(Map.of(), null, null), width, depth, p, batch, seed);
        }

        /** The family options of a task: this base's, then a variant's {@code overrides}, dataset and res. */
        Map<String, String> merged(Map<String, String> overrides, String ds, Integer r) {
            return merged(options, dataset, res, overrides, ds, r);
        }

        private static Map<String, String> merged(Map<String, String> options, String dataset, Integer res,
                Map<String, String> overrides, String ds, Integer r) {
            Map<String, String> o = new LinkedHashMap<>();
            if (options != null) {
                o.putAll(options);
            }
            if (dataset != null) {
                o.put("dataset", dataset);
            }
            if (res != null) {
                o.put("res", Integer.toString(res));
            }
            o.putAll(overrides);
            if (ds != null) {
                o.put("dataset", ds);
            }
            if (r != null) {
                o.put("res", Integer.toString(r));
            }
            return o;
        }
    }

    /**
     * A task variant: every field left out takes the base task's value ({@code options}: the family's own keys, merged
     * over the base's). {@code group} (width, depth, steps or dataset; default: the suite's axis) says which summary
     * plot it belongs to, so that one suite can vary several properties; a variant listed in two groups runs once.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Variant(String group, String dataset, Integer res, Map<String, String> options, Integer width,
            Integer depth, Integer steps) {
        public Variant {
            require(group == null || AXES.contains(group), "a task's group must be one of " + AXES + ", got '" + group
                    + "'");
            require(options == null || !options.containsValue(null), "tasks[].options: every key needs a value");
            options = options == null ? null : Map.copyOf(options);
        }

        public String group(String axis) {
            return group != null ? group : axis;
        }

        public TaskSpec spec(BaseTask b, Parametrization p, long seed) {
            return new TaskSpec(b.family(), b.merged(options == null ? Map.of() : options, dataset, res),
                    width != null ? width : b.width(), depth != null ? depth : b.depth(), p, b.batch(), seed);
        }

        public int steps(int suiteSteps) {
            if (steps != null && steps < 2) {
                throw new IllegalArgumentException("a task's steps must be at least 2, got " + steps);
            }
            return steps != null ? steps : suiteSteps;
        }
    }

    /**
     * Learning-rate tuning of the baselines on the base task: {@code lrCount} log-spaced values in [lrMin, lrMax],
     * {@code steps} inner steps, averaged over {@code seeds}; the lowest final smoothed training loss wins.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Tuning(int steps, List<Long> seeds, double lrMin, double lrMax, int lrCount, double weightDecay) {
        public Tuning {
            require(steps >= 2, "tuning.steps must be at least 2");
            require(seeds != null && !seeds.isEmpty(), "tuning.seeds must list at least one seed");
            require(lrMin > 0 && lrMax >= lrMin, "tuning needs 0 < lr_min <= lr_max");
            require(lrCount >= 1, "tuning.lr_count must be at least 1");
            require(weightDecay >= 0, "tuning.weight_decay must be non-negative");
            seeds = List.copyOf(seeds);
        }

        public List<Double> grid() {
            List<Double> g = new ArrayList<>();
            for (int i = 0; i < lrCount; i++) {
                double f = lrCount == 1 ? 0 : (double) i / (lrCount - 1);
                g.add(Math.exp(Math.log(lrMin) + f * (Math.log(lrMax) - Math.log(lrMin))));
            }
            return g;
        }
    }
}
