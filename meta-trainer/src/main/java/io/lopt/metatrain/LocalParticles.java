package io.lopt.metatrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.lopt.checkpoints.Tensor;
import io.lopt.kernels.Parallel;
import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.metatrain.pes.PesEstimator;
import io.lopt.metatrain.pes.TaskProblem;
import io.lopt.optim.LearnedOptimizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The particles of every estimator in this process, run on the threads of {@code parallel}. */
public final class LocalParticles implements ParticleBackend {
    private final Parallel parallel;
    private final List<PesEstimator<TaskProblem.Episode, TaskProblem.Member>> estimators = new ArrayList<>();
    private final List<TaskProblem> problems = new ArrayList<>();

    public LocalParticles(MetaTrainConfig config, Path dataDir, Parallel parallel, MetaTrainer.ProblemFactory factory) {
        this.parallel = parallel;
        LearnedOptimizer learned = config.optimizer().learnedOptimizer();
        io.lopt.optimizees.tasks.TaskData data = new io.lopt.optimizees.tasks.TaskData(dataDir); // one per run
        for (int i = 0; i < config.tasks().size(); i++) {
            TaskProblem p = factory.create(config.tasks().get(i).distribution(), learned, config.pes(), data);
            problems.add(p);
            estimators.add(new PesEstimator<>(p, config.pes(), i, config.seed(), learned.thetaSize()));
        }
    }

    @Override
    public List<PesEstimator.Step> step(float[] theta, long outerStep) {
        List<PesEstimator.Step> out = new ArrayList<>();
        for (PesEstimator<TaskProblem.Episode, TaskProblem.Member> e : estimators) {
            out.add(e.step(theta, outerStep, parallel));
        }
        return out;
    }

    @Override
    public void save(List<Tensor> tensors, ArrayNode ests) {
        for (int i = 0; i < estimators.size(); i++) {
            estimators.get(i).save(PesEstimator.statePrefix(i), tensors, ests.addObject());
        }
    }

    @Override
    public void load(Map<String, Tensor> tensors, JsonNode ests) {
        for (int i = 0; i < estimators.size(); i++) {
            estimators.get(i).load(PesEstimator.statePrefix(i), tensors, ests.get(i));
        }
    }

    @Override
    public long[] takeTimings() {
        long[] t = new long[2];
        for (TaskProblem p : problems) {
            long[] q = p.takeTimings();
            t[0] += q[0];
            t[1] += q[1];
        }
        return t;
    }
}
