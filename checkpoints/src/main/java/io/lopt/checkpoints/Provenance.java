package io.lopt.checkpoints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * How a learned optimizer was made: the project version, when, from which meta-training configuration and outer
 * step, on which task distribution, and from what source (meta-training run, import).
 *
 * @param metaTraining     the meta-training configuration, as JSON (may be null)
 * @param outerStep        the outer step that produced θ (-1 when not meta-trained here)
 * @param taskDistribution the task distribution meta-trained on, as JSON (may be null)
 * @param source           free text, e.g. {@code meta-train runs/quick} or {@code imported from pylo folder X}
 */
public record Provenance(String projectVersion, String created, JsonNode metaTraining, long outerStep,
        JsonNode taskDistribution, String source) {

    public Provenance {
        projectVersion = projectVersion == null ? "unknown" : projectVersion;
        created = created == null ? now() : created;
        metaTraining = metaTraining == null ? JsonNodeFactory.instance.nullNode() : metaTraining;
        taskDistribution = taskDistribution == null ? JsonNodeFactory.instance.nullNode() : taskDistribution;
        source = source == null ? "" : source;
    }

    public static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The version of this build of lopt. */
    public static String currentVersion() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    public static Provenance of(String source) {
        return new Provenance(currentVersion(), now(), null, -1, null, source);
    }

    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("project_version", projectVersion);
        o.put("created", created);
        o.set("meta_training", metaTraining);
        o.put("outer_step", outerStep);
        o.set("task_distribution", taskDistribution);
        o.put("source", source);
        return o;
    }

    static Provenance fromJson(JsonNode o, java.nio.file.Path file) {
        if (o == null || !o.isObject()) {
            throw Safetensors.corrupt(file, "provenance is missing or not an object");
        }
        JsonNode step = o.get("outer_step");
        return new Provenance(text(o, "project_version"), text(o, "created"), o.get("meta_training"),
                step != null && step.canConvertToLong() ? step.asLong() : -1, o.get("task_distribution"),
                text(o, "source"));
    }

    private static String text(JsonNode o, String k) {
        JsonNode v = o.get(k);
        return v == null || v.isNull() ? null : v.asText();
    }
}
