package io.lopt.pretrained;

import io.lopt.checkpoints.CheckpointException;
import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import io.lopt.checkpoints.Safetensors;
import io.lopt.checkpoints.StateCheckpoint;
import java.nio.file.Path;

/**
 * Where a checkpoint comes from: a file, or {@code pretrained:NAME}, a learned optimizer shipped with lopt.
 * {@link #resolve} is the one place that tells them apart; every command that takes a checkpoint goes through it.
 */
public final class CheckpointSource {
    private final String reference;
    private final String location;
    private final byte[] bytes;

    private CheckpointSource(String reference, String location, byte[] bytes) {
        this.reference = reference;
        this.location = location;
        this.bytes = bytes;
    }

    /**
     * Resolves a checkpoint reference: {@code pretrained:NAME} (an unknown name is an error listing the available
     * ones) or a file path. Reads the bytes; checking what they hold is up to {@link #learnedOptimizer()} and friends.
     */
    public static CheckpointSource resolve(String reference) {
        if (reference == null || reference.isBlank()) {
            throw new IllegalArgumentException("empty checkpoint reference (a file, or " + Pretrained.PREFIX + "NAME)");
        }
        if (reference.startsWith(Pretrained.PREFIX)) {
            String name = reference.substring(Pretrained.PREFIX.length());
            return new CheckpointSource(reference, reference, Pretrained.bytes(name));
        }
        Path file = Path.of(reference);
        return new CheckpointSource(reference, file.toAbsolutePath().normalize().toString(), readFile(file));
    }

    /** The reference as given: {@code pretrained:mulo} or the path as typed. */
    public String reference() {
        return reference;
    }

    /** What provenance records: {@code pretrained:NAME}, or the file's absolute path. */
    public String location() {
        return location;
    }

    /** Whether this is a pretrained learned optimizer shipped with lopt. */
    public boolean pretrained() {
        return reference.startsWith(Pretrained.PREFIX);
    }

    /** The size in bytes. */
    public int size() {
        return bytes.length;
    }

    /** A copy of the bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The raw safetensors contents (any lopt checkpoint or plain safetensors file). */
    public Safetensors.Contents contents() {
        return Safetensors.parse(bytes, name());
    }

    /** The learned-optimizer checkpoint it holds, fully validated. */
    public LearnedOptimizerCheckpoint learnedOptimizer() {
        return LearnedOptimizerCheckpoint.parse(bytes, name());
    }

    /** The meta-training state checkpoint it holds, fully validated. */
    public StateCheckpoint state() {
        return StateCheckpoint.parse(bytes, name());
    }

    /** How errors name it. */
    private Path name() {
        return Path.of(reference);
    }

    private static byte[] readFile(Path file) {
        try {
            return Safetensors.readFile(file);
        } catch (CheckpointException e) {
            if (e.kind() != CheckpointException.Kind.NOT_FOUND) {
                throw e;
            }
            throw new CheckpointException(e.kind(), file, "no such file (give a checkpoint file, or "
                    + Pretrained.PREFIX + "NAME with NAME one of: " + available() + ")");
        }
    }

    private static String available() {
        try {
            return String.join(", ", Pretrained.names());
        } catch (RuntimeException e) {
            return "(the pretrained index cannot be read: " + e.getMessage() + ")";
        }
    }
}
