package io.lopt.metatrain.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.velo.VeloConfig;
import io.lopt.optimizees.models.Parametrization;
import io.lopt.optimizees.tasks.TaskDistribution;
import java.util.List;

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
        List<TaskFamily> tasks, OuterSpec outer, int checkpointEvery, int keepStates) {

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
     * The learned optimizer being meta-trained: {@code small_fc_lopt} (keys hidden_sizes, step_mult, exp_mult, mup and
     * optionally time_reference) or {@code velo} (keys lstm_hidden, bank_size, mup).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OptimizerSpec(String kind, List<Integer> hiddenSizes, Double stepMult, Double expMult,
            Integer lstmHidden, Integer bankSize, Boolean mup, Long timeReference, Double decayTo) {
        public OptimizerSpec(String kind, List<Integer> hiddenSizes, Double stepMult, Double expMult,
                Integer lstmHidden, Integer bankSize, Boolean mup) {
            this(kind, hiddenSizes, stepMult, expMult, lstmHidden, bankSize, mup, null, null);
        }

        public OptimizerSpec {
            require(mup != null, "optimizer.mup must be given (true or false)");
            if ("small_fc_lopt".equals(kind)) {
                require(hiddenSizes != null && stepMult != null && expMult != null,
                        "optimizer of kind small_fc_lopt needs hidden_sizes, step_mult and exp_mult");
                require(lstmHidden == null && bankSize == null,
                        "lstm_hidden and bank_size are VeLO keys; small_fc_lopt does not take them");
                require(decayTo == null || (decayTo > 0 && decayTo <= 1),
                        "optimizer.decay_to must be in (0, 1] (1: no decay), got " + decayTo);
                require(timeReference == null || timeReference >= 0,
                        "optimizer.time_reference must be 0 (absolute time) or a positive number of steps, got "
                                + timeReference);
            } else if ("velo".equals(kind)) {
                require(lstmHidden != null && bankSize != null, "optimizer of kind velo needs lstm_hidden and bank_size");
                require(hiddenSizes == null && stepMult == null && expMult == null && timeReference == null
                                && decayTo == null,
                        "hidden_sizes, step_mult, exp_mult, time_reference and decay_to are small_fc_lopt keys; velo "
                                + "does not take them");
            } else {
                throw new IllegalArgumentException("optimizer.kind must be small_fc_lopt or velo, got '" + kind + "'");
            }
            learned(kind, hiddenSizes, stepMult, expMult, lstmHidden, bankSize, mup, timeReference, decayTo); // checks
        }

        private static final List<String> KEYS = List.of("kind", "hidden_sizes", "step_mult", "exp_mult", "lstm_hidden",
                "bank_size", "mup", "time_reference", "decay_to");

        /** Binds the keys a kind takes (the others stay absent rather than defaulted). */
        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        static OptimizerSpec fromJson(JsonNode o) {
            require(o != null && o.isObject(), "optimizer must be a mapping of keys to values");
            o.fieldNames().forEachRemaining(k -> require(KEYS.contains(k), "unknown key 'optimizer." + k + "' (known: "
                    + KEYS + ")"));
            List<Integer> hidden = null;
            if (o.has("hidden_sizes")) {
                require(o.get("hidden_sizes").isArray(), "optimizer.hidden_sizes must be a list of integers");
                hidden = new java.util.ArrayList<>();
                for (JsonNode h : o.get("hidden_sizes")) {
                    require(h.isIntegralNumber(), "optimizer.hidden_sizes must be a list of integers, found " + h);
                    hidden.add(h.asInt());
                }
            }
            return new OptimizerSpec(o.has("kind") ? o.get("kind").asText() : null, hidden, number(o, "step_mult"),
                    number(o, "exp_mult"), integer(o, "lstm_hidden"), integer(o, "bank_size"),
                    o.has("mup") ? bool(o.get("mup")) : null,
                    o.has("time_reference") ? Long.valueOf(integer(o, "time_reference")) : null, number(o, "decay_to"));
        }

        private static Double number(JsonNode o, String k) {
            if (!o.has(k)) {
                return null;
            }
            require(o.get(k).isNumber(), "optimizer." + k + " must be a number, got " + o.get(k));
            return o.get(k).asDouble();
        }

        private static Integer integer(JsonNode o, String k) {
            if (!o.has(k)) {
                return null;
            }
            require(o.get(k).isIntegralNumber(), "optimizer." + k + " must be an integer, got " + o.get(k));
            return o.get(k).asInt();
        }

        private static Boolean bool(JsonNode v) {
            require(v.isBoolean(), "optimizer.mup must be true or false, got " + v);
            return v.asBoolean();
        }

        private static LearnedOptimizer learned(String kind, List<Integer> hiddenSizes, Double stepMult, Double expMult,
                Integer lstmHidden, Integer bankSize, Boolean mup, Long timeReference, Double decayTo) {
            return "velo".equals(kind) ? new VeloConfig(lstmHidden, bankSize, mup)
                    : new LoptConfig(hiddenSizes, stepMult, expMult, mup, timeReference == null ? 0 : timeReference,
                            decayTo == null ? 1.0 : decayTo);
        }

        public LearnedOptimizer learnedOptimizer() {
            return learned(kind, hiddenSizes, stepMult, expMult, lstmHidden, bankSize, mup, timeReference, decayTo);
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

    /** A task family: one PES estimator draws its tasks from it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TaskFamily(List<String> datasets, List<Integer> resolutions, List<Integer> widths,
            List<Integer> depths, String param, int batch) {
        public TaskFamily {
            distribution(datasets, resolutions, widths, depths, param, batch); // validates
        }

        private static TaskDistribution distribution(List<String> d, List<Integer> r, List<Integer> w, List<Integer> dep,
                String param, int batch) {
            require(param != null, "tasks[].param must be given (mup or sp)");
            return new TaskDistribution(d, r, w, dep, Parametrization.parse(param), batch);
        }

        public TaskDistribution distribution() {
            return distribution(datasets, resolutions, widths, depths, param, batch);
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
