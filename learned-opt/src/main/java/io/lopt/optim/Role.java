package io.lopt.optim;

/**
 * The μP role of a tensor (docs/spec.md §1): it decides the tensor's initialisation, its forward multiplier and the update
 * scale s_W that every optimizer applies.
 */
public enum Role {
    /** The first weight matrix: fan_in fixed (pixels), fan_out grows with width. */
    INPUT,
    /** Weight matrices between hidden layers: fan_in and fan_out both grow with width. */
    HIDDEN,
    /** The readout matrix: fan_out fixed (classes). */
    OUTPUT,
    /** Biases and gains: treated like input weights. */
    BIAS;

    /** Parses a role name case-insensitively, with an error that lists the valid names. */
    public static Role parse(String name) {
        for (Role r : values()) {
            if (r.name().equalsIgnoreCase(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown μP role '" + name + "' (expected one of input, hidden, output, bias)");
    }
}
