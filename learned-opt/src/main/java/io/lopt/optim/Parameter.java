package io.lopt.optim;

import java.util.Objects;

/** A named tensor: its {@link ParamSpec} and its values, row-major, owned by the caller and updated in place. */
public record Parameter(ParamSpec spec, float[] values) {

    public Parameter {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(values, "values");
        if (values.length != spec.size()) {
            throw new IllegalArgumentException("parameter '" + spec.name() + "' with shape " + spec.shapeString()
                    + " needs " + spec.size() + " values, got " + values.length);
        }
    }

    /** A zero-filled tensor. */
    public static Parameter zeros(ParamSpec spec) {
        return new Parameter(spec, new float[spec.size()]);
    }

    public String name() {
        return spec.name();
    }

    public int size() {
        return values.length;
    }

    /** A deep copy. */
    public Parameter copy() {
        return new Parameter(spec, values.clone());
    }
}
