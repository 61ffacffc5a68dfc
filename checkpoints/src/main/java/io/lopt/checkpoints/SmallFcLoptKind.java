package io.lopt.checkpoints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.lo.SmallFcLopt;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** small_fc_lopt (μLO, the SP learned optimizer): configuration keys and θ layout (docs/spec.md §2). */
public final class SmallFcLoptKind implements LearnedOptimizerKind {
    static final String NAME = SmallFcLopt.KIND;
    private static final Set<String> KEYS = Set.of("hidden_sizes", "step_mult", "exp_mult", "mup");
    /** Keys written only when they differ from the paper's behaviour, so older files stay valid. */
    private static final Set<String> OPTIONAL = Set.of("time_reference", "decay_to", "adam_inputs", "horizon_exponent");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<LoptConfig> type() {
        return LoptConfig.class;
    }

    @Override
    public ObjectNode toJson(LearnedOptimizer family) {
        LoptConfig c = (LoptConfig) family;
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode h = o.putArray("hidden_sizes");
        c.hiddenSizes().forEach(h::add);
        o.put("step_mult", c.stepMult());
        o.put("exp_mult", c.expMult());
        o.put("mup", c.mup());
        if (c.relativeTime()) {
            o.put("time_reference", c.timeReference()); // absent: absolute time, as in files written before it
        }
        if (c.decays()) {
            o.put("decay_to", c.decayTo()); // absent: no decay, as in files written before it
        }
        if (c.adamInputs()) {
            o.put("adam_inputs", true); // absent: the paper's 39 inputs, as in files written before it
        }
        if (c.horizonExponent() > 0) {
            o.put("horizon_exponent", c.horizonExponent()); // absent: steps independent of the run's length
        }
        return o;
    }

    @Override
    public LoptConfig parse(JsonNode o, boolean checkpoint, String p, Function<String, RuntimeException> error) {
        LearnedOptimizerKinds.checkKeys(o, KEYS, OPTIONAL, NAME, p, error);
        long timeReference = 0;
        if (o.has("time_reference")) {
            if (!o.get("time_reference").isIntegralNumber() || o.get("time_reference").asLong() < 0) {
                throw error.apply(p + "time_reference must be 0 (absolute time) or a positive integer, got "
                        + o.get("time_reference"));
            }
            timeReference = o.get("time_reference").asLong();
        }
        double decayTo = 1.0;
        if (o.has("decay_to")) {
            LearnedOptimizerKinds.requireNumber(o, "decay_to", p, error);
            decayTo = o.get("decay_to").asDouble();
        }
        boolean adamInputs = false;
        if (o.has("adam_inputs")) {
            LearnedOptimizerKinds.requireBoolean(o, "adam_inputs", p, error);
            adamInputs = o.get("adam_inputs").asBoolean();
        }
        double horizonExponent = 0;
        if (o.has("horizon_exponent")) {
            LearnedOptimizerKinds.requireNumber(o, "horizon_exponent", p, error);
            horizonExponent = o.get("horizon_exponent").asDouble();
        }
        JsonNode hs = o.get("hidden_sizes");
        if (!hs.isArray()) {
            throw error.apply(p + "hidden_sizes must be a list of integers");
        }
        List<Integer> hidden = new ArrayList<>();
        for (JsonNode h : hs) {
            if (!h.isIntegralNumber()) {
                throw error.apply(p + "hidden_sizes must be a list of integers, found " + h);
            }
            hidden.add(h.asInt());
        }
        LearnedOptimizerKinds.requireNumber(o, "step_mult", p, error);
        LearnedOptimizerKinds.requireNumber(o, "exp_mult", p, error);
        LearnedOptimizerKinds.requireBoolean(o, "mup", p, error);
        try {
            return new LoptConfig(hidden, o.get("step_mult").asDouble(), o.get("exp_mult").asDouble(),
                    o.get("mup").asBoolean(), timeReference, decayTo, adamInputs, horizonExponent);
        } catch (IllegalArgumentException e) {
            throw error.apply("invalid small_fc_lopt configuration: " + e.getMessage());
        }
    }

    @Override
    public Collection<MetaParameters.View> layout(LearnedOptimizer family) {
        return MetaParameters.of((LoptConfig) family).views().values();
    }

    @Override
    public String displayName(LearnedOptimizer family) {
        return family.mup() ? "μLO" : "SP LO";
    }

    @Override
    public String shortName(LearnedOptimizer family) {
        return family.mup() ? "mulo" : "sp-lo";
    }
}
