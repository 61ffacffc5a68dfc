package io.lopt.checkpoints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.lo.SmallFcLopt;
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

    /** One kind of learned optimizer. */
    public interface Kind {
        String name();

        void validate(ObjectNode config, Path file);

        List<View> views(ObjectNode config);

        int thetaSize(ObjectNode config);

        OptimizerFactory factory(ObjectNode config, float[] theta);
    }

    static Kind get(String name, Path file) {
        if (SmallFc.NAME.equals(name)) {
            return SmallFc.INSTANCE;
        }
        throw new CheckpointException(CheckpointException.Kind.UNSUPPORTED_FORMAT, file,
                "unknown learned-optimizer kind '" + name + "' (known: " + SmallFc.NAME + ")");
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
        return SmallFc.fromJson(ckpt.config(), null);
    }

    static final class SmallFc implements Kind {
        static final String NAME = SmallFcLopt.KIND;
        static final SmallFc INSTANCE = new SmallFc();
        private static final Set<String> KEYS = Set.of("hidden_sizes", "step_mult", "exp_mult", "mup");

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
            return o;
        }

        static LoptConfig fromJson(JsonNode o, Path file) {
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            while (it.hasNext()) {
                String k = it.next().getKey();
                if (!KEYS.contains(k)) {
                    throw Safetensors.corrupt(file, "unknown small_fc_lopt configuration key '" + k + "' (known: "
                            + KEYS + ")");
                }
            }
            for (String k : KEYS) {
                if (!o.has(k)) {
                    throw Safetensors.corrupt(file, "small_fc_lopt configuration lacks '" + k + "'");
                }
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
                        o.get("mup").asBoolean());
            } catch (IllegalArgumentException e) {
                throw Safetensors.corrupt(file, "invalid small_fc_lopt configuration: " + e.getMessage());
            }
        }

        @Override
        public void validate(ObjectNode config, Path file) {
            fromJson(config, file);
        }

        @Override
        public List<View> views(ObjectNode config) {
            List<View> out = new ArrayList<>();
            for (MetaParameters.View v : MetaParameters.of(fromJson(config, null)).views().values()) {
                out.add(new View(v.name(), v.offset(), v.shape()));
            }
            return out;
        }

        @Override
        public int thetaSize(ObjectNode config) {
            return fromJson(config, null).thetaSize();
        }

        @Override
        public OptimizerFactory factory(ObjectNode config, float[] theta) {
            return new SmallFcLopt(fromJson(config, null), theta);
        }
    }
}
