package io.lopt.pretrained;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import io.lopt.checkpoints.LearnedOptimizerKinds;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One pretrained learned optimizer in the index: its name, the checkpoint file, what that file must hold (kind,
 * configuration, a one-line summary, the SHA-256 of the file and the checkpoint's own content SHA-256), a short
 * description, how it was made, and its headline evaluation results (free-form lines).
 *
 * @param name             how it is referred to: {@code pretrained:NAME}
 * @param file             the checkpoint's file name, next to the index
 * @param kind             the learned-optimizer kind ({@code small_fc_lopt}, {@code velo})
 * @param config           the kind's configuration, exactly as the checkpoint holds it
 * @param summary          the optimizer's one-line description, e.g. {@code mulo(hidden=[32, 32], λ1=0.01)}
 * @param description      what it is and what it is for
 * @param sha256           the SHA-256 of the file's bytes ({@code sha256sum})
 * @param checkpointSha256 the SHA-256 the checkpoint records over its content (what evaluations report)
 * @param origin           how it was made
 * @param results          headline evaluation results, one line each
 */
public record PretrainedEntry(String name, String file, String kind, ObjectNode config, String summary,
        String description, String sha256, String checkpointSha256, PretrainedOrigin origin, List<String> results) {

    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    static final Pattern FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*\\.safetensors");

    public PretrainedEntry {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid pretrained name '" + name
                    + "' (lower-case letters, digits, '.', '_' and '-', starting with a letter or digit)");
        }
        if (file == null || !FILE.matcher(file).matches()) {
            throw new IllegalArgumentException("pretrained '" + name + "': invalid file name '" + file
                    + "' (a plain NAME.safetensors, no directories)");
        }
        if (!Sha256.valid(sha256) || !Sha256.valid(checkpointSha256)) {
            throw new IllegalArgumentException("pretrained '" + name + "': sha256 and checkpoint_sha256 must be 64 "
                    + "lower-case hex digits");
        }
        if (kind == null || config == null || summary == null || description == null || origin == null) {
            throw new IllegalArgumentException("pretrained '" + name + "': kind, config, summary, description and "
                    + "provenance are required");
        }
        config = config.deepCopy();
        results = List.copyOf(results == null ? List.of() : results);
    }

    @Override
    public ObjectNode config() {
        return config.deepCopy();
    }

    /** The entry for a checkpoint file's bytes: kind, configuration, summary and both SHA-256s read from them. */
    public static PretrainedEntry of(String name, String file, byte[] bytes, String description, PretrainedOrigin origin,
            List<String> results) {
        LearnedOptimizerCheckpoint c = LearnedOptimizerCheckpoint.parse(bytes, java.nio.file.Path.of(file));
        return new PretrainedEntry(name, file, c.optimizer(), c.config(), LearnedOptimizerKinds.factory(c).describe(),
                description, Sha256.hex(bytes), c.sha256(), origin, results);
    }

    /** The same entry with another description and results (for a replacement that keeps or updates them). */
    public PretrainedEntry with(String newDescription, List<String> newResults) {
        return new PretrainedEntry(name, file, kind, config, summary, newDescription, sha256, checkpointSha256, origin,
                newResults);
    }

    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", name);
        o.put("file", file);
        o.put("kind", kind);
        o.set("config", config.deepCopy());
        o.put("summary", summary);
        o.put("description", description);
        o.put("sha256", sha256);
        o.put("checkpoint_sha256", checkpointSha256);
        ObjectNode p = o.putObject("provenance");
        p.put("preset", origin.preset());
        p.put("outer_steps", origin.outerSteps());
        if (origin.wallTimeSeconds() == null) {
            p.putNull("wall_time_s");
        } else {
            p.put("wall_time_s", Math.round(origin.wallTimeSeconds() * 10) / 10.0);
        }
        p.put("machine", origin.machine());
        p.put("command", origin.command());
        p.put("created", origin.created());
        p.put("lopt_version", origin.loptVersion());
        p.put("source", origin.source());
        ArrayNode r = o.putArray("results");
        results.forEach(r::add);
        return o;
    }

    static PretrainedEntry fromJson(JsonNode o, String where) {
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException(where + ": an index entry must be an object");
        }
        String name = text(o, "name", where);
        String at = where + " (" + name + ")";
        JsonNode config = o.get("config");
        if (config == null || !config.isObject()) {
            throw new IllegalArgumentException(at + ": 'config' must be an object");
        }
        JsonNode p = o.get("provenance");
        if (p == null || !p.isObject()) {
            throw new IllegalArgumentException(at + ": 'provenance' must be an object");
        }
        JsonNode steps = p.get("outer_steps");
        if (steps == null || !steps.canConvertToLong()) {
            throw new IllegalArgumentException(at + ": 'provenance.outer_steps' must be an integer");
        }
        JsonNode wall = p.get("wall_time_s");
        if (wall != null && !wall.isNull() && !wall.isNumber()) {
            throw new IllegalArgumentException(at + ": 'provenance.wall_time_s' must be a number or null");
        }
        PretrainedOrigin origin = new PretrainedOrigin(text(p, "preset", at), steps.asLong(),
                wall == null || wall.isNull() ? null : wall.asDouble(), text(p, "machine", at), text(p, "command", at),
                text(p, "created", at), text(p, "lopt_version", at), text(p, "source", at));
        JsonNode rs = o.get("results");
        if (rs == null || !rs.isArray()) {
            throw new IllegalArgumentException(at + ": 'results' must be a list of lines");
        }
        List<String> results = new ArrayList<>();
        for (JsonNode r : rs) {
            if (!r.isTextual()) {
                throw new IllegalArgumentException(at + ": 'results' must be a list of lines, found " + r);
            }
            results.add(r.asText());
        }
        try {
            return new PretrainedEntry(name, text(o, "file", at), text(o, "kind", at), (ObjectNode) config,
                    text(o, "summary", at), text(o, "description", at), text(o, "sha256", at),
                    text(o, "checkpoint_sha256", at), origin, results);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode o, String key, String where) {
        JsonNode v = o.get(key);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(where + ": '" + key + "' must be a string");
        }
        return v.asText();
    }
}
