package io.lopt.checkpoints;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A learned optimizer on disk: its kind and configuration, θ as named tensors (the kind's views, decay offsets
 * included), and its {@link Provenance}. Stored as safetensors; the metadata holds the format name and version,
 * the configuration and provenance as JSON, and a SHA-256 over all of it that is checked on load.
 */
public record LearnedOptimizerCheckpoint(String optimizer, ObjectNode config, float[] theta, Provenance provenance) {
    public static final String FORMAT = "lopt.learned-optimizer";
    public static final int VERSION = 1;

    public LearnedOptimizerCheckpoint {
        LearnedOptimizerKind k = LearnedOptimizerKinds.get(optimizer, null);
        int need = LearnedOptimizerKinds.thetaSize(k, config);
        if (theta.length != need) {
            throw new IllegalArgumentException(optimizer + " with configuration " + config + " needs θ of " + need
                    + " values, got " + theta.length);
        }
        theta = theta.clone();
        config = config.deepCopy();
    }

    @Override
    public float[] theta() {
        return theta.clone();
    }

    /** The bytes of the file. */
    public byte[] toBytes() {
        List<Tensor> tensors = tensors();
        String lopt = metadataJson();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("format_version", String.valueOf(VERSION));
        meta.put("lopt", lopt);
        meta.put("sha256", digest(FORMAT, VERSION, lopt, tensors));
        return Safetensors.toBytes(tensors, meta);
    }

    /** Writes the checkpoint atomically. */
    public void write(Path file) {
        AtomicFiles.write(file, toBytes());
    }

    /** The SHA-256 recorded for (and checked against) this checkpoint's content. */
    public String sha256() {
        return digest(FORMAT, VERSION, metadataJson(), tensors());
    }

    List<Tensor> tensors() {
        List<Tensor> out = new ArrayList<>();
        for (LearnedOptimizerKinds.View v : LearnedOptimizerKinds.views(LearnedOptimizerKinds.get(optimizer, null), config)) {
            out.add(Tensor.f32(v.name(), v.shape(), Arrays.copyOfRange(theta, v.offset(), v.offset() + v.size())));
        }
        return out;
    }

    private String metadataJson() {
        ObjectNode o = Safetensors.JSON.createObjectNode();
        o.put("optimizer", optimizer);
        o.set("config", config);
        o.set("provenance", provenance.toJson());
        try {
            return Safetensors.JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String digest(String format, int version, String json, List<Tensor> tensors) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((format + "\n" + version + "\n" + json + "\n").getBytes(StandardCharsets.UTF_8));
            for (Tensor t : tensors) {
                md.update((t.name() + "\n" + t.dtype() + Arrays.toString(t.shape()) + "\n").getBytes(StandardCharsets.UTF_8));
                md.update(t.data());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads and fully validates a checkpoint file. */
    public static LearnedOptimizerCheckpoint read(Path file) {
        return parse(Safetensors.readSafetensors(file), file);
    }

    /** Parses and validates checkpoint bytes ({@code file} names them in errors). */
    public static LearnedOptimizerCheckpoint parse(byte[] bytes, Path file) {
        Safetensors.Contents c = Safetensors.parse(bytes, file);
        Map<String, String> meta = c.metadata();
        String format = meta.get("format");
        if (!FORMAT.equals(format)) {
            throw new CheckpointException(CheckpointException.Kind.UNSUPPORTED_FORMAT, file,
                    format == null ? "not a lopt learned-optimizer checkpoint (no format in its metadata)"
                            : "format '" + format + "' is not a learned-optimizer checkpoint (" + FORMAT + ")");
        }
        String version = meta.get("format_version");
        if (!String.valueOf(VERSION).equals(version)) {
            throw new CheckpointException(CheckpointException.Kind.UNSUPPORTED_FORMAT, file, "format version "
                    + version + " is not supported (this lopt reads version " + VERSION + ")");
        }
        String json = meta.get("lopt");
        String sha = meta.get("sha256");
        if (json == null || sha == null) {
            throw Safetensors.corrupt(file, "metadata lacks " + (json == null ? "'lopt'" : "'sha256'"));
        }
        String actual = digest(FORMAT, VERSION, json, c.tensors());
        if (!actual.equals(sha)) {
            throw new CheckpointException(CheckpointException.Kind.CHECKSUM_MISMATCH, file,
                    "content does not match its SHA-256 (recorded " + abbreviate(sha) + ", computed "
                            + abbreviate(actual) + "): the file is damaged");
        }
        JsonNode root;
        try {
            root = Safetensors.JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw Safetensors.corrupt(file, "'lopt' metadata is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject() || !root.path("optimizer").isTextual() || !root.path("config").isObject()) {
            throw Safetensors.corrupt(file, "'lopt' metadata must be an object with 'optimizer' and 'config'");
        }
        String optimizer = root.get("optimizer").asText();
        LearnedOptimizerKind kind = LearnedOptimizerKinds.get(optimizer, file);
        ObjectNode config = (ObjectNode) root.get("config");
        kind.fromJson(config, file);
        Provenance prov = Provenance.fromJson(root.get("provenance"), file);
        float[] theta = assemble(LearnedOptimizerKinds.views(kind, config), c.tensors(),
                LearnedOptimizerKinds.thetaSize(kind, config), file);
        return new LearnedOptimizerCheckpoint(optimizer, config, theta, prov);
    }

    /** θ from tensors that must match the views exactly: no missing, extra, mis-typed or mis-shaped tensor. */
    static float[] assemble(List<LearnedOptimizerKinds.View> views, List<Tensor> tensors, int size, Path file) {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            byName.put(t.name(), t);
        }
        Set<String> expected = new LinkedHashSet<>();
        float[] theta = new float[size];
        for (LearnedOptimizerKinds.View v : views) {
            expected.add(v.name());
            Tensor t = byName.get(v.name());
            if (t == null) {
                throw new CheckpointException(CheckpointException.Kind.MISMATCH, file, "tensor '" + v.name()
                        + "' is missing (expected " + Arrays.toString(v.shape()) + ")");
            }
            if (t.dtype() != Tensor.DType.F32 || !Arrays.equals(t.intShape(), v.shape())) {
                throw new CheckpointException(CheckpointException.Kind.MISMATCH, file, "tensor '" + v.name() + "' is "
                        + t.dtype() + Arrays.toString(t.shape()) + ", the configuration needs F32"
                        + Arrays.toString(v.shape()));
            }
            float[] vals = t.floats();
            for (int i = 0; i < vals.length; i++) {
                if (!Float.isFinite(vals[i])) {
                    throw new CheckpointException(CheckpointException.Kind.CORRUPT, file, "tensor '" + v.name()
                            + "' holds a non-finite value at index " + i);
                }
            }
            System.arraycopy(vals, 0, theta, v.offset(), vals.length);
        }
        for (String n : byName.keySet()) {
            if (!expected.contains(n)) {
                throw new CheckpointException(CheckpointException.Kind.MISMATCH, file, "unexpected tensor '" + n
                        + "' (expected exactly " + expected + ")");
            }
        }
        return theta;
    }

    private static String abbreviate(String s) {
        return s.length() > 16 ? s.substring(0, 16) + "…" : s;
    }
}
