package io.lopt.optim.schedule;

/** The same value at every step (optax's {@code constant_schedule}). */
public record ConstantSchedule(double value) implements Schedule {

    public ConstantSchedule {
        if (!Double.isFinite(value) || value < 0) {
            throw new IllegalArgumentException("a constant schedule needs a finite, non-negative value, got " + value);
        }
    }

    @Override
    public double at(long step) {
        return value;
    }

    @Override
    public String describe() {
        return "constant(" + value + ")";
    }
}
