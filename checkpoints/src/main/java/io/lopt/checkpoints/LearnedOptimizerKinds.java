package io.lopt.checkpoints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.lo.SmallFcLopt;
import io.lopt.optim.velo.VeloConfig;
import io.lopt.optim.velo.VeloLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kinds of learned optimizer a checkpoint can hold: for each, how its configuration is written as JSON and
 * checked, how θ is cut into named tensors, and how to build the optimizer back.
 */
public final class LearnedOptimizerKinds {
    private LearnedOptimizerKinds() {
    }

    /** A named slice of θ. */
    public record View(String name, int offset, int[] shape) {
        int size() {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** One kind of learned optimizer: how its configuration reads from JSON and how its θ is laid out. */
    public interface Kind {
        String name();

        /** The family a configuration describes; a bad configuration is a CORRUPT error naming {@code file}. */
        LearnedOptimizer fromJson(JsonNode config, Path file);

        /** The named views of θ of a family of this kind. */
        java.util.Collection<MetaParameters.View> layout(LearnedOptimizer family);

        default void validate(ObjectNode config, Path file) {
            fromJson(config, file);
        }

        default List<View> views(ObjectNode config) {
            List<View> out = new ArrayList<>();
            for (MetaParameters.View v : layout(fromJson(config, null))) {
                out.add(new View(v.name(), v.offset(), v.shape()));
            }
            return out;
        }

        default int thetaSize(ObjectNode config) {
            return fromJson(config, null).thetaSize();
        }

        default OptimizerFactory factory(ObjectNode config, float[] theta) {
            return fromJson(config, null).withTheta(theta);
        }
    }

    /** Rejects keys outside {@code known} and requires all of them, naming the kind and the key. */
    static void checkKeys(JsonNode o, Set<String> known, String kind, Path file) {
        checkKeys(o, known, Set.of(), kind, file);
    }

    /**
     * Rejects keys outside {@code required} and {@code optional} and requires every one of {@code required}, naming
     * the kind and the key.
     */
    static void checkKeys(JsonNode o, Set<String> required, Set<String> optional, String kind, Path file) {
        Iterator<Map.Entry<String, JsonNode>> it = o.fields();
        while (it.hasNext()) {
            String k = it.next().getKey();
            if (!required.contains(k) && !optional.contains(k)) {
                java.util.Set<String> known = new java.util.TreeSet<>(required);
                known.addAll(optional);
                throw Safetensors.corrupt(file, "unknown " + kind + " configuration key '" + k + "' (known: " + known + ")");
            }
        }
        for (String k : required) {
            if (!o.has(k)) {
                throw Safetensors.corrupt(file, kind + " configuration lacks '" + k + "'");
            }
        }
    }

    static Kind get(String name, Path file) {
        if (SmallFc.NAME.equals(name)) {
            return SmallFc.INSTANCE;
        }
        if (VeloKind.NAME.equals(name)) {
            return VeloKind.INSTANCE;
        }
        throw new CheckpointException(CheckpointException.Kind.UNSUPPORTED_FORMAT, file,
                "unknown learned-optimizer kind '" + name + "' (known: " + SmallFc.NAME + ", " + VeloKind.NAME + ")");
    }

    /** A checkpoint of any learned optimizer family with meta-parameters θ. */
    public static LearnedOptimizerCheckpoint of(LearnedOptimizer family, float[] theta, Provenance provenance) {
        if (family instanceof LoptConfig c) {
            return new LearnedOptimizerCheckpoint(SmallFc.NAME, SmallFc.toJson(c), theta, provenance);
        }
        if (family instanceof VeloConfig c) {
            return new LearnedOptimizerCheckpoint(VeloKind.NAME, VeloKind.toJson(c), theta, provenance);
        }
        throw new IllegalArgumentException("no checkpoint format for " + family.kind());
    }

    /** The learned-optimizer family (configuration without θ) a checkpoint holds. */
    public static LearnedOptimizer family(LearnedOptimizerCheckpoint ckpt) {
        return get(ckpt.optimizer(), null).fromJson(ckpt.config(), null);
    }

    /** Whether the optimizer a checkpoint holds scales its steps by s_W (μLO, μVeLO). */
    public static boolean mup(LearnedOptimizerCheckpoint ckpt) {
        return ckpt.config().path("mup").asBoolean(false);
    }

    /** The optimizer a checkpoint describes, ready to create optimizers for any tensors. */
    public static OptimizerFactory factory(LearnedOptimizerCheckpoint ckpt) {
        return get(ckpt.optimizer(), null).factory(ckpt.config(), ckpt.theta());
    }

    /** A checkpoint of a small_fc_lopt. */
    public static LearnedOptimizerCheckpoint of(SmallFcLopt lo, Provenance provenance) {
        return new LearnedOptimizerCheckpoint(SmallFc.NAME, SmallFc.toJson(lo.config()), lo.theta(), provenance);
    }

    /** The small_fc_lopt configuration a checkpoint holds. */
    public static LoptConfig smallFcConfig(LearnedOptimizerCheckpoint ckpt) {
        if (!SmallFc.NAME.equals(ckpt.optimizer())) {
            throw new IllegalArgumentException("checkpoint holds a " + ckpt.optimizer() + ", not a " + SmallFc.NAME);
        }
        return SmallFc.INSTANCE.fromJson(ckpt.config(), null);
    }

    static final class VeloKind implements Kind {
        static final String NAME = VeloConfig.KIND;
        static final VeloKind INSTANCE = new VeloKind();
        private static final Set<String> KEYS = Set.of("lstm_hidden", "bank_size", "mup", "mix_mult", "design_version");

        @Override
        public String name() {
            return NAME;
        }

        static ObjectNode toJson(VeloConfig c) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("design_version", VeloConfig.DESIGN_VERSION);
            o.put("lstm_hidden", c.lstmHidden());
            o.put("bank_size", c.bankSize());
            o.put("mup", c.mup());
            o.put("mix_mult", c.mixMult());
            return o;
        }

        @Override
        public VeloConfig fromJson(JsonNode o, Path file) {
            if (!o.has("design_version")) {
                throw new CheckpointException(CheckpointException.Kind.UNSUPPORTED_FORMAT, file, "this VeLO-style "
                        + "checkpoint holds lopt's first, VeLO-inspired design, which lopt no longer runs (it now "
                        + "follows VeLO's hyper_v2, docs/velo.md): meta-train it again (--config velo-s or mu-velo-s)");
            }
            if (!o.get("design_version").isIntegralNumber()
                    || o.get("design_version").asInt() != VeloConfig.DESIGN_VERSION) {
                throw new CheckpointException(CheckpointException.Kind.UNSUPPORTED_FORMAT, file, "VeLO design version "
                        + o.get("design_version") + " is not supported (this lopt runs version "
                        + VeloConfig.DESIGN_VERSION + ")");
            }
            checkKeys(o, KEYS, NAME, file);
            if (!o.get("lstm_hidden").isIntegralNumber() || !o.get("bank_size").isIntegralNumber()
                    || !o.get("mup").isBoolean() || !o.get("mix_mult").isNumber()) {
                throw Safetensors.corrupt(file, "velo configuration needs integers lstm_hidden, bank_size, a boolean "
                        + "mup and a number mix_mult");
            }
            try {
                return new VeloConfig(o.get("lstm_hidden").asInt(), o.get("bank_size").asInt(), o.get("mup").asBoolean(),
                        o.get("mix_mult").asDouble());
            } catch (IllegalArgumentException e) {
                throw Safetensors.corrupt(file, "invalid velo configuration: " + e.getMessage());
            }
        }

        @Override
        public java.util.Collection<MetaParameters.View> layout(LearnedOptimizer family) {
            return VeloLayout.of((VeloConfig) family).views().values();
        }
    }

    static final class SmallFc implements Kind {
        static final String NAME = SmallFcLopt.KIND;
        static final SmallFc INSTANCE = new SmallFc();
        private static final Set<String> KEYS = Set.of("hidden_sizes", "step_mult", "exp_mult", "mup");
        /** Keys written only when they differ from the paper's behaviour, so older files stay valid. */
        private static final Set<String> OPTIONAL = Set.of("time_reference", "decay_to");

        @Override
        public String name() {
            return NAME;
        }

        static ObjectNode toJson(LoptConfig c) {
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
            return o;
        }

        @Override
        public LoptConfig fromJson(JsonNode o, Path file) {
            checkKeys(o, KEYS, OPTIONAL, NAME, file);
            long timeReference = 0;
            if (o.has("time_reference")) {
                if (!o.get("time_reference").isIntegralNumber() || o.get("time_reference").asLong() < 1) {
                    throw Safetensors.corrupt(file, "time_reference must be a positive integer, got "
                            + o.get("time_reference"));
                }
                timeReference = o.get("time_reference").asLong();
            }
            double decayTo = 1.0;
            if (o.has("decay_to")) {
                if (!o.get("decay_to").isNumber()) {
                    throw Safetensors.corrupt(file, "decay_to must be a number, got " + o.get("decay_to"));
                }
                decayTo = o.get("decay_to").asDouble();
            }
            JsonNode hs = o.get("hidden_sizes");
            if (!hs.isArray()) {
                throw Safetensors.corrupt(file, "hidden_sizes must be a list of integers");
            }
            List<Integer> hidden = new ArrayList<>();
            for (JsonNode h : hs) {
                if (!h.isIntegralNumber()) {
                    throw Safetensors.corrupt(file, "hidden_sizes must be a list of integers, found " + h);
                }
                hidden.add(h.asInt());
            }
            if (!o.get("step_mult").isNumber() || !o.get("exp_mult").isNumber() || !o.get("mup").isBoolean()) {
                throw Safetensors.corrupt(file, "step_mult and exp_mult must be numbers and mup a boolean");
            }
            try {
                return new LoptConfig(hidden, o.get("step_mult").asDouble(), o.get("exp_mult").asDouble(),
                        o.get("mup").asBoolean(), timeReference, decayTo);
            } catch (IllegalArgumentException e) {
                throw Safetensors.corrupt(file, "invalid small_fc_lopt configuration: " + e.getMessage());
            }
        }

        @Override
        public java.util.Collection<MetaParameters.View> layout(LearnedOptimizer family) {
            return MetaParameters.of((LoptConfig) family).views().values();
        }
    }
}
