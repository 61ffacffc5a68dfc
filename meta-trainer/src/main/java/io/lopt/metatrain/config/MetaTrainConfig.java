package io.lopt.metatrain.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.optim.LearnedOptimizer;
import io.lopt.optimizees.models.Parametrization;
import io.lopt.optimizees.tasks.TaskDistribution;
import java.util.List;
import java.util.Map;

/**
 * A meta-training run, as written in a YAML or JSON file (snake_case keys). Every value is checked when the file is
 * read; unknown keys are rejected by name. See {@link Presets} for the documented presets.
 *
 * @param name             a label (the preset's name by default)
 * @param seed             the seed of every random draw of the run
 * @param outerSteps       number of outer (meta-) steps
 * @param optimizer        the learned optimizer being meta-trained
 * @param pes              the PES estimator's settings
 * @param tasks            one PES estimator per entry; their gradients are averaged with equal weight
 * @param outer            the outer optimizer and its schedule
 * @param checkpointEvery  write a learned-optimizer and a state checkpoint every this many outer steps
 * @param keepStates       how many state checkpoints to keep
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record MetaTrainConfig(String name, long seed, int outerSteps, OptimizerSpec optimizer, PesSpec pes,
        List<TaskGroup> tasks, OuterSpec outer, int checkpointEvery, int keepStates) {

    public MetaTrainConfig {
        require(name != null && !name.isBlank(), "name must be given");
        require(outerSteps >= 1, "outer_steps must be at least 1, got " + outerSteps);
        require(optimizer != null, "optimizer must be given");
        require(pes != null, "pes must be given");
        require(tasks != null && !tasks.isEmpty(), "tasks must list at least one task family");
        require(outer != null, "outer must be given");
        require(checkpointEvery >= 1, "checkpoint_every must be at least 1, got " + checkpointEvery);
        require(keepStates >= 1, "keep_states must be at least 1, got " + keepStates);
        tasks = List.copyOf(tasks);
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public MetaTrainConfig withOuterSteps(int steps) {
        return new MetaTrainConfig(name, seed, steps, optimizer, pes, tasks,
                outer.withCosineSteps(Math.max(0, steps - outer.warmup())), checkpointEvery, keepStates);
    }

    /**
     * The same run with another number of outer steps and the same outer schedule ({@code cosine_steps} unchanged),
     * as for extending a run on resume: the steps it shares with this configuration are identical, and steps beyond
     * the warmup + cosine_steps of the schedule run at {@code final_lr}.
     */
    public MetaTrainConfig withOuterStepsSameSchedule(int steps) {
        return new MetaTrainConfig(name, seed, steps, optimizer, pes, tasks, outer, checkpointEvery, keepStates);
    }

    public MetaTrainConfig withSeed(long s) {
        return new MetaTrainConfig(name, s, outerSteps, optimizer, pes, tasks, outer, checkpointEvery, keepStates);
    }

    /**
     * The learned optimizer being meta-trained: {@code kind} and that kind's keys, as its {@link
     * io.lopt.checkpoints.LearnedOptimizerKind} reads them (small_fc_lopt: hidden_sizes, step_mult, exp_mult, mup and
     * optionally time_reference, decay_to, horizon_exponent and adam_inputs; velo: lstm_hidden, bank_size, mup and optionally mix_mult). Any kind on
     * the class path can be meta-trained.
     *
     * @param settings the mapping as written (kind included)
     */
    public record OptimizerSpec(ObjectNode settings) {
        public OptimizerSpec {
            settings = settings.deepCopy();
            io.lopt.checkpoints.LearnedOptimizerKinds.fromSettings(settings); // checks every key and value
        }

        /** Binds the mapping; the kind checks its keys. */
        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        static OptimizerSpec fromJson(JsonNode o) {
            require(o != null && o.isObject(), "optimizer must be a mapping of keys to values");
            return new OptimizerSpec((ObjectNode) o);
        }

        @JsonValue
        @Override
        public ObjectNode settings() {
            return settings.deepCopy();
        }

        public String kind() {
            return settings.path("kind").asText();
        }

        /** Whether the optimizer follows μP (μLO, μVeLO). */
        public boolean mup() {
            return learnedOptimizer().mup();
        }

        public LearnedOptimizer learnedOptimizer() {
            return io.lopt.checkpoints.LearnedOptimizerKinds.fromSettings(settings);
        }
    }

    /**
     * @param pairs      antithetic pairs per estimator (paper: 8)
     * @param sigma      perturbation standard deviation (paper: 0.01)
     * @param truncation inner steps per truncation, K (paper: 50)
     * @param minHorizon shortest inner trajectory (paper: 100)
     * @param maxHorizon longest inner trajectory (paper: 1000); horizons are log-uniform in between
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record PesSpec(int pairs, double sigma, int truncation, int minHorizon, int maxHorizon) {
        public PesSpec {
            require(pairs >= 1, "pes.pairs must be at least 1, got " + pairs);
            require(sigma > 0 && Double.isFinite(sigma), "pes.sigma must be positive, got " + sigma);
            require(truncation >= 1, "pes.truncation must be at least 1, got " + truncation);
            require(minHorizon >= truncation, "pes.min_horizon (" + minHorizon + ") must be at least pes.truncation ("
                    + truncation + ")");
            require(maxHorizon >= minHorizon, "pes.max_horizon (" + maxHorizon + ") must be at least pes.min_horizon ("
                    + minHorizon + ")");
        }
    }

    /**
     * The tasks of one PES estimator: a {@link io.lopt.optimizees.tasks.TaskFamily task family} ({@code family}, the
     * MLP when left out) and the values each draw picks from. MLP tasks list {@code datasets} and {@code resolutions};
     * other families give their own keys under {@code options} (each a list of values), e.g.
     * {@code {family: vit, options: {patch: [7]}, widths: [64], depths: [2], param: mup, batch: 128}}.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL) // an MLP group is written as before families existed
    public record TaskGroup(String family, List<String> datasets, List<Integer> resolutions,
            Map<String, List<String>> options, List<Integer> widths, List<Integer> depths, String param, int batch) {
        public TaskGroup {
            distribution(family, datasets, resolutions, options, widths, depths, param, batch); // validates
        }

        private static TaskDistribution distribution(String family, List<String> d, List<Integer> r,
                Map<String, List<String>> options, List<Integer> w, List<Integer> dep, String param, int batch) {
            require(param != null, "tasks[].param must be given (mup or sp)");
            Map<String, List<String>> o = new java.util.LinkedHashMap<>(options == null ? Map.of() : options);
            boolean mlp = family == null || family.equals(io.lopt.optimizees.tasks.TaskSpec.MLP);
            require(!mlp || (d != null || o.containsKey("dataset")) && (r != null || o.containsKey("res")),
                    "tasks[]: an MLP group lists its datasets and resolutions");
            if (d != null) {
                require(!o.containsKey("dataset"), "tasks[]: give the datasets once (datasets or options.dataset)");
                o.put("dataset", d);
            }
            if (r != null) {
                require(!o.containsKey("res"), "tasks[]: give the resolutions once (resolutions or options.res)");
                o.put("res", r.stream().map(String::valueOf).toList());
            }
            return new TaskDistribution(family, o, w, dep, Parametrization.parse(param), batch);
        }

        public TaskDistribution distribution() {
            return distribution(family, datasets, resolutions, options, widths, depths, param, batch);
        }
    }

    /**
     * AdamW on θ with linear warmup to {@code lr}, cosine decay to {@code finalLr} over {@code cosineSteps}, then flat;
     * the update is clipped to global norm {@code clipNorm} (≤ 0: no clipping).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record OuterSpec(double lr, double finalLr, int warmup, int cosineSteps, double beta1, double beta2,
            double eps, double weightDecay, double clipNorm) {
        public OuterSpec {
            require(lr > 0 && Double.isFinite(lr), "outer.lr must be positive, got " + lr);
            require(finalLr >= 0 && finalLr <= lr, "outer.final_lr must be in [0, lr], got " + finalLr);
            require(warmup >= 0, "outer.warmup must be non-negative, got " + warmup);
            require(cosineSteps >= 0, "outer.cosine_steps must be non-negative, got " + cosineSteps);
            require(beta1 >= 0 && beta1 < 1, "outer.beta1 must be in [0, 1), got " + beta1);
            require(beta2 >= 0 && beta2 < 1, "outer.beta2 must be in [0, 1), got " + beta2);
            require(eps > 0, "outer.eps must be positive, got " + eps);
            require(weightDecay >= 0, "outer.weight_decay must be non-negative, got " + weightDecay);
            require(Double.isFinite(clipNorm), "outer.clip_norm must be finite");
        }

        public OuterSpec withCosineSteps(int n) {
            return new OuterSpec(lr, finalLr, warmup, n, beta1, beta2, eps, weightDecay, clipNorm);
        }
    }
}
