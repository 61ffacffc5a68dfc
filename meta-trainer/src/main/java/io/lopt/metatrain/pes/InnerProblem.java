package io.lopt.metatrain.pes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.checkpoints.Tensor;
import io.lopt.kernels.Parallel;
import io.lopt.util.Rng;
import java.util.List;
import java.util.Map;

/**
 * The inner problem that {@link PesEstimator} unrolls. An <em>episode</em> is what the two members of an antithetic
 * pair share (task, initialisation, data order, horizon); a <em>member</em> is one particle's evolving state
 * (optimizee parameters, optimizer state, position in its data stream).
 *
 * @param <E> episode
 * @param <M> member state
 */
public interface InnerProblem<E, M> {

    /** A fresh episode drawn from {@code rng}. */
    E sampleEpisode(Rng rng);

    /** The number of inner steps of the episode's trajectory. */
    int horizon(E episode);

    /**
     * The cap of the per-step meta-loss normalisation: every inner-step loss is clipped to [0, cap] and a non-finite
     * one counts as the cap. For classification, 1.5·ln(classes) (learned_optimization's image-MLP normaliser).
     */
    double lossCap(E episode);

    /** A member at the start of the episode. */
    M start(E episode);

    /**
     * Runs {@code n} inner steps of {@code member} with meta-parameters θ, writing the training loss of each step at
     * its pre-update parameters into {@code losses[0..n)}. A non-finite loss ends the unroll early; the remaining
     * entries are NaN.
     */
    void unroll(E episode, M member, float[] theta, int n, double[] losses, Parallel par);

    /**
     * Runs {@code steps[j]} inner steps of every member j with its θ: all the particles of one outer step. The
     * default runs them one by one, in parallel over the cores; a backend may batch them (on a GPU).
     */
    default void unrollAll(List<E> episodes, List<M> members, List<float[]> thetas, int[] steps, double[][] losses,
            Parallel par) {
        par.forEach(members.size(), j -> unroll(episodes.get(j), members.get(j), thetas.get(j), steps[j], losses[j], par));
    }

    /** The episode as JSON, for state checkpoints. */
    ObjectNode saveEpisode(E episode);

    E loadEpisode(JsonNode json);

    /** Appends the member's state as tensors named {@code prefix/...} and scalars into {@code meta}. */
    void saveMember(M member, String prefix, List<Tensor> tensors, ObjectNode meta);

    M loadMember(E episode, String prefix, Map<String, Tensor> tensors, JsonNode meta);
}
