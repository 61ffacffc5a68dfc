package io.lopt.optim;

import java.util.Arrays;
import java.util.Objects;

/**
 * What an optimizer needs to know about one named tensor: its shape (row-major), its μP {@link Role}, its fan_in,
 * and the update scale s_W that multiplies whatever step the optimizer proposes (docs/spec.md §1: {@code hiddenLrMult / fan_in}
 * for hidden matrices under μP, 1 otherwise).
 *
 * <p>Weight matrices use the {@code [fan_in, fan_out]} layout (JAX/haiku, the layout μLO was meta-trained on), so
 * for a matrix {@code shape[0]} is the fan_in.
 */
public record ParamSpec(String name, int[] shape, Role role, int fanIn, float updateScale) {

    public ParamSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(role, "role");
        if (name.isBlank()) {
            throw new IllegalArgumentException("parameter name must not be blank");
        }
        shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("parameter '" + name + "' has a non-positive dimension in shape "
                        + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("parameter '" + name + "' is too large: " + n + " elements");
        }
        if (fanIn <= 0) {
            throw new IllegalArgumentException("parameter '" + name + "' has fan_in " + fanIn + " (must be positive)");
        }
        if (!(updateScale > 0) || !Float.isFinite(updateScale)) {
            throw new IllegalArgumentException("parameter '" + name + "' has update scale " + updateScale
                    + " (must be positive and finite)");
        }
    }

    /** A tensor under the standard parametrization: s_W = 1. */
    public static ParamSpec standard(String name, int[] shape, Role role, int fanIn) {
        return new ParamSpec(name, shape, role, fanIn, 1f);
    }

    /** A tensor under μP with the default multiplier: s_W = 1 / fan_in for hidden matrices, 1 otherwise. */
    public static ParamSpec mup(String name, int[] shape, Role role, int fanIn) {
        return mup(name, shape, role, fanIn, 1.0);
    }

    /**
     * A tensor under μP: s_W = hiddenLrMult / fan_in for hidden matrices, 1 for the other roles (docs/spec.md §1).
     *
     * @param hiddenLrMult the μP learning-rate <em>multiplier</em> of hidden matrices (1.0 unless tuned), not s_W
     *                     itself: this method divides it by fan_in. Passing 1/fan_in (s_W) would give 1/fan_in² and
     *                     is refused.
     */
    public static ParamSpec mup(String name, int[] shape, Role role, int fanIn, double hiddenLrMult) {
        if (!(hiddenLrMult > 0) || !Double.isFinite(hiddenLrMult)) {
            throw new IllegalArgumentException("parameter '" + name + "': hiddenLrMult must be positive and finite, got "
                    + hiddenLrMult);
        }
        if (role == Role.HIDDEN && fanIn > 1 && Math.abs(hiddenLrMult * fanIn - 1) < 1e-3) {
            throw new IllegalArgumentException("parameter '" + name + "': hiddenLrMult " + hiddenLrMult + " is 1/fan_in; "
                    + "it is the multiplier of 1/fan_in (s_W = hiddenLrMult / fan_in), so this would give s_W = "
                    + "1/fan_in²: pass 1.0 for μP's s_W = 1/" + fanIn);
        }
        float s = role == Role.HIDDEN ? (float) (hiddenLrMult / fanIn) : 1f;
        return new ParamSpec(name, shape, role, fanIn, s);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i];
    }

    /** Number of elements. */
    public int size() {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParamSpec p && name.equals(p.name) && Arrays.equals(shape, p.shape) && role == p.role
                && fanIn == p.fanIn && Float.compare(updateScale, p.updateScale) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), role, fanIn, updateScale);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + "{" + role.name().toLowerCase() + ", fan_in=" + fanIn + ", s_W="
                + updateScale + "}";
    }
}
