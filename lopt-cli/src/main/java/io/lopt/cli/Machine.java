package io.lopt.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** A one-line description of this machine for provenance: CPU model, cores, operating system, Java. */
final class Machine {
    private Machine() {
    }

    static String describe() {
        int cores = Runtime.getRuntime().availableProcessors();
        return cpuModel().map(m -> m + ", ").orElse("") + cores + " core" + (cores == 1 ? "" : "s") + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", Java "
                + System.getProperty("java.version");
    }

    /** The CPU model from /proc/cpuinfo (Linux), if there is one. */
    private static Optional<String> cpuModel() {
        try {
            Path f = Path.of("/proc/cpuinfo");
            if (!Files.isReadable(f)) {
                return Optional.empty();
            }
            return Files.readAllLines(f).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim().replaceAll("\\s+", " "));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
