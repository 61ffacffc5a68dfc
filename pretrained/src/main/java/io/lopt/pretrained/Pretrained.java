package io.lopt.pretrained;

import io.lopt.checkpoints.CheckpointException;
import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import io.lopt.checkpoints.LearnedOptimizerKinds;
import io.lopt.optim.OptimizerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The meta-trained learned optimizers shipped with lopt: checkpoints in this module's resources
 * ({@code io/lopt/pretrained/}), listed by {@code index.json}.
 *
 * <pre>{@code
 * OptimizerFactory lo = Pretrained.factory("mulo");
 * Optimizer opt = lo.create(specs);
 * }</pre>
 *
 * Every load checks the file against the SHA-256 its index entry records.
 */
public final class Pretrained {
    /** The prefix of a pretrained reference wherever a checkpoint file is accepted: {@code pretrained:NAME}. */
    public static final String PREFIX = "pretrained:";

    private Pretrained() {
    }

    /** The bundled index, read once. */
    private static final class Holder {
        static final PretrainedIndex INDEX = PretrainedIndex.parse(resource(PretrainedIndex.FILE), "pretrained index");
    }

    /** The bundled index. */
    public static PretrainedIndex index() {
        return Holder.INDEX;
    }

    /** The names of the pretrained learned optimizers, in index order. */
    public static List<String> names() {
        return index().names();
    }

    /** The index entry of {@code name}: description, checksums, provenance, headline results. */
    public static PretrainedEntry info(String name) {
        return index().get(name);
    }

    /** The bytes of {@code name}'s checkpoint file, checked against the SHA-256 the index records. */
    public static byte[] bytes(String name) {
        PretrainedEntry e = info(name);
        return checked(e, resource(e.file()));
    }

    /** {@code b}, if it matches the SHA-256 that {@code e} records. */
    static byte[] checked(PretrainedEntry e, byte[] b) {
        String actual = Sha256.hex(b);
        if (!actual.equals(e.sha256())) {
            throw new CheckpointException(CheckpointException.Kind.CHECKSUM_MISMATCH, Path.of(PREFIX + e.name()),
                    e.file() + " does not match the SHA-256 its index entry records (recorded "
                            + e.sha256().substring(0, 16) + "…, computed " + actual.substring(0, 16) + "…)");
        }
        return b;
    }

    /** The checkpoint of {@code name}. */
    public static LearnedOptimizerCheckpoint checkpoint(String name) {
        return LearnedOptimizerCheckpoint.parse(bytes(name), Path.of(PREFIX + name));
    }

    /** The learned optimizer {@code name}, ready to create optimizers for any tensors. */
    public static OptimizerFactory factory(String name) {
        return LearnedOptimizerKinds.factory(checkpoint(name));
    }

    private static byte[] resource(String file) {
        try (InputStream in = Pretrained.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("pretrained resource io/lopt/pretrained/" + file
                        + " is missing from the classpath (the pretrained module is not built with its resources)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pretrained resource " + file + ": " + e.getMessage(), e);
        }
    }
}
