package io.lopt.pretrained;

import io.lopt.checkpoints.AtomicFiles;
import io.lopt.checkpoints.Safetensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A folder that holds pretrained checkpoints and their {@code index.json}: the pretrained module's resources
 * ({@code pretrained/src/main/resources/io/lopt/pretrained}) in a source checkout. {@code lopt pretrained add} writes
 * here; the next build ships what it holds.
 */
public final class PretrainedFolder {
    /** The folder, relative to the root of a lopt source checkout. */
    public static final Path IN_CHECKOUT = Path.of("pretrained", "src", "main", "resources", "io", "lopt", "pretrained");

    private PretrainedFolder() {
    }

    /** The index in {@code dir}; an empty one if the folder has none yet. */
    public static PretrainedIndex read(Path dir) {
        Path f = dir.resolve(PretrainedIndex.FILE);
        if (!Files.exists(f)) {
            return new PretrainedIndex(List.of());
        }
        return PretrainedIndex.parse(Safetensors.readFile(f), f.toString());
    }

    /**
     * Adds a checkpoint to the folder: writes its bytes as {@code entry.file()}, then the index with the entry added
     * (or, with {@code replace}, replacing the entry of the same name; a replaced file of another name is deleted).
     *
     * @return the index as written
     */
    public static PretrainedIndex add(Path dir, PretrainedEntry entry, byte[] bytes, boolean replace) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a directory (the pretrained resources folder)");
        }
        if (!Sha256.hex(bytes).equals(entry.sha256())) {
            throw new IllegalArgumentException("the bytes of " + entry.file() + " do not match the entry's SHA-256");
        }
        PretrainedIndex index = read(dir);
        PretrainedEntry old = index.contains(entry.name()) ? index.get(entry.name()) : null;
        if (old != null && !replace) {
            throw new IllegalArgumentException("'" + entry.name() + "' is already in " + dir.resolve(PretrainedIndex.FILE)
                    + " (use --replace to replace it)");
        }
        for (PretrainedEntry e : index.entries()) {
            if (!e.name().equals(entry.name()) && e.file().equals(entry.file())) {
                throw new IllegalArgumentException(entry.file() + " already holds '" + e.name() + "'");
            }
        }
        PretrainedIndex updated = index.with(entry);
        AtomicFiles.write(dir.resolve(entry.file()), bytes);
        AtomicFiles.write(dir.resolve(PretrainedIndex.FILE), updated.toBytes());
        if (old != null && !old.file().equals(entry.file())) {
            try {
                Files.deleteIfExists(dir.resolve(old.file()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the replaced " + dir.resolve(old.file()) + ": "
                        + e.getMessage(), e);
            }
        }
        return updated;
    }
}
