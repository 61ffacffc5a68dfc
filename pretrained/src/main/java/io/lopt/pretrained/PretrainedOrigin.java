package io.lopt.pretrained;

/**
 * How a pretrained learned optimizer was made, as its index entry records it.
 *
 * @param preset          the meta-training configuration (a preset name, or a description of a custom one)
 * @param outerSteps      the outer step of meta-training that produced θ
 * @param wallTimeSeconds the meta-training time in seconds (null when unknown)
 * @param machine         where it was meta-trained (CPU, cores, device)
 * @param command         the command that regenerates it
 * @param created         when the checkpoint was written (from its provenance)
 * @param loptVersion     the lopt version that wrote it (from its provenance)
 * @param source          the checkpoint's own provenance line, e.g. {@code meta-train runs/x (outer step 1000)}
 */
public record PretrainedOrigin(String preset, long outerSteps, Double wallTimeSeconds, String machine, String command,
        String created, String loptVersion, String source) {

    /** The meta-training time as {@code 1h02m}, {@code 1m31s} or {@code 42s}; "unknown" when not recorded. */
    public String wallTime() {
        if (wallTimeSeconds == null) {
            return "unknown";
        }
        long s = Math.round(wallTimeSeconds);
        if (s >= 3600) {
            return String.format(java.util.Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return s >= 60 ? String.format(java.util.Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
