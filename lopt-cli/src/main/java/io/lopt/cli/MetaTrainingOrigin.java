package io.lopt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import io.lopt.checkpoints.Provenance;
import io.lopt.metatrain.MetaTrainingRun;
import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.metatrain.config.Presets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * What {@code lopt pretrained add} reads about how a checkpoint was meta-trained: the preset, from its provenance; the
 * wall time, from the run directory it sits in; and the command that regenerates it, when that is a preset.
 */
final class MetaTrainingOrigin {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Equal nodes, or numbers of equal value (a seed read back from a checkpoint is an int, the preset's a long). */
    private static final Comparator<JsonNode> SAME_NUMBER = (a, b) -> a.equals(b)
            || a.isNumber() && b.isNumber() && a.decimalValue().compareTo(b.decimalValue()) == 0 ? 0 : 1;

    private MetaTrainingOrigin() {
    }

    /** The preset (or configuration) name recorded in the checkpoint's provenance; "unknown" when there is none. */
    static String preset(Provenance p) {
        JsonNode n = p.metaTraining().get("name");
        return n == null || !n.isTextual() ? "unknown" : n.asText();
    }

    /**
     * The meta-training time of the outer steps up to the checkpoint's, summed from the {@code seconds} of the
     * {@code metrics.jsonl} next to it (a meta-training run directory); null when there is none.
     */
    static Double wallTimeSeconds(Path checkpointFile, long outerStep) {
        Path metrics = checkpointFile.toAbsolutePath().getParent().resolve(MetaTrainingRun.METRICS);
        if (!Files.isRegularFile(metrics) || outerStep <= 0) {
            return null;
        }
        Map<Long, Double> seconds = new HashMap<>();
        try {
            for (String line : Files.readAllLines(metrics)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode o = JSON.readTree(line);
                seconds.put(o.path("step").asLong(-1), o.path("seconds").asDouble(0)); // a re-run step: the last one
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + metrics + ": " + e.getMessage(), e);
        }
        double sum = 0;
        for (long s = 0; s < outerStep; s++) {
            Double v = seconds.get(s);
            if (v == null) {
                return null; // not the run that produced this checkpoint, or its metrics are incomplete
            }
            sum += v;
        }
        return sum;
    }

    /**
     * The command that meta-trains the checkpoint again and registers it as {@code name}, when its configuration is a
     * preset (possibly with another number of outer steps or seed); null otherwise.
     */
    static String regenerateCommand(String name, LearnedOptimizerCheckpoint c) {
        Provenance p = c.provenance();
        String preset = preset(p);
        if (!Presets.NAMES.contains(preset) || !p.metaTraining().isObject()) {
            return null;
        }
        MetaTrainConfig cfg = Presets.load(preset);
        StringBuilder cmd = new StringBuilder("./lopt meta-train --config " + preset);
        long steps = p.metaTraining().path("outer_steps").asLong(-1);
        long seed = p.metaTraining().path("seed").asLong(Long.MIN_VALUE);
        if (steps != cfg.outerSteps() && steps > 0 && steps <= Integer.MAX_VALUE) {
            cfg = cfg.withOuterSteps((int) steps);
            cmd.append(" --outer-steps ").append(steps);
        }
        if (seed != cfg.seed()) {
            cfg = cfg.withSeed(seed);
            cmd.append(" --seed ").append(seed);
        }
        if (!Presets.toTree(cfg).equals(SAME_NUMBER, p.metaTraining())) {
            return null;
        }
        String out = "runs/pretrained-" + name;
        String file = p.outerStep() == steps ? MetaTrainingRun.LATEST
                : String.format("lo-%06d.safetensors", p.outerStep());
        return cmd + " --out " + out + " && ./lopt pretrained add " + name + " " + out + "/" + file + " --replace";
    }
}
