package io.lopt.cli;

import io.lopt.kernels.Parallel;
import io.lopt.optim.Optimizer;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optim.Role;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.lo.SmallFcLopt;
import io.lopt.util.Rng;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lopt bench}: quick performance checks (the JMH benchmarks in module benchmarks are the reference). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Quick performance checks.",
        subcommands = {BenchCommand.LoStep.class})
public final class BenchCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "lo-step", mixinStandardHelpOptions = true,
            description = "Time the fused learned-optimizer step on one hidden matrix; prints params_per_s=<median>.")
    static final class LoStep implements Callable<Integer> {
        @Option(names = "--rows", defaultValue = "1024", description = "Rows (fan_in) (default ${DEFAULT-VALUE}).")
        int rows;

        @Option(names = "--cols", defaultValue = "1024", description = "Columns (default ${DEFAULT-VALUE}).")
        int cols;

        @Option(names = "--threads", description = "Threads (default: all cores).")
        Integer threads;

        @Option(names = "--steps", defaultValue = "15", description = "Timed steps (default ${DEFAULT-VALUE}).")
        int steps;

        @Override
        public Integer call() {
            if (rows < 1 || cols < 1 || steps < 1) {
                throw new IllegalArgumentException("--rows, --cols and --steps must be positive");
            }
            Parallel par = threads == null ? Parallel.common() : Parallel.of(CommonOptions.checkThreads(threads));
            ParamSpec s = ParamSpec.mup("w", new int[] {rows, cols}, Role.HIDDEN, rows, 1.0);
            LoptConfig cfg = LoptConfig.mulo();
            Optimizer opt = new SmallFcLopt(cfg, MetaParameters.of(cfg).init(1), SmallFcLopt.Implementation.FUSED, par)
                    .create(List.of(s));
            Parameter p = Parameter.zeros(s);
            Rng rng = new Rng(2);
            rng.fillNormal(p.values(), 0.05);
            float[] g = new float[s.size()];
            rng.fillNormal(g, 1e-3);
            long warm = System.nanoTime();
            while (System.nanoTime() - warm < 3_000_000_000L) { // JIT warm-up
                opt.step(List.of(p), List.of(g));
            }
            double[] rates = new double[steps];
            for (int i = 0; i < steps; i++) {
                long t0 = System.nanoTime();
                opt.step(List.of(p), List.of(g));
                rates[i] = s.size() / ((System.nanoTime() - t0) / 1e9);
            }
            Arrays.sort(rates);
            double median = steps % 2 == 1 ? rates[steps / 2] : (rates[steps / 2 - 1] + rates[steps / 2]) / 2;
            System.out.printf(Locale.ROOT, "params_per_s=%.0f%n", median);
            return 0;
        }
    }
}
