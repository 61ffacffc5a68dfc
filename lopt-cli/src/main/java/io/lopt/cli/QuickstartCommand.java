package io.lopt.cli;

import io.lopt.evaluation.suites.Suites;
import io.lopt.kernels.Parallel;
import io.lopt.metatrain.MetaTrainingRun;
import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.metatrain.config.Presets;
import io.lopt.pretrained.Pretrained;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lopt quickstart}: the whole pipeline in minutes: meta-train μLO and the SP learned optimizer with the quick
 * presets, evaluate both and the shipped μLO ({@code pretrained:mulo}) against tuned AdamW and μAdam on the quick
 * suite, write the report and say who won where and how each optimizer's loss moves with width, depth and steps.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Meta-train μLO and the SP LO (quick presets), evaluate them and pretrained:mulo on the quick suite, write the report.")
public final class QuickstartCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "runs/quickstart", paramLabel = "DIR",
            description = "Where everything goes (default ${DEFAULT-VALUE}); a second call reuses what is finished.")
    Path out;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Mixin
    DeviceOptions device = new DeviceOptions();

    @Override
    public Integer call() {
        try (RunLock lock = RunLock.acquire(out, "quickstart", true)) {
            return quickstart();
        }
    }

    private Integer quickstart() {
        long t0 = System.nanoTime();
        Parallel par = common.parallel();
        Path mulo = metaTrain("quick", out.resolve("meta-mulo"), par);
        Path splo = metaTrain("quick-sp", out.resolve("meta-sp-lo"), par);
        // the shipped μLO (meta-trained for about half an hour, docs/meta-training.md) next to the two one-minute ones
        Path report = EvaluateCommand.evaluate(Suites.load("quick"), List.of(mulo.toString(), splo.toString(),
                Pretrained.PREFIX + "mulo"), out.resolve("eval"), out.resolve("tuning-cache"), common.dataDir, par, device.backend());
        System.out.printf(java.util.Locale.ROOT, "quickstart done in %s%nreport: %s%n",
                ProgressBar.formatSeconds((System.nanoTime() - t0) / 1e9), report.toAbsolutePath());
        return 0;
    }

    private Path metaTrain(String preset, Path dir, Parallel par) {
        try (RunLock lock = RunLock.acquire(dir, "quickstart", true)) {
            return metaTrainLocked(preset, dir, par);
        }
    }

    private Path metaTrainLocked(String preset, Path dir, Parallel par) {
        MetaTrainingRun run;
        var problems = device.problems();
        if (Files.isRegularFile(dir.resolve(MetaTrainingRun.CONFIG))) {
            run = MetaTrainingRun.resume(dir, common.dataDir, par, m -> System.out.println(m), problems);
        } else {
            run = MetaTrainingRun.create(dir, Presets.load(preset), false, common.dataDir, par, problems);
        }
        MetaTrainConfig cfg = run.trainer().config();
        System.out.println("meta-training " + cfg.name() + " (" + cfg.outerSteps() + " outer steps) -> " + dir);
        CountDownLatch finished = new CountDownLatch(1);
        try {
            if (!MetaTrainCommand.runWithSignals(run, cfg, finished)) {
                throw new Lopt.UserError("stopped; run ./lopt quickstart again to continue where it stopped");
            }
        } finally {
            finished.countDown();
        }
        return dir.resolve(MetaTrainingRun.LATEST);
    }
}
