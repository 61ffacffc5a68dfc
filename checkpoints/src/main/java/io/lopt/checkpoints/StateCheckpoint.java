package io.lopt.checkpoints;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A meta-training state checkpoint: everything needed to resume bit-exactly, as binary tensors (θ, optimizer
 * moments, particles' parameters and optimizer states, PES accumulators, RNG states, counters) plus a JSON document
 * of scalars and configuration. The meta-trainer decides the content; this class stores it safely: safetensors with
 * a format name and version, a SHA-256 checked on load, and atomic writes.
 *
 * @param step the outer step the state was taken after
 * @param meta JSON scalars and configuration
 */
public record StateCheckpoint(long step, ObjectNode meta, List<Tensor> tensors) {
    public static final String FORMAT = "lopt.meta-training-state";
    public static final int VERSION = 1;
    private static final Pattern NAME = Pattern.compile("state-(\\d{8,})\\.safetensors");

    public StateCheckpoint {
        tensors = List.copyOf(tensors);
        meta = meta.deepCopy();
    }

    public Tensor tensor(String name) {
        for (Tensor t : tensors) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new CheckpointException(CheckpointException.Kind.MISMATCH, null, "state checkpoint has no tensor '"
                + name + "'");
    }

    public Map<String, Tensor> tensorMap() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            m.put(t.name(), t);
        }
        return m;
    }

    public byte[] toBytes() {
        String json;
        try {
            json = Safetensors.JSON.writeValueAsString(meta);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("format_version", String.valueOf(VERSION));
        m.put("step", String.valueOf(step));
        m.put("lopt", json);
        m.put("sha256", LearnedOptimizerCheckpoint.digest(FORMAT + "@" + step, VERSION, json, tensors));
        return Safetensors.toBytes(tensors, m);
    }

    public void write(Path file) {
        AtomicFiles.write(file, toBytes());
    }

    public static StateCheckpoint read(Path file) {
        return parse(Safetensors.readSafetensors(file), file);
    }

    public static StateCheckpoint parse(byte[] bytes, Path file) {
        Safetensors.Contents c = Safetensors.parse(bytes, file);
        Map<String, String> m = c.metadata();
        if (!FORMAT.equals(m.get("format"))) {
            throw new CheckpointException(CheckpointException.Kind.UNSUPPORTED_FORMAT, file,
                    "not a lopt meta-training state (format " + m.get("format") + ")");
        }
        if (!String.valueOf(VERSION).equals(m.get("format_version"))) {
            throw new CheckpointException(CheckpointException.Kind.UNSUPPORTED_FORMAT, file, "state format version "
                    + m.get("format_version") + " is not supported (this lopt reads version " + VERSION + ")");
        }
        String json = m.get("lopt");
        String sha = m.get("sha256");
        String stepText = m.get("step");
        if (json == null || sha == null || stepText == null) {
            throw Safetensors.corrupt(file, "state metadata lacks 'lopt', 'step' or 'sha256'");
        }
        long step;
        try {
            step = Long.parseLong(stepText);
        } catch (NumberFormatException e) {
            throw Safetensors.corrupt(file, "state step '" + stepText + "' is not a number");
        }
        if (!LearnedOptimizerCheckpoint.digest(FORMAT + "@" + step, VERSION, json, c.tensors()).equals(sha)) {
            throw new CheckpointException(CheckpointException.Kind.CHECKSUM_MISMATCH, file,
                    "content does not match its SHA-256: the file is damaged");
        }
        JsonNode meta;
        try {
            meta = Safetensors.JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw Safetensors.corrupt(file, "state metadata is not valid JSON");
        }
        if (meta == null || !meta.isObject()) {
            throw Safetensors.corrupt(file, "state metadata is not a JSON object");
        }
        return new StateCheckpoint(step, (ObjectNode) meta, c.tensors());
    }

    /** The file name of the state after {@code step} in a run directory. */
    public static Path fileFor(Path dir, long step) {
        return dir.resolve(String.format("state-%08d.safetensors", step));
    }

    /** State files in {@code dir}, oldest first. */
    public static List<Path> list(Path dir) {
        List<long[]> found = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return paths;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "state-*.safetensors")) {
            for (Path p : ds) {
                Matcher mt = NAME.matcher(p.getFileName().toString());
                if (mt.matches()) {
                    found.add(new long[] {Long.parseLong(mt.group(1)), paths.size()});
                    paths.add(p);
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(CheckpointException.Kind.IO, dir, "cannot list: " + e.getMessage(), e);
        }
        found.sort((a, b) -> Long.compare(a[0], b[0]));
        List<Path> out = new ArrayList<>();
        for (long[] f : found) {
            out.add(paths.get((int) f[1]));
        }
        return out;
    }

    /** Writes this state into {@code dir} and keeps only the newest {@code keep} state files. */
    public Path save(Path dir, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("must keep at least one state checkpoint, got " + keep);
        }
        Path f = fileFor(dir, step);
        write(f);
        List<Path> all = list(dir);
        for (int i = 0; i < all.size() - keep; i++) {
            try {
                Files.deleteIfExists(all.get(i));
            } catch (IOException e) {
                throw new CheckpointException(CheckpointException.Kind.IO, all.get(i), "cannot delete old state: "
                        + e.getMessage(), e);
            }
        }
        return f;
    }

    /**
     * The newest state in {@code dir} that loads as valid; damaged newer files (e.g. a crash mid-write on a file
     * system without atomic rename) are skipped with their errors reported to {@code skipped}.
     */
    public static StateCheckpoint latest(Path dir, java.util.function.Consumer<CheckpointException> skipped) {
        List<Path> all = list(dir);
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                return read(all.get(i));
            } catch (CheckpointException e) {
                if (skipped != null) {
                    skipped.accept(e);
                }
            }
        }
        return null;
    }
}
