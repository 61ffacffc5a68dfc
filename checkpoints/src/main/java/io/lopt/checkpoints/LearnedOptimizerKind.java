package io.lopt.checkpoints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.lo.MetaParameters;
import java.nio.file.Path;
import java.util.Collection;
import java.util.function.Function;

/**
 * A kind of learned optimizer (small_fc_lopt, VeLO, ...): how its configuration is read from and written to JSON (in
 * checkpoints and in meta-training configurations), how its θ is cut into named tensors, and how reports name it.
 *
 * <p>Kinds are found with {@link java.util.ServiceLoader}: a new kind is a class implementing this interface, listed
 * in {@code META-INF/services/io.lopt.checkpoints.LearnedOptimizerKind} of its jar; nothing else needs editing
 * ({@link LearnedOptimizerKinds} is the registry).
 */
public interface LearnedOptimizerKind {
    /** The name written as {@code optimizer} in checkpoints and as {@code kind} in configurations. */
    String name();

    /** The configuration class of this kind's families. */
    Class<? extends LearnedOptimizer> type();

    /**
     * Reads a configuration. {@code keyPrefix} is put before key names in messages (e.g. {@code optimizer.}) and
     * {@code error} turns a message into the exception to throw, so that the same rules serve checkpoints (a
     * CORRUPT error naming the file) and configuration files (an IllegalArgumentException).
     *
     * @param checkpoint whether the node comes from a checkpoint (which may hold keys a configuration file does not)
     */
    LearnedOptimizer parse(JsonNode config, boolean checkpoint, String keyPrefix, Function<String, RuntimeException> error);

    /** The configuration as a checkpoint stores it. */
    ObjectNode toJson(LearnedOptimizer family);

    /** The named views of θ of a family of this kind. */
    Collection<MetaParameters.View> layout(LearnedOptimizer family);

    /** A report's display name, e.g. μLO, SP LO, VeLO, μVeLO. */
    String displayName(LearnedOptimizer family);

    /** A short identifier for file and column names, e.g. mulo, sp-lo, velo, mu-velo. */
    String shortName(LearnedOptimizer family);

    /** The configuration a checkpoint holds; a bad one is a CORRUPT error naming {@code file}. */
    default LearnedOptimizer fromJson(JsonNode config, Path file) {
        return parse(config, true, "", m -> Safetensors.corrupt(file, m));
    }
}
