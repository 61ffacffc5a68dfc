package io.lopt.evaluation.suites;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The built-in evaluation suites (YAML resources next to this class) and user suite files. */
public final class Suites {
    public static final List<String> NAMES = List.of("width", "depth", "horizon", "shift", "quick", "transformer", "vit");
    static final ObjectMapper YAML = io.lopt.metatrain.config.StrictYaml.mapper();

    private Suites() {
    }

    /** A built-in suite by name, or a YAML/JSON file by path. */
    public static SuiteConfig load(String nameOrPath) {
        JsonNode tree;
        String source;
        if (NAMES.contains(nameOrPath)) {
            source = "suite " + nameOrPath;
            try (InputStream in = Suites.class.getResourceAsStream("/io/lopt/evaluation/suites/" + nameOrPath + ".yaml")) {
                tree = YAML.readTree(in);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read built-in suite " + nameOrPath, e);
            }
        } else {
            Path p = Path.of(nameOrPath);
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("'" + nameOrPath + "' is neither a suite (" + String.join(", ", NAMES)
                        + ") nor a readable suite file");
            }
            source = p.toString();
            try {
                tree = YAML.readTree(Files.readString(p));
            } catch (IOException e) {
                throw new IllegalArgumentException(p + ": not valid YAML/JSON: "
                        + io.lopt.metatrain.config.StrictYaml.describe(e), e);
            }
        }
        return bind(tree, source);
    }

    public static SuiteConfig bind(JsonNode tree, String source) {
        try {
            return YAML.treeToValue(tree, SuiteConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException(source + ": unknown key '" + e.getPropertyName() + "' (known: "
                    + e.getKnownPropertyIds() + ")", e);
        } catch (JsonMappingException e) {
            if (io.lopt.metatrain.config.StrictYaml.typeMismatch(e) != null) {
                throw new IllegalArgumentException(source + ": invalid suite: "
                        + io.lopt.metatrain.config.StrictYaml.typeMismatch(e), e);
            }
            Throwable c = e;
            while (c.getCause() != null && !(c instanceof IllegalArgumentException)) {
                c = c.getCause();
            }
            throw new IllegalArgumentException(source + ": invalid suite: "
                    + (c instanceof IllegalArgumentException ? c.getMessage() : e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": invalid suite: " + e.getMessage(), e);
        }
    }

    /**
     * A suite as an evaluation recorded it in its {@code evaluation.json}: one recorded before suites had a
     * {@code baseline_schedule} ran its baselines at a constant learning rate, and is read so.
     */
    public static SuiteConfig bindRecorded(JsonNode tree, String source) {
        if (tree instanceof com.fasterxml.jackson.databind.node.ObjectNode o && !o.has("baseline_schedule")) {
            com.fasterxml.jackson.databind.node.ObjectNode c = o.deepCopy();
            c.put("baseline_schedule", BaselineSchedule.CONSTANT.key());
            return bind(c, source);
        }
        return bind(tree, source);
    }

    public static JsonNode toTree(SuiteConfig s) {
        return YAML.valueToTree(s);
    }
}
