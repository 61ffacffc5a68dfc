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
}
