package io.lopt.cli;

import io.lopt.kernels.Parallel;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every data-using command shares. */
public final class CommonOptions {
    @Option(names = "--data-dir", description = "Directory with the Fashion-MNIST IDX files (default: $"
            + io.lopt.optimizees.datasets.FashionMnist.ENV + ", then " + io.lopt.optimizees.datasets.FashionMnist.DEFAULT_DIR + ").")
    Path dataDir;

    @Option(names = "--threads", description = "Worker threads (default: all cores). Results do not depend on it.")
    Integer threads;

    Parallel parallel() {
        if (threads == null) {
            return Parallel.common();
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        return Parallel.of(checkThreads(threads));
    }

    /** Refuses more threads than {@link Parallel#maxThreads()}: each one is an OS thread. */
    static int checkThreads(int threads) {
        if (threads > Parallel.maxThreads()) {
            throw new IllegalArgumentException("--threads " + threads + " is more than " + Parallel.THREADS_PER_PROCESSOR
                    + " per available processor (at most " + Parallel.maxThreads() + " here)");
        }
        return threads;
    }
}
