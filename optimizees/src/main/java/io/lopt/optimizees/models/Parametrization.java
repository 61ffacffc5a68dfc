package io.lopt.optimizees.models;

/** How an MLP is initialised, multiplied and scaled (docs/spec.md §1). */
public enum Parametrization {
    /** Maximal Update Parametrization, as μLO runs it. */
    MUP,
    /** Standard parametrization. */
    SP;

    public static Parametrization parse(String s) {
        return switch (s.trim().toLowerCase()) {
            case "mup", "μp", "mu" -> MUP;
            case "sp", "standard" -> SP;
            default -> throw new IllegalArgumentException("unknown parametrization '" + s + "' (expected mup or sp)");
        };
    }

    public String label() {
        return this == MUP ? "mup" : "sp";
    }
}
