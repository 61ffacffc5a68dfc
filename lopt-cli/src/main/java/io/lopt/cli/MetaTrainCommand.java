package io.lopt.cli;

import io.lopt.kernels.Parallel;
import io.lopt.metatrain.MetaTrainer;
import io.lopt.metatrain.MetaTrainingRun;
import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.metatrain.config.Presets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lopt meta-train}: meta-trains a learned optimizer with truncated PES. */
@Command(name = "meta-train", mixinStandardHelpOptions = true,
        description = "Meta-train a learned optimizer with truncated PES; checkpoints and metrics go to the run directory.")
public final class MetaTrainCommand implements Callable<Integer> {

    static final class Target {
        @Option(names = "--out", paramLabel = "DIR", description = "A new run directory.")
        Path out;

        @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR bit-exactly.")
        Path resume;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--config", paramLabel = "C", defaultValue = "quick",
            description = "A preset (quick, quick-sp, quick-mixed, mulo-s, mulo-m, lo-s, lo-m, velo-s, mu-velo-s) or a "
                    + "YAML/JSON file "
                    + "(default ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--outer-steps", description = "Override the number of outer steps (a new run fits its cosine "
            + "schedule to it; with --resume it extends or shortens the run and the schedule stays: steps past it run "
            + "at final_lr).")
    Integer outerSteps;

    @Option(names = "--seed", description = "Override the seed.")
    Long seed;

    @Option(names = "--force", description = "Replace a run that already exists in --out.")
    boolean force;

    @Option(names = "--spark", paramLabel = "MASTER", description = "Run the PES particles on Apache Spark: local[N], "
            + "spark://host:port, yarn, k8s://..., or 'submit' for the master spark-submit set. Same θ as in process "
            + "(docs/spark.md).")
    String spark;

    @Option(names = "--spark-option", paramLabel = "KEY=VALUE", description = "A Spark backend setting: partitions, "
            + "checkpoint-dir (default RUN/spark-checkpoints; shared storage on a real cluster), checkpoint-every "
            + "(default 20), threads-per-task, or any spark.* key. Repeatable.")
    java.util.Map<String, String> sparkOptions = new java.util.LinkedHashMap<>();

    @Mixin
    CommonOptions common = new CommonOptions();

    @Mixin
    DeviceOptions device = new DeviceOptions();

    @Spec
    CommandSpec spec;

    /** The run directory's lock, held until the command ends. */
    private RunLock lock;

    @Override
    public Integer call() {
        try {
            return metaTrain();
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    private Integer metaTrain() {
        Parallel par = common.parallel();
        MetaTrainingRun run;
        if (!sparkOptions.isEmpty() && spark == null) {
            throw new Lopt.UserError("--spark-option needs --spark MASTER");
        }
        if (spark != null && !"cpu".equals(device.device)) {
            throw new Lopt.UserError("--spark runs the particles on the executors' CPUs; it cannot be combined with "
                    + "--device " + device.device);
        }
        Path runDir = target.resume != null ? target.resume : target.out;
        io.lopt.metatrain.ParticleBackend.Factory particles;
        try {
            particles = spark == null ? io.lopt.metatrain.ParticleBackend.local(device.problems())
                    : io.lopt.metatrain.ParticleBackendProvider.find("spark").factory(spark, runDir, sparkOptions);
        } catch (IllegalArgumentException e) {
            throw new Lopt.UserError(e.getMessage());
        }
        if (target.resume != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--config") || seed != null) {
                throw new Lopt.UserError((seed != null ? "--seed" : "--config") + " cannot change a run being resumed "
                        + "(its configuration is " + target.resume.resolve(MetaTrainingRun.CONFIG) + "); start a new run "
                        + "with --out instead");
            }
            lock = RunLock.acquire(target.resume, "meta-train", false);
            run = MetaTrainingRun.resume(target.resume, common.dataDir, par, msg -> System.err.println("lopt: " + msg),
                    particles, outerSteps);
        } else {
            MetaTrainConfig cfg = Presets.load(config);
            if (outerSteps != null) {
                cfg = cfg.withOuterSteps(outerSteps);
            }
            if (seed != null) {
                cfg = cfg.withSeed(seed);
            }
            io.lopt.metatrain.MetaTrainMemory.check(cfg, par.threads()); // before the lock creates the directory
            lock = RunLock.acquire(target.out, "meta-train", true);
            run = MetaTrainingRun.create(target.out, cfg, force, common.dataDir, par, particles);
        }
        MetaTrainConfig cfg = run.trainer().config();
        System.out.printf(Locale.ROOT, "meta-training %s: %d outer steps, %d estimator(s) x %d pairs, K=%d, %s -> %s%n",
                cfg.name(), cfg.outerSteps(), cfg.tasks().size(), cfg.pes().pairs(), cfg.pes().truncation(),
                spark == null ? par.threads() + " threads" : "Spark " + spark, run.dir());
        CountDownLatch finished = new CountDownLatch(1);
        try (run) {
            boolean done = runWithSignals(run, cfg, finished);
            Path lo = run.dir().resolve(MetaTrainingRun.LATEST);
            if (done) {
                System.out.println("done: learned optimizer " + lo);
                return 0;
            }
            System.out.println("stopped at outer step " + run.trainer().stepsDone() + "; state saved. Continue with: "
                    + "./lopt meta-train --resume " + run.dir());
            System.out.flush();
            return 130;
        } finally {
            finished.countDown();
        }
    }

    /** Runs, turning SIGINT / SIGTERM into "write a state checkpoint, then exit cleanly". */
    static boolean runWithSignals(MetaTrainingRun run, MetaTrainConfig cfg, CountDownLatch finished) {
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                finished.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "lopt-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (ProgressBar bar = new ProgressBar("meta-train", cfg.outerSteps())) {
            return run.run(new MetaTrainingRun.Listener() {
                @Override
                public void onStep(MetaTrainer.StepMetrics m, long total) {
                    Double overhead = m.backendSeconds().get("spark_overhead_s");
                    bar.update(m.step() + 1, String.format(Locale.ROOT, "meta-loss %.4f  |g| %.3g  %.0f inner steps/s%s",
                            m.metaLoss(), m.gradNorm(), m.innerStepsPerSecond(), overhead == null ? ""
                                    : String.format(Locale.ROOT, "  Spark overhead %.0f ms", overhead * 1e3)));
                }
            }, stop::get);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }
}
