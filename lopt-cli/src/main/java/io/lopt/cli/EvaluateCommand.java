package io.lopt.cli;

import io.lopt.evaluation.report.Analysis;
import io.lopt.evaluation.report.Report;
import io.lopt.evaluation.report.Trends;
import io.lopt.evaluation.runs.RunResult;
import io.lopt.evaluation.runs.SuiteRunner;
import io.lopt.evaluation.suites.BaselineSchedule;
import io.lopt.evaluation.suites.SuiteConfig;
import io.lopt.evaluation.suites.Suites;
import io.lopt.kernels.Parallel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lopt evaluate}: runs an evaluation suite and writes its report. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate learned optimizers against tuned AdamW and μAdam on a suite; write results and a report.")
public final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--suite", required = true, paramLabel = "S",
            description = "A suite (width, depth, horizon, shift, quick) or a YAML/JSON suite file.")
    String suite;

    @Option(names = "--lo", paramLabel = "CHECKPOINT", arity = "1..*",
            description = "Learned-optimizer checkpoints to evaluate (any number): files, or pretrained:NAME for the "
                    + "ones shipped with lopt (see ./lopt pretrained).")
    List<String> learned = new ArrayList<>();

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "The evaluation directory; an interrupted evaluation resumes there.")
    Path out;

    @Option(names = "--tuning-cache", paramLabel = "DIR",
            description = "Where tuned learning rates are cached (default: ~/.cache/lopt/tuning).")
    Path tuningCache;

    @Option(names = "--baseline-schedule", paramLabel = "S",
            description = "Override the suite's baseline_schedule: warmup-cosine (the built-in suites' default; the "
                    + "μLO paper's: 1%% warmup, cosine decay to 10%% of the tuned lr, update clipped to global norm "
                    + "1.0) or constant (the tuned lr at every step, no clipping).")
    String baselineSchedule;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Mixin
    DeviceOptions device = new DeviceOptions();

    static Path defaultTuningCache() {
        return Path.of(System.getProperty("user.home"), ".cache", "lopt", "tuning");
    }

    @Override
    public Integer call() {
        SuiteConfig s = Suites.load(suite);
        if (baselineSchedule != null) {
            s = s.withBaselineSchedule(BaselineSchedule.parse(baselineSchedule));
        }
        Path report = evaluate(s, learned, out, tuningCache == null ? defaultTuningCache() : tuningCache,
                common.dataDir, common.parallel(), device.backend());
        System.out.println("report: " + report);
        return 0;
    }

    /** Runs a suite with a progress bar, writes the report, prints the summary; returns the report's path. */
    static Path evaluate(SuiteConfig s, List<String> los, Path out, Path cache, Path dataDir, Parallel par,
            SuiteRunner.BatchBackend backend) {
        io.lopt.evaluation.runs.SuiteMemory.check(s, los.size(), par.threads());
        try (RunLock lock = RunLock.acquire(out, "evaluate", true)) {
            return evaluateLocked(s, los, out, cache, dataDir, par, backend);
        }
    }

    private static Path evaluateLocked(SuiteConfig s, List<String> los, Path out, Path cache, Path dataDir, Parallel par,
            SuiteRunner.BatchBackend backend) {
        System.out.println("evaluating suite " + s.name() + " -> " + out);
        SuiteRunner.Outcome outcome;
        ProgressBar[] bar = {null};
        try {
            outcome = SuiteRunner.run(s, los, out, cache, dataDir, par, new SuiteRunner.Listener() {
                @Override
                public void onMessage(String message) {
                    System.out.println(message);
                }

                @Override
                public synchronized void onRun(RunResult r, int done, int total) {
                    if (bar[0] == null) {
                        bar[0] = new ProgressBar("evaluate", total);
                    }
                    bar[0].update(done, String.format(Locale.ROOT, "%s %s seed %d: %s", r.task(), r.optimizer(),
                            r.seed(), r.diverged() ? "diverged" : String.format(Locale.ROOT, "%.4f", r.finalLoss())));
                }
            }, backend);
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
        Report rep = new Report(new Analysis(outcome));
        Path html = rep.write(out);
        System.out.println("summary (lowest final training loss per task):");
        rep.winners().forEach(l -> System.out.println("  " + l));
        List<String> trends = new Trends(new Analysis(outcome)).lines();
        if (!trends.isEmpty()) {
            System.out.println("final training loss along each varied property (mean over seeds):");
            trends.forEach(l -> System.out.println("  " + l));
        }
        return html;
    }
}
