package io.lopt.metatrain.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Meta-training configurations: the built-in presets (YAML resources next to this class, each documenting the paper
 * setting it scales down) and user files in YAML or JSON. A user file may start from a preset with
 * {@code preset: NAME} and override any key.
 */
public final class Presets {
    /** The presets, in the order the README lists them. */
    public static final List<String> NAMES = List.of("quick", "quick-sp", "quick-mixed", "mulo-s", "mulo-m", "lo-s", "lo-m",
            "velo-s", "mu-velo-s");
    static final ObjectMapper YAML = StrictYaml.mapper()
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    private Presets() {
    }

    /** A preset by name, or a YAML/JSON file by path. */
    public static MetaTrainConfig load(String nameOrPath) {
        if (NAMES.contains(nameOrPath)) {
            return bind(presetTree(nameOrPath), "preset " + nameOrPath);
        }
        Path p = Path.of(nameOrPath);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("'" + nameOrPath + "' is neither a preset (" + String.join(", ", NAMES)
                    + ") nor a readable configuration file");
        }
        return parse(() -> Files.readString(p), p.toString());
    }

    /** A configuration written as YAML (or JSON) text, {@code preset:} expanded; {@code source} names it in errors. */
    public static MetaTrainConfig fromYaml(String yaml, String source) {
        return parse(() -> yaml, source);
    }

    /** The text a configuration is read from: a string, or a file (which may fail to read). */
    private interface Text {
        String read() throws IOException;
    }

    /** Reads and binds a configuration; text that cannot be read or parsed is a one-line error naming its source. */
    private static MetaTrainConfig parse(Text text, String source) {
        JsonNode tree;
        try {
            tree = YAML.readTree(text.read());
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not valid YAML/JSON: " + StrictYaml.describe(e), e);
        }
        return fromTree(tree, source);
    }

    /** Binds a configuration tree, expanding {@code preset:} first. */
    public static MetaTrainConfig fromTree(JsonNode tree, String source) {
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException(source + ": the configuration must be a mapping of keys to values");
        }
        ObjectNode t = ((ObjectNode) tree).deepCopy();
        JsonNode preset = t.remove("preset");
        if (preset != null) {
            if (!preset.isTextual() || !NAMES.contains(preset.asText())) {
                throw new IllegalArgumentException(source + ": unknown preset " + preset + " (known: " + NAMES + ")");
            }
            ObjectNode base = presetTree(preset.asText());
            merge(base, t);
            t = base;
        }
        return bind(t, source);
    }

    static ObjectNode presetTree(String name) {
        try (InputStream in = Presets.class.getResourceAsStream("/io/lopt/metatrain/presets/" + name + ".yaml")) {
            if (in == null) {
                throw new IllegalStateException("preset resource " + name + " missing from the build");
            }
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read preset " + name, e);
        }
    }

    /**
     * Overrides {@code base} with {@code over}, key by key (nested mappings merge; lists and scalars replace). A
     * mapping that names another {@code kind} (an optimizer of another kind) replaces the preset's instead: the
     * preset's keys belong to its kind.
     */
    static void merge(ObjectNode base, ObjectNode over) {
        Iterator<Map.Entry<String, JsonNode>> it = over.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode b = base.get(e.getKey());
            boolean otherKind = b != null && e.getValue().has("kind") && !e.getValue().get("kind").equals(b.get("kind"));
            if (b != null && b.isObject() && e.getValue().isObject() && !otherKind) {
                merge((ObjectNode) b, (ObjectNode) e.getValue());
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
    }

    /** Keys of a task group that may be left out (every other key must be given). */
    private static final List<String> OPTIONAL_TASK_KEYS = List.of("family", "options", "datasets", "resolutions");

    static MetaTrainConfig bind(JsonNode tree, String source) {
        if (tree.get("tasks") instanceof com.fasterxml.jackson.databind.node.ArrayNode tasks) {
            for (JsonNode g : tasks) {
                if (g instanceof ObjectNode o) {
                    for (String k : OPTIONAL_TASK_KEYS) {
                        if (!o.has(k)) {
                            o.putNull(k);
                        }
                    }
                }
            }
        }
        try {
            return YAML.treeToValue(tree, MetaTrainConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException(source + ": unknown key '" + e.getPropertyName() + "' at "
                    + path(e) + " (known: " + e.getKnownPropertyIds() + ")", e);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            if (StrictYaml.typeMismatch(e) != null) {
                throw new IllegalArgumentException(source + ": invalid configuration: " + StrictYaml.typeMismatch(e), e);
            }
            Throwable c = e;
            while (c.getCause() != null && !(c instanceof IllegalArgumentException)) {
                c = c.getCause();
            }
            String msg = c instanceof IllegalArgumentException ? c.getMessage() : e.getOriginalMessage();
            throw new IllegalArgumentException(source + ": invalid configuration: " + msg + " (at " + path(e) + ")", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": invalid configuration: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": invalid configuration: " + e.getMessage(), e);
        }
    }

    private static String path(com.fasterxml.jackson.databind.JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? "the top level" : sb.toString();
    }

    /** The configuration as a JSON tree (for run directories and provenance). */
    public static ObjectNode toTree(MetaTrainConfig c) {
        return YAML.valueToTree(c);
    }
}
