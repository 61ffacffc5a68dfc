package io.lopt.checkpoints;

import io.lopt.optim.OptimizerState;
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
}
