package io.lopt.metatrain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.checkpoints.AtomicFiles;
import io.lopt.checkpoints.StateCheckpoint;
import io.lopt.kernels.Parallel;
import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.metatrain.config.Presets;
import io.lopt.metatrain.pes.TaskProblem;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A meta-training run in its directory:
 * <pre>
 *   config.json                  the resolved configuration
 *   metrics.jsonl                one JSON line per outer step
 *   lo.safetensors               the latest learned-optimizer checkpoint (the final one when the run is done)
 *   lo-000050.safetensors ...    learned-optimizer checkpoints every checkpoint_every outer steps
 *   state-00000050.safetensors   the newest keep_states meta-training states, for --resume
 * </pre>
 * A new run never reuses a directory that holds another run unless asked to ({@code force}).
 */
public final class MetaTrainingRun implements AutoCloseable {
    public static final String CONFIG = "config.json";
    public static final String METRICS = "metrics.jsonl";
    public static final String LATEST = "lo.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final MetaTrainer trainer;

    /** What a run reports as it goes. */
    public interface Listener {
        default void onStep(MetaTrainer.StepMetrics m, long total) {
        }

        default void onCheckpoint(Path loFile, Path stateFile) {
        }
    }

    private MetaTrainingRun(Path dir, MetaTrainer trainer) {
        this.dir = dir;
        this.trainer = trainer;
    }

    /** Starts a new run in {@code dir}. */
    public static MetaTrainingRun create(Path dir, MetaTrainConfig config, boolean force, Path dataDir, Parallel par) {
        return create(dir, config, force, dataDir, par, TaskProblem::new);
    }

    /** Starts a new run in {@code dir} whose inner problems come from {@code problems} (a device backend). */
    public static MetaTrainingRun create(Path dir, MetaTrainConfig config, boolean force, Path dataDir, Parallel par,
            MetaTrainer.ProblemFactory problems) {
        return create(dir, config, force, dataDir, par, ParticleBackend.local(problems));
    }

    /** Starts a new run in {@code dir} whose particles live where {@code backend} puts them (a cluster). */
    public static MetaTrainingRun create(Path dir, MetaTrainConfig config, boolean force, Path dataDir, Parallel par,
            ParticleBackend.Factory backend) {
        MetaTrainMemory.check(config, par.threads());
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " exists and is not a directory");
        }
        List<Path> ours = runFiles(dir);
        if (!ours.isEmpty()) {
            if (!force) {
                throw new IllegalArgumentException(dir + " already holds a meta-training run (" + ours.get(0).getFileName()
                        + " ...): use --resume " + dir + " to continue it, or --force to replace it");
            }
            for (Path p : ours) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot remove " + p + ": " + e.getMessage(), e);
                }
            }
        }
        MetaTrainer t = new MetaTrainer(config, dataDir, par, backend);
        try {
            Files.createDirectories(dir);
            AtomicFiles.write(dir.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(Presets.toTree(config)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(CONFIG) + ": " + e.getMessage(), e);
        }
        return new MetaTrainingRun(dir, t);
    }

    /** Continues the run in {@code dir} from its newest valid state checkpoint. */
    public static MetaTrainingRun resume(Path dir, Path dataDir, Parallel par, java.util.function.Consumer<String> log) {
        return resume(dir, dataDir, par, log, TaskProblem::new);
    }

    /** Continues a run with inner problems from {@code problems}; the state is the same whatever the backend. */
    public static MetaTrainingRun resume(Path dir, Path dataDir, Parallel par, java.util.function.Consumer<String> log,
            MetaTrainer.ProblemFactory problems) {
        return resume(dir, dataDir, par, log, problems, null);
    }

    /**
     * Continues a run, changing its number of outer steps to {@code outerSteps} unless that is null: a finished run
     * can be extended. The outer schedule stays the one of the run's configuration ({@code cosine_steps} unchanged),
     * so the state resumes bit-exactly and the added steps run at the schedule's {@code final_lr} once its cosine is
     * over; {@code config.json} records the new number. Fewer steps than the run has done are refused.
     */
    public static MetaTrainingRun resume(Path dir, Path dataDir, Parallel par, java.util.function.Consumer<String> log,
            MetaTrainer.ProblemFactory problems, Integer outerSteps) {
        return resume(dir, dataDir, par, log, ParticleBackend.local(problems), outerSteps);
    }

    /** {@link #resume(Path, Path, Parallel, java.util.function.Consumer, MetaTrainer.ProblemFactory, Integer)} with
     * the particles where {@code backend} puts them: a state resumes on any backend. */
    public static MetaTrainingRun resume(Path dir, Path dataDir, Parallel par, java.util.function.Consumer<String> log,
            ParticleBackend.Factory backend, Integer outerSteps) {
        Path cfgFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(cfgFile)) {
            throw new IllegalArgumentException(dir + " is not a meta-training run directory (no " + CONFIG + ")");
        }
        MetaTrainConfig config = Presets.load(cfgFile.toString());
        if (outerSteps != null) {
            config = config.withOuterStepsSameSchedule(outerSteps);
        }
        MetaTrainMemory.check(config, par.threads());
        MetaTrainer t = new MetaTrainer(config, dataDir, par, backend);
        StateCheckpoint s = StateCheckpoint.latest(dir, e -> log.accept("skipping damaged state: " + e.getMessage()));
        if (s == null) {
            log.accept("no state checkpoint in " + dir + ": starting from outer step 0");
        } else {
            t.restore(s);
            if (outerSteps != null && t.stepsDone() > outerSteps) {
                throw new IllegalArgumentException("cannot set " + dir + " to " + outerSteps + " outer steps: it has done "
                        + t.stepsDone() + " already");
            }
            log.accept("resuming " + dir + " at outer step " + t.stepsDone());
        }
        if (outerSteps != null) {
            MetaTrainConfig.OuterSpec o = config.outer();
            if (outerSteps > o.warmup() + o.cosineSteps()) {
                log.accept("outer_steps set to " + outerSteps + "; the outer learning-rate schedule is unchanged, so the "
                        + "steps after " + (o.warmup() + o.cosineSteps()) + " (warmup + cosine_steps) run at final_lr "
                        + o.finalLr());
            }
            try {
                AtomicFiles.write(cfgFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(Presets.toTree(config)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + cfgFile + ": " + e.getMessage(), e);
            }
        }
        truncateMetrics(dir.resolve(METRICS), t.stepsDone());
        return new MetaTrainingRun(dir, t);
    }

    private static List<Path> runFiles(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.equals(CONFIG) || n.equals(METRICS) || n.matches("lo(-\\d+)?\\.safetensors")
                        || n.matches("state-\\d+\\.safetensors")) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        out.sort(null);
        return out;
    }

    /** Drops metric lines of steps at or after {@code step} (written after the state we resume from). */
    private static void truncateMetrics(Path file, long step) {
        if (!Files.exists(file)) {
            return;
        }
        try {
            List<String> keep = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    if (JSON.readTree(line).path("step").asLong(Long.MAX_VALUE) < step) {
                        keep.add(line);
                    }
                } catch (IOException ignored) {
                    // a torn last line from a crash: drop it
                }
            }
            AtomicFiles.write(file, (keep.isEmpty() ? "" : String.join("\n", keep) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + file + ": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    public MetaTrainer trainer() {
        return trainer;
    }

    /**
     * Runs outer steps until the configured number is reached or {@code stop} turns true; writes checkpoints every
     * {@code checkpoint_every} steps, at the end, and when stopped.
     *
     * @return true when the run is complete
     */
    public boolean run(Listener listener, BooleanSupplier stop) {
        MetaTrainConfig cfg = trainer.config();
        Path metrics = dir.resolve(METRICS);
        try (BufferedWriter w = Files.newBufferedWriter(metrics, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            while (!trainer.done()) {
                if (stop.getAsBoolean()) {
                    checkpoint(listener);
                    return false;
                }
                MetaTrainer.StepMetrics m = trainer.step();
                w.write(JSON.writeValueAsString(toJson(m)));
                w.newLine();
                w.flush();
                listener.onStep(m, cfg.outerSteps());
                if (trainer.stepsDone() % cfg.checkpointEvery() == 0 || trainer.done()) {
                    checkpoint(listener);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + metrics + ": " + e.getMessage(), e);
        }
        return true;
    }

    /** Writes the learned-optimizer checkpoints and a state checkpoint for the current step. */
    public void checkpoint(Listener listener) {
        long s = trainer.stepsDone();
        var lo = trainer.checkpoint("meta-train " + dir.toAbsolutePath().normalize() + " (outer step " + s + ")");
        Path numbered = dir.resolve(String.format("lo-%06d.safetensors", s));
        lo.write(numbered);
        lo.write(dir.resolve(LATEST));
        Path state = trainer.state().save(dir, trainer.config().keepStates());
        listener.onCheckpoint(numbered, state);
    }

    static ObjectNode toJson(MetaTrainer.StepMetrics m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", m.step());
        o.put("meta_loss", m.metaLoss());
        o.put("meta_grad_norm", m.gradNorm());
        o.put("update_norm", m.updateNorm());
        o.put("lr", m.lr());
        o.put("inner_steps", m.innerSteps());
        o.put("inner_steps_per_s", m.innerStepsPerSecond());
        o.put("seconds", m.seconds());
        o.put("fwd_bwd_s", m.fwdBwdSeconds());
        o.put("optimizer_s", m.optimizerSeconds());
        o.put("resets", m.resets());
        o.put("non_finite", m.nonFinite());
        m.backendSeconds().forEach(o::put);
        return o;
    }

    /** Releases the trainer's particle backend. */
    @Override
    public void close() {
        trainer.close();
    }
}
