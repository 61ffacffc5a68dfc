package io.lopt.checkpoints;

import java.nio.file.Path;

/**
 * A checkpoint, state or weight file could not be read or written. {@link #kind()} says what went wrong; the message
 * names the file and the problem in words.
 */
public class CheckpointException extends RuntimeException {

    /** What went wrong. */
    public enum Kind {
        /** The path does not exist. */
        NOT_FOUND,
        /** The path is a directory or something else that is not a regular file (or, for folders, not a folder). */
        NOT_A_FILE,
        /** The file ends before the data its header announces. */
        TRUNCATED,
        /** The bytes are not a valid file of the expected format (bad header, bad JSON, inconsistent offsets). */
        CORRUPT,
        /** The content does not match the checksum recorded in the file. */
        CHECKSUM_MISMATCH,
        /** A format this version does not read (unknown format name or version). */
        UNSUPPORTED_FORMAT,
        /** The tensors do not match the configuration (missing, extra or mis-shaped). */
        MISMATCH,
        /** The operating system refused a read or write. */
        IO
    }

    private final Kind kind;
    private final Path path;

    public CheckpointException(Kind kind, Path path, String message) {
        this(kind, path, message, null);
    }

    public CheckpointException(Kind kind, Path path, String message, Throwable cause) {
        super((path == null ? "" : path + ": ") + message, cause);
        this.kind = kind;
        this.path = path;
    }

    public Kind kind() {
        return kind;
    }

    public Path path() {
        return path;
    }
}
