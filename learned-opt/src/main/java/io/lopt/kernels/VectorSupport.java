package io.lopt.kernels;

/**
 * Whether the JDK's incubating Vector API ({@code jdk.incubator.vector}) is enabled in this JVM. The fused kernels
 * need it; without it ({@code java} started without {@code --add-modules jdk.incubator.vector}) lopt runs the scalar
 * reference implementations instead — the same results up to rounding, many times slower — and says so once.
 * This class touches no Vector API type, so it loads either way.
 */
public final class VectorSupport {
    /** True when the fused Vector API kernels can run. */
    public static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    static {
        if (!AVAILABLE) {
            System.getLogger("io.lopt").log(System.Logger.Level.WARNING, "the Vector API is not enabled (start java with "
                    + "--add-modules jdk.incubator.vector): lopt falls back to its scalar reference kernels, which are "
                    + "many times slower");
        }
    }

    private VectorSupport() {
    }
}
