package io.lopt.checkpoints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.velo.VeloConfig;
import io.lopt.optim.velo.VeloLayout;
import java.util.Collection;
import java.util.Set;
import java.util.function.Function;

/**
 * VeLO and μVeLO (docs/velo.md): configuration keys and θ layout. Checkpoints carry {@code design_version}; one
 * without it holds lopt's first, VeLO-inspired design and is refused with what to do.
 */
public final class VeloKind implements LearnedOptimizerKind {
    static final String NAME = VeloConfig.KIND;
    private static final Set<String> KEYS = Set.of("lstm_hidden", "bank_size", "mup");
    private static final Set<String> OPTIONAL = Set.of("mix_mult");
    private static final Set<String> CHECKPOINT_KEYS = Set.of("lstm_hidden", "bank_size", "mup", "mix_mult",
            "design_version");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<VeloConfig> type() {
        return VeloConfig.class;
    }

    @Override
    public ObjectNode toJson(LearnedOptimizer family) {
        VeloConfig c = (VeloConfig) family;
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("design_version", VeloConfig.DESIGN_VERSION);
        o.put("lstm_hidden", c.lstmHidden());
        o.put("bank_size", c.bankSize());
        o.put("mup", c.mup());
        o.put("mix_mult", c.mixMult());
        return o;
    }

    /** Refuses a checkpoint of another design (lopt's first has no design_version) with what to do. */
    @Override
    public VeloConfig fromJson(JsonNode o, java.nio.file.Path file) {
        if (!o.has("design_version")) {
            throw new CheckpointException(CheckpointException.Kind.UNSUPPORTED_FORMAT, file, "this VeLO-style "
                    + "checkpoint holds lopt's first, VeLO-inspired design, which lopt no longer runs (it now "
                    + "follows VeLO's hyper_v2, docs/velo.md): meta-train it again (--config velo-s or mu-velo-s)");
        }
        if (!o.get("design_version").isIntegralNumber() || o.get("design_version").asInt() != VeloConfig.DESIGN_VERSION) {
            throw new CheckpointException(CheckpointException.Kind.UNSUPPORTED_FORMAT, file, "VeLO design version "
                    + o.get("design_version") + " is not supported (this lopt runs version "
                    + VeloConfig.DESIGN_VERSION + ")");
        }
        return parse(o, true, "", m -> Safetensors.corrupt(file, m));
    }

    @Override
    public VeloConfig parse(JsonNode o, boolean checkpoint, String p, Function<String, RuntimeException> error) {
        if (checkpoint) {
            LearnedOptimizerKinds.checkKeys(o, CHECKPOINT_KEYS, Set.of(), NAME, p, error);
        } else {
            LearnedOptimizerKinds.checkKeys(o, KEYS, OPTIONAL, NAME, p, error);
        }
        LearnedOptimizerKinds.requireInteger(o, "lstm_hidden", p, error);
        LearnedOptimizerKinds.requireInteger(o, "bank_size", p, error);
        LearnedOptimizerKinds.requireBoolean(o, "mup", p, error);
        if (o.has("mix_mult")) {
            LearnedOptimizerKinds.requireNumber(o, "mix_mult", p, error);
        }
        try {
            boolean mup = o.get("mup").asBoolean();
            return o.has("mix_mult")
                    ? new VeloConfig(o.get("lstm_hidden").asInt(), o.get("bank_size").asInt(), mup,
                            o.get("mix_mult").asDouble())
                    : new VeloConfig(o.get("lstm_hidden").asInt(), o.get("bank_size").asInt(), mup);
        } catch (IllegalArgumentException e) {
            throw error.apply("invalid velo configuration: " + e.getMessage());
        }
    }

    @Override
    public Collection<MetaParameters.View> layout(LearnedOptimizer family) {
        return VeloLayout.of((VeloConfig) family).views().values();
    }

    @Override
    public String displayName(LearnedOptimizer family) {
        return family.mup() ? "μVeLO" : "VeLO";
    }

    @Override
    public String shortName(LearnedOptimizer family) {
        return family.mup() ? "mu-velo" : "velo";
    }
}
