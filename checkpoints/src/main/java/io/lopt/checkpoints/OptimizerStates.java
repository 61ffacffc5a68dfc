package io.lopt.checkpoints;

import io.lopt.optim.OptimizerState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts {@link OptimizerState}s to and from named tensors, under a prefix, for state checkpoints. */
public final class OptimizerStates {
    private OptimizerStates() {
    }

    /** Tensors {@code prefix/<name>} for the state's arrays; the kind and step go in the JSON metadata. */
    public static List<Tensor> toTensors(String prefix, OptimizerState s) {
        List<Tensor> out = new ArrayList<>();
        for (Map.Entry<String, float[]> e : s.tensors().entrySet()) {
            float[] v = e.getValue();
            out.add(Tensor.f32(prefix + "/" + e.getKey(), new int[] {v.length}, v));
        }
        return out;
    }

    /** The state whose arrays are the tensors under {@code prefix/}. */
    public static OptimizerState fromTensors(String prefix, String kind, long step, Map<String, Tensor> tensors) {
        Map<String, float[]> t = new LinkedHashMap<>();
        String p = prefix + "/";
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().startsWith(p)) {
                t.put(e.getKey().substring(p.length()), e.getValue().floats());
            }
        }
        return new OptimizerState(kind, step, t);
    }

    private static final String PREFIX = "opt";

    /**
     * Writes an optimizer's state to {@code file} (atomically: an existing file is replaced only once the new one is
     * complete), as a checksummed safetensors file, so that a training loop can stop and resume bit-exactly.
     */
    public static void write(Path file, OptimizerState state) {
        com.fasterxml.jackson.databind.node.ObjectNode meta = Safetensors.JSON.createObjectNode();
        meta.putObject("optimizer_state").put("kind", state.kind()).put("step", state.step());
        new StateCheckpoint(state.step(), meta, toTensors(PREFIX, state)).write(file);
    }

    /** Reads a state written by {@link #write}; a damaged or foreign file is a {@link CheckpointException}. */
    public static OptimizerState read(Path file) {
        StateCheckpoint c = StateCheckpoint.read(file);
        com.fasterxml.jackson.databind.JsonNode o = c.meta().get("optimizer_state");
        if (o == null || !o.isObject() || !o.path("kind").isTextual() || !o.path("step").canConvertToLong()) {
            throw new CheckpointException(CheckpointException.Kind.UNSUPPORTED_FORMAT, file,
                    "not an optimizer state (a meta-training state? those resume with lopt meta-train --resume)");
        }
        return fromTensors(PREFIX, o.get("kind").asText(), o.get("step").asLong(), c.tensorMap());
    }

    /**
     * Writes several named optimizer states (one per tensor, as the DJL and DL4J adapters keep them) to one file,
     * atomically and checksummed.
     */
    public static void writeAll(Path file, Map<String, OptimizerState> states) {
        com.fasterxml.jackson.databind.node.ObjectNode meta = Safetensors.JSON.createObjectNode();
        com.fasterxml.jackson.databind.node.ArrayNode arr = meta.putArray("optimizer_states");
        List<Tensor> tensors = new ArrayList<>();
        int i = 0;
        long maxStep = 0;
        for (Map.Entry<String, OptimizerState> e : states.entrySet()) {
            arr.addObject().put("name", e.getKey()).put("kind", e.getValue().kind()).put("step", e.getValue().step());
            tensors.addAll(toTensors(PREFIX + i, e.getValue()));
            maxStep = Math.max(maxStep, e.getValue().step());
            i++;
        }
        new StateCheckpoint(maxStep, meta, tensors).write(file);
    }

    /** Reads the states written by {@link #writeAll}, by name, in the order they were written. */
    public static Map<String, OptimizerState> readAll(Path file) {
        StateCheckpoint c = StateCheckpoint.read(file);
        com.fasterxml.jackson.databind.JsonNode arr = c.meta().get("optimizer_states");
        if (arr == null || !arr.isArray()) {
            throw new CheckpointException(CheckpointException.Kind.UNSUPPORTED_FORMAT, file,
                    "not a file of optimizer states (written by OptimizerStates.writeAll)");
        }
        Map<String, Tensor> tensors = c.tensorMap();
        Map<String, OptimizerState> out = new LinkedHashMap<>();
        for (int i = 0; i < arr.size(); i++) {
            com.fasterxml.jackson.databind.JsonNode o = arr.get(i);
            if (!o.path("name").isTextual() || !o.path("kind").isTextual() || !o.path("step").canConvertToLong()) {
                throw Safetensors.corrupt(file, "optimizer state entry " + i + " lacks name, kind or step");
            }
            out.put(o.get("name").asText(), fromTensors(PREFIX + i, o.get("kind").asText(), o.get("step").asLong(),
                    tensors));
        }
        return out;
    }
}
