package io.lopt.metatrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.lopt.checkpoints.Tensor;
import io.lopt.kernels.Parallel;
import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.metatrain.pes.PesEstimator;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where the PES particles of a meta-training run live and run: in this process ({@link LocalParticles}, the default),
 * or spread over the executors of a cluster (the {@code spark-backend} module). The {@link MetaTrainer} owns θ, the
 * outer optimizer, metrics and checkpoints; a backend owns the particles (every estimator's antithetic pairs) and
 * returns each estimator's {@link PesEstimator.Step}, reduced in pair order so that θ does not depend on where the
 * pairs ran.
 */
public interface ParticleBackend extends AutoCloseable {

    /** Builds the backend of a run. */
    @FunctionalInterface
    interface Factory {
        ParticleBackend create(MetaTrainConfig config, Path dataDir, Parallel parallel);
    }

    /** Particles in this process, with inner problems from {@code problems} (the CPU's, or a device backend's). */
    static Factory local(MetaTrainer.ProblemFactory problems) {
        return (config, dataDir, parallel) -> new LocalParticles(config, dataDir, parallel, problems);
    }

    /** One truncation of every pair of every estimator with meta-parameters θ: each estimator's step, in order. */
    List<PesEstimator.Step> step(float[] theta, long outerStep);

    /** Appends every estimator's pairs to a state checkpoint, as {@link PesEstimator#save} writes them. */
    void save(List<Tensor> tensors, ArrayNode estimators);

    /** Restores the pairs written by {@link #save}. */
    void load(Map<String, Tensor> tensors, JsonNode estimators);

    /** Nanoseconds spent in forward/backward and in optimizer steps since the last call (summed over threads). */
    long[] takeTimings();

    /**
     * Backend-specific seconds of the last step, added to the metrics (the Spark backend: compute on the executors and
     * the overhead around it); empty by default.
     */
    default Map<String, Double> lastStepTimes() {
        return Map.of();
    }

    /** Releases what the backend holds (a cluster connection); the in-process backend holds nothing. */
    @Override
    default void close() {
    }
}
