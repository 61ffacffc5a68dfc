package io.lopt.metatrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.checkpoints.CheckpointException;
import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import io.lopt.checkpoints.LearnedOptimizerKinds;
import io.lopt.checkpoints.Provenance;
import io.lopt.checkpoints.StateCheckpoint;
import io.lopt.checkpoints.Tensor;
import io.lopt.kernels.Parallel;
import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.metatrain.config.Presets;
import io.lopt.metatrain.outer.OuterAdamW;
import io.lopt.metatrain.outer.WarmupCosineSchedule;
import io.lopt.metatrain.pes.PesEstimator;
import io.lopt.metatrain.pes.TaskProblem;
import io.lopt.optim.LearnedOptimizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Meta-training of a learned optimizer (docs/spec.md §4): per outer step, every PES estimator (one per task family) runs a
 * truncation of its particles with perturbed θ, their gradient estimates are averaged with equal weight, and the
 * outer AdamW updates θ under a warmup + cosine schedule. The whole state (θ, outer moments, every particle) can be
 * saved and restored so that a resumed run continues bit-exactly.
 */
public final class MetaTrainer implements AutoCloseable {
    private final MetaTrainConfig config;
    private final LearnedOptimizer learned;
    private final float[] theta;
    private final OuterAdamW outer;
    private final WarmupCosineSchedule schedule;
    private final ParticleBackend particles;
    private long step;

    /**
     * The metrics of one outer step.
     *
     * @param backendSeconds backend-specific times of the step ({@link ParticleBackend#lastStepTimes}); may be empty
     */
    public record StepMetrics(long step, double metaLoss, double gradNorm, double updateNorm, double lr,
            long innerSteps, double seconds, double fwdBwdSeconds, double optimizerSeconds, int resets, int nonFinite,
            Map<String, Double> backendSeconds) {
        public double innerStepsPerSecond() {
            return innerSteps / Math.max(1e-9, seconds);
        }
    }

    /** How the inner problem of one task family is built: on the CPU by default, or by a device backend. */
    @FunctionalInterface
    public interface ProblemFactory {
        /** @param data the run's datasets, shared by every problem of the run (each dataset is read once) */
        TaskProblem create(io.lopt.optimizees.tasks.TaskDistribution distribution, LearnedOptimizer optimizer,
                MetaTrainConfig.PesSpec pes, io.lopt.optimizees.tasks.TaskData data);
    }

    public MetaTrainer(MetaTrainConfig config, Path dataDir, Parallel parallel) {
        this(config, dataDir, parallel, TaskProblem::new);
    }

    public MetaTrainer(MetaTrainConfig config, Path dataDir, Parallel parallel, ProblemFactory factory) {
        this(config, dataDir, parallel, ParticleBackend.local(factory));
    }

    /** A trainer whose particles live where {@code backend} puts them (in process, or on a cluster). */
    public MetaTrainer(MetaTrainConfig config, Path dataDir, Parallel parallel, ParticleBackend.Factory backend) {
        this.config = config;
        this.learned = config.optimizer().learnedOptimizer();
        this.theta = learned.initialTheta(config.seed());
        MetaTrainConfig.OuterSpec o = config.outer();
        this.outer = new OuterAdamW(theta.length, o.beta1(), o.beta2(), o.eps(), o.weightDecay(), o.clipNorm());
        this.schedule = new WarmupCosineSchedule(o.lr(), o.finalLr(), o.warmup(), o.cosineSteps());
        this.particles = backend.create(config, dataDir, parallel);
    }

    public MetaTrainConfig config() {
        return config;
    }

    /** Outer steps done. */
    public long stepsDone() {
        return step;
    }

    public boolean done() {
        return step >= config.outerSteps();
    }

    /** A copy of θ. */
    public float[] theta() {
        return theta.clone();
    }

    /** Runs one outer step. */
    public StepMetrics step() {
        long t0 = System.nanoTime();
        double[] grad = new double[theta.length];
        double loss = 0;
        long inner = 0;
        int resets = 0;
        int nonFinite = 0;
        List<PesEstimator.Step> steps = particles.step(theta, step);
        for (PesEstimator.Step s : steps) {
            for (int j = 0; j < grad.length; j++) {
                grad[j] += s.gradient()[j] / steps.size();
            }
            loss += s.metaLoss() / steps.size();
            inner += s.innerSteps();
            resets += s.resets();
            nonFinite += s.nonFinite();
        }
        double gn = 0;
        for (double g : grad) {
            gn += g * g;
        }
        double lr = schedule.at(step);
        double un = outer.update(theta, grad, lr);
        step++;
        long[] t = particles.takeTimings();
        return new StepMetrics(step - 1, loss, Math.sqrt(gn), un, lr, inner, (System.nanoTime() - t0) / 1e9,
                t[0] / 1e9, t[1] / 1e9, resets, nonFinite, particles.lastStepTimes());
    }

    /** The current learned optimizer as a checkpoint, with provenance. */
    public LearnedOptimizerCheckpoint checkpoint(String source) {
        ObjectNode dist = JsonNodeFactory.instance.objectNode();
        dist.set("tasks", Presets.toTree(config).get("tasks"));
        Provenance prov = new Provenance(Provenance.currentVersion(), Provenance.now(), Presets.toTree(config), step,
                dist.get("tasks"), source);
        return LearnedOptimizerKinds.of(learned, theta, prov);
    }

    /** Everything needed to resume: θ, the outer optimizer, and every particle. */
    public StateCheckpoint state() {
        List<Tensor> tensors = new ArrayList<>();
        ObjectNode meta = JsonNodeFactory.instance.objectNode();
        meta.set("config", Presets.toTree(config));
        meta.put("outer_step", step);
        meta.put("outer_adam_step", outer.step());
        tensors.add(Tensor.f32("theta", new int[] {theta.length}, theta));
        tensors.add(Tensor.f64("outer/m", outer.firstMoment()));
        tensors.add(Tensor.f64("outer/v", outer.secondMoment()));
        particles.save(tensors, meta.putArray("estimators"));
        return new StateCheckpoint(step, meta, tensors);
    }

    /**
     * Restores a state written by {@link #state()} for the same configuration; only the number of outer steps may
     * differ (a run extended or shortened on resume).
     */
    public void restore(StateCheckpoint s) {
        JsonNode meta = s.meta();
        JsonNode cfg = meta.get("config");
        if (cfg == null
                || !Presets.fromTree(cfg, "state").withOuterStepsSameSchedule(config.outerSteps()).equals(config)) {
            throw new CheckpointException(CheckpointException.Kind.MISMATCH, null,
                    "the state was written by a run with another configuration");
        }
        Map<String, Tensor> t = s.tensorMap();
        float[] th = t.get("theta").floats();
        if (th.length != theta.length) {
            throw new CheckpointException(CheckpointException.Kind.MISMATCH, null, "state θ has " + th.length
                    + " values, expected " + theta.length);
        }
        System.arraycopy(th, 0, theta, 0, th.length);
        outer.restore(t.get("outer/m").doubles(), t.get("outer/v").doubles(), meta.get("outer_adam_step").asLong());
        particles.load(t, meta.get("estimators"));
        step = meta.get("outer_step").asLong();
    }

    /** Releases the particle backend (a cluster connection, for a distributed one). */
    @Override
    public void close() {
        particles.close();
    }
}
