package io.lopt.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything an optimizer carries from one step to the next, as plain data: its kind, the number of steps taken and
 * named float tensors (e.g. {@code "m/layer0.w"}). Restoring it into a fresh optimizer of the same kind and
 * configuration continues bit-exactly.
 */
public record OptimizerState(String kind, long step, Map<String, float[]> tensors) {

    public OptimizerState {
        Objects.requireNonNull(kind, "kind");
        if (step < 0) {
            throw new IllegalArgumentException("step must be non-negative, got " + step);
        }
        LinkedHashMap<String, float[]> copy = new LinkedHashMap<>();
        tensors.forEach((k, v) -> copy.put(k, v.clone()));
        tensors = Collections.unmodifiableMap(copy);
    }

    /** The tensor named {@code name}, checked for its length, with an error naming what is missing or wrong. */
    public float[] tensor(String name, int expectedLength) {
        float[] t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("optimizer state of kind '" + kind + "' has no tensor '" + name + "'");
        }
        if (t.length != expectedLength) {
            throw new IllegalArgumentException("optimizer state tensor '" + name + "' has " + t.length
                    + " values, expected " + expectedLength);
        }
        return t.clone();
    }

    /** Total number of floats held. */
    public long floatCount() {
        long n = 0;
        for (float[] t : tensors.values()) {
            n += t.length;
        }
        return n;
    }
}
