package io.lopt.checkpoints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.lo.SmallFcLopt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The registry of learned-optimizer kinds ({@link LearnedOptimizerKind}, found with {@link ServiceLoader}) and what is
 * built on it: checkpoints of any family, the family or optimizer a checkpoint holds, and the checks of configuration
 * keys the kinds share.
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

    private static volatile List<LearnedOptimizerKind> kinds;

    /** Every kind on the class path, by name. */
    public static List<LearnedOptimizerKind> all() {
        List<LearnedOptimizerKind> k = kinds;
        if (k == null) {
            List<LearnedOptimizerKind> found = new ArrayList<>();
            ServiceLoader.load(LearnedOptimizerKind.class, LearnedOptimizerKinds.class.getClassLoader())
                    .forEach(found::add);
            found.sort(java.util.Comparator.comparing(LearnedOptimizerKind::name));
            kinds = k = List.copyOf(found);
        }
        return k;
    }

    /** The kind called {@code name}; an unknown name is an UNSUPPORTED_FORMAT error naming the known ones. */
    public static LearnedOptimizerKind get(String name, Path file) {
        return find(name).orElseThrow(() -> new CheckpointException(CheckpointException.Kind.UNSUPPORTED_FORMAT, file,
                "unknown learned-optimizer kind '" + name + "' (known: " + names() + ")"));
    }

    private static java.util.Optional<LearnedOptimizerKind> find(String name) {
        return all().stream().filter(k -> k.name().equals(name)).findFirst();
    }

    /** The names of the known kinds. */
    public static List<String> names() {
        return all().stream().map(LearnedOptimizerKind::name).toList();
    }

    /** The kind of a family. */
    public static LearnedOptimizerKind of(LearnedOptimizer family) {
        for (LearnedOptimizerKind k : all()) {
            if (k.type().isInstance(family)) {
                return k;
            }
        }
        throw new IllegalArgumentException("no learned-optimizer kind is registered for " + family.kind() + " ("
                + family.getClass().getName() + ")");
    }

    /**
     * A family from a configuration file's {@code optimizer} mapping ({@code kind} and that kind's keys); errors are
     * IllegalArgumentExceptions naming {@code optimizer.KEY}.
     */
    public static LearnedOptimizer fromSettings(JsonNode settings) {
        if (settings == null || !settings.isObject()) {
            throw new IllegalArgumentException("optimizer must be a mapping of keys to values");
        }
        if (!settings.path("kind").isTextual()) {
            throw new IllegalArgumentException("optimizer.kind must be given (one of " + names() + ")");
        }
        String name = settings.get("kind").asText();
        LearnedOptimizerKind kind = find(name).orElseThrow(
                () -> new IllegalArgumentException("optimizer.kind must be one of " + names() + ", got '" + name + "'"));
        ObjectNode keys = ((ObjectNode) settings).deepCopy();
        keys.remove("kind");
        return kind.parse(keys, false, "optimizer.", IllegalArgumentException::new);
    }

    /** Rejects keys outside {@code required} and {@code optional}, and requires every one of {@code required}. */
    static void checkKeys(JsonNode o, Set<String> required, Set<String> optional, String kind, String prefix,
            Function<String, RuntimeException> error) {
        Iterator<Map.Entry<String, JsonNode>> it = o.fields();
        while (it.hasNext()) {
            String k = it.next().getKey();
            if (!required.contains(k) && !optional.contains(k)) {
                Set<String> known = new TreeSet<>(required);
                known.addAll(optional);
                throw error.apply("unknown " + kind + " configuration key '" + prefix + k + "' (known: " + known + ")");
            }
        }
        for (String k : required) {
            if (!o.has(k)) {
                throw error.apply(kind + " configuration lacks '" + prefix + k + "'");
            }
        }
    }

    /** Requires {@code key} to hold a number; the message names it with {@code prefix}. */
    static void requireNumber(JsonNode o, String key, String prefix, Function<String, RuntimeException> error) {
        if (!o.get(key).isNumber()) {
            throw error.apply(prefix + key + " must be a number, got " + o.get(key));
        }
    }

    /** Requires {@code key} to hold an integer. */
    static void requireInteger(JsonNode o, String key, String prefix, Function<String, RuntimeException> error) {
        if (!o.get(key).isIntegralNumber()) {
            throw error.apply(prefix + key + " must be an integer, got " + o.get(key));
        }
    }

    /** Requires {@code key} to hold true or false. */
    static void requireBoolean(JsonNode o, String key, String prefix, Function<String, RuntimeException> error) {
        if (!o.get(key).isBoolean()) {
            throw error.apply(prefix + key + " must be true or false, got " + o.get(key));
        }
    }

    static int thetaSize(LearnedOptimizerKind kind, ObjectNode config) {
        return kind.fromJson(config, null).thetaSize();
    }

    static List<View> views(LearnedOptimizerKind kind, ObjectNode config) {
        List<View> out = new ArrayList<>();
        for (MetaParameters.View v : kind.layout(kind.fromJson(config, null))) {
            out.add(new View(v.name(), v.offset(), v.shape()));
        }
        return out;
    }

    /** A checkpoint of any learned optimizer family with meta-parameters θ. */
    public static LearnedOptimizerCheckpoint of(LearnedOptimizer family, float[] theta, Provenance provenance) {
        LearnedOptimizerKind k = of(family);
        return new LearnedOptimizerCheckpoint(k.name(), k.toJson(family), theta, provenance);
    }

    /** The learned-optimizer family (configuration without θ) a checkpoint holds. */
    public static LearnedOptimizer family(LearnedOptimizerCheckpoint ckpt) {
        return get(ckpt.optimizer(), null).fromJson(ckpt.config(), null);
    }

    /** Whether the optimizer a checkpoint holds scales its steps by s_W (μLO, μVeLO). */
    public static boolean mup(LearnedOptimizerCheckpoint ckpt) {
        return family(ckpt).mup();
    }

    /** The optimizer a checkpoint describes, ready to create optimizers for any tensors. */
    public static OptimizerFactory factory(LearnedOptimizerCheckpoint ckpt) {
        return family(ckpt).withTheta(ckpt.theta());
    }

    /** A checkpoint of a small_fc_lopt. */
    public static LearnedOptimizerCheckpoint of(SmallFcLopt lo, Provenance provenance) {
        return of(lo.config(), lo.theta(), provenance);
    }

    /** The small_fc_lopt configuration a checkpoint holds. */
    public static LoptConfig smallFcConfig(LearnedOptimizerCheckpoint ckpt) {
        if (!SmallFcLoptKind.NAME.equals(ckpt.optimizer())) {
            throw new IllegalArgumentException("checkpoint holds a " + ckpt.optimizer() + ", not a " + SmallFcLoptKind.NAME);
        }
        return (LoptConfig) family(ckpt);
    }
}
