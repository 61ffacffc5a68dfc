package io.lopt.optimizees.tasks;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Rough estimates of the heap a run needs, so that one that cannot fit is refused at once, in one line, instead of
 * dying with an {@link OutOfMemoryError} after tens of seconds. They count the big arrays a run must hold: parameters,
 * gradients, optimizer state and activations per model in use, loss curves and datasets (not the JVM's own few tens
 * of megabytes), in doubles so that absurd sizes do not overflow.
 */
public final class MemoryEstimate {
    /** Optimizer state per parameter, an upper bound over lopt's optimizers (learned: 3 momenta + second moment). */
    public static final int LEARNED_STATE_FLOATS = 4;
    /** Adam and its variants: two moments. */
    public static final int ADAM_STATE_FLOATS = 2;
    private static final double GIB = 1024.0 * 1024 * 1024;

    private MemoryEstimate() {
    }

    /** Number of parameters of the task's model. */
    public static double parameters(TaskSpec s) {
        return s.taskFamily().parameters(s);
    }

    /**
     * Bytes of one model being trained by one thread: parameters, gradients, {@code stateFloats} floats of optimizer
     * state per parameter, and the activations of a training batch and of an evaluation batch.
     */
    public static double trainingBytes(TaskSpec s, int stateFloats) {
        return s.taskFamily().trainingBytes(s, stateFloats);
    }

    /** Bytes of a loss curve of {@code steps} steps while a run records it (the curve and its final copy). */
    public static double curveBytes(long steps) {
        return 8.0 * steps;
    }

    /**
     * Bytes of the data the tasks use, once loaded (each dataset once, as {@link TaskFamily#dataKey} says), plus what
     * loading one takes at most.
     */
    public static double datasetBytes(java.util.Collection<TaskSpec> tasks) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        double bytes = 0;
        double loading = 0;
        for (TaskSpec t : tasks) {
            TaskFamily f = t.taskFamily();
            if (!seen.add(f.name() + ":" + f.dataKey(t))) {
                continue;
            }
            bytes += f.dataBytes(t);
            loading = Math.max(loading, f.loadingBytes(t));
        }
        return bytes + loading;
    }

    /**
     * Refuses, with one line, a run of {@code bytes} that does not fit in the JVM's heap: how much it needs, how much
     * the JVM may use, and how to give it more (or, beyond the machine's memory, to make it smaller as {@code smaller}
     * says).
     */
    public static void require(double bytes, String what, String smaller) {
        require(bytes, what, smaller, Runtime.getRuntime().maxMemory(), physicalMemory());
    }

    static void require(double bytes, String what, String smaller, long maxMemory, long physical) {
        if (bytes <= maxMemory) {
            return;
        }
        String msg = what + " needs about " + format(bytes) + " of memory, but this JVM may use at most "
                + format(maxMemory) + " (Runtime.maxMemory)";
        double xmx = Math.ceil(bytes * 1.25 / GIB);
        if (physical > 0 && xmx * GIB > physical) {
            msg += "; that is more than this machine's " + format(physical) + ": " + smaller;
        } else {
            msg += "; give it more with LOPT_JAVA_OPTS=-Xmx" + (long) Math.max(1, xmx) + "g, or " + smaller;
        }
        throw new IllegalArgumentException(msg);
    }

    /** The machine's (or container's) memory in bytes, or -1 when the JVM does not say. */
    static long physicalMemory() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return os.getTotalMemorySize();
            }
        } catch (RuntimeException | LinkageError e) {
            // not available on this JVM
        }
        return -1;
    }

    /** Bytes in KiB, MiB, GiB, TiB or PiB. */
    static String format(double bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int u = 0;
        while (bytes >= 1024 && u < units.length - 1) {
            bytes /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f bytes", bytes)
                : String.format(Locale.ROOT, bytes < 10 ? "%.1f %s" : "%.0f %s", bytes, units[u]);
    }
}
