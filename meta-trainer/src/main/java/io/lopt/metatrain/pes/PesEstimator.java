package io.lopt.metatrain.pes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.checkpoints.CheckpointException;
import io.lopt.checkpoints.Tensor;
import io.lopt.kernels.Parallel;
import io.lopt.metatrain.config.MetaTrainConfig.PesSpec;
import io.lopt.util.Rng;
import java.util.List;
import java.util.Map;

/**
 * Truncated Persistent Evolution Strategies (Vicol et al. 2021), SPEC §4, with antithetic pairs.
 *
 * <p>Each of N pairs follows one inner trajectory (episode) with two members, run with θ + ε and θ − ε for a
 * truncation of K steps per outer step and continued at the next outer step. Per outer step and pair a fresh
 * ε ~ N(0, σ²I) is drawn and added to the pair's accumulator A (the sum of all its perturbations since the trajectory
 * began). With ΔL the difference of the members' mean truncation losses,
 * <pre>  ĝ = (1/N) Σ_i ΔL_i · A_i / (2σ²)</pre>
 * is an unbiased estimate of the gradient of the Gaussian-smoothed loss through the whole trajectory so far.
 * Trajectories last a log-uniform horizon; at its end (or when a member's loss turns non-finite) the pair starts a
 * new episode and A is reset. At the very first start each pair's position is offset by a random number of steps in
 * [0, K), so that trajectories do not restart in lockstep.
 *
 * <p>The meta-loss of a truncation is the mean of its <em>normalised</em> inner-step losses, as the reference image-MLP
 * tasks do (learned_optimization {@code tasks/fixed/image_mlp.py}, {@code normalizer}; see docs/meta-training.md):
 * each step's loss is clipped to [0, cap] with cap = {@link InnerProblem#lossCap} (1.5·ln(classes)) and a non-finite
 * loss counts as the cap. A member whose loss turned non-finite still ends its pair's trajectory (the pair starts a
 * new episode). Non-finite gradient entries become 0.
 *
 * <p>All randomness is drawn from streams named by (seed, estimator, pair, outer step), and the gradient is summed
 * in pair order, so the estimate does not depend on the thread count.
 */
public final class PesEstimator<E, M> {
    private static final long RESET = Rng.hash("pes/reset");
    private static final long EPS = Rng.hash("pes/eps");

    private final InnerProblem<E, M> problem;
    private final PesSpec spec;
    private final int index;
    private final long seed;
    private final int thetaSize;
    private final Pair<E, M>[] pairs;

    /** One antithetic pair's persistent state. */
    static final class Pair<E, M> {
        E episode;
        M plus;
        M minus;
        int position;
        int horizon;
        float[] acc;
        boolean needsReset = true;
        long resets;
    }

    /** The result of one outer step of this estimator. */
    public record Step(double[] gradient, double metaLoss, long innerSteps, int resets, int nonFinite) {
    }

    @SuppressWarnings("unchecked")
    public PesEstimator(InnerProblem<E, M> problem, PesSpec spec, int index, long seed, int thetaSize) {
        this.problem = problem;
        this.spec = spec;
        this.index = index;
        this.seed = seed;
        this.thetaSize = thetaSize;
        this.pairs = new Pair[spec.pairs()];
        for (int i = 0; i < pairs.length; i++) {
            pairs[i] = new Pair<>();
        }
    }

    public InnerProblem<E, M> problem() {
        return problem;
    }

    /** Runs one truncation of every particle with perturbations of θ and returns the PES gradient estimate. */
    public Step step(float[] theta, long outerStep, Parallel par) {
        if (theta.length != thetaSize) {
            throw new IllegalArgumentException("θ has " + theta.length + " values, expected " + thetaSize);
        }
        int n = pairs.length;
        int k = spec.truncation();
        float[][] eps = new float[n][];
        int[] steps = new int[n];
        int resets = 0;
        for (int i = 0; i < n; i++) {
            Pair<E, M> p = pairs[i];
            if (p.needsReset) {
                Rng r = Rng.derive(seed, RESET, index, i, outerStep);
                p.episode = problem.sampleEpisode(r);
                p.horizon = problem.horizon(p.episode);
                p.plus = problem.start(p.episode);
                p.minus = problem.start(p.episode);
                p.position = p.resets == 0 ? r.nextInt(k) : 0;
                p.acc = new float[thetaSize];
                p.needsReset = false;
                p.resets++;
                resets++;
            }
            Rng r = Rng.derive(seed, EPS, index, i, outerStep);
            float[] e = new float[thetaSize];
            for (int j = 0; j < thetaSize; j++) {
                e[j] = (float) (spec.sigma() * r.nextGaussian());
                p.acc[j] += e[j];
            }
            eps[i] = e;
            steps[i] = Math.min(k, p.horizon - p.position);
        }
        double[][] losses = new double[2 * n][];
        java.util.List<E> episodes = new java.util.ArrayList<>(2 * n);
        java.util.List<M> members = new java.util.ArrayList<>(2 * n);
        java.util.List<float[]> thetas = new java.util.ArrayList<>(2 * n);
        int[] counts = new int[2 * n];
        for (int j = 0; j < 2 * n; j++) {
            Pair<E, M> p = pairs[j / 2];
            float[] e = eps[j / 2];
            float[] th = new float[thetaSize];
            boolean plus = j % 2 == 0;
            for (int q = 0; q < thetaSize; q++) {
                th[q] = plus ? theta[q] + e[q] : theta[q] - e[q];
            }
            episodes.add(p.episode);
            members.add(plus ? p.plus : p.minus);
            thetas.add(th);
            counts[j] = steps[j / 2];
            losses[j] = new double[steps[j / 2]];
        }
        problem.unrollAll(episodes, members, thetas, counts, losses, par);
        double[] grad = new double[thetaSize];
        double lossSum = 0;
        long inner = 0;
        int nonFinite = 0;
        double scale = 1.0 / (2 * spec.sigma() * spec.sigma());
        for (int i = 0; i < n; i++) {
            Pair<E, M> p = pairs[i];
            double cap = problem.lossCap(p.episode);
            boolean badPlus = !allFinite(losses[2 * i]);
            boolean badMinus = !allFinite(losses[2 * i + 1]);
            boolean bad = badPlus || badMinus;
            nonFinite += (badPlus ? 1 : 0) + (badMinus ? 1 : 0);
            double lp = truncationLoss(losses[2 * i], cap);
            double lm = truncationLoss(losses[2 * i + 1], cap);
            lossSum += lp + lm;
            inner += 2L * steps[i];
            double c = (lp - lm) * scale;
            float[] a = p.acc;
            for (int j = 0; j < thetaSize; j++) {
                grad[j] += c * a[j];
            }
            p.position += steps[i];
            if (p.position >= p.horizon || bad) {
                p.needsReset = true;
            }
        }
        for (int j = 0; j < thetaSize; j++) {
            grad[j] /= n;
            if (!Double.isFinite(grad[j])) {
                grad[j] = 0;
            }
        }
        return new Step(grad, lossSum / (2 * n), inner, resets, nonFinite);
    }

    /**
     * Mean of the truncation's normalised losses: each clipped to [0, cap], a non-finite one (NaN, ±Inf) counted as
     * the cap. An empty truncation counts as the cap.
     */
    static double truncationLoss(double[] l, double cap) {
        if (l.length == 0) {
            return cap;
        }
        double s = 0;
        for (double v : l) {
            s += normalise(v, cap);
        }
        return s / l.length;
    }

    /** One inner-step loss normalised: clip to [0, cap], non-finite → cap. */
    static double normalise(double loss, double cap) {
        if (!Double.isFinite(loss)) {
            return cap;
        }
        return Math.min(cap, Math.max(0, loss));
    }

    private static boolean allFinite(double[] l) {
        for (double v : l) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return l.length > 0;
    }

    /** Writes every pair's state under {@code prefix}. */
    public void save(String prefix, List<Tensor> tensors, ObjectNode meta) {
        ArrayNode arr = meta.putArray("pairs");
        for (int i = 0; i < pairs.length; i++) {
            Pair<E, M> p = pairs[i];
            ObjectNode o = arr.addObject();
            o.put("needs_reset", p.needsReset);
            o.put("resets", p.resets);
            if (p.episode == null) {
                continue;
            }
            String pp = prefix + "/pair" + i;
            o.put("position", p.position);
            o.put("horizon", p.horizon);
            o.set("episode", problem.saveEpisode(p.episode));
            tensors.add(Tensor.f32(pp + "/acc", new int[] {thetaSize}, p.acc));
            problem.saveMember(p.plus, pp + "/plus", tensors, o.putObject("plus"));
            problem.saveMember(p.minus, pp + "/minus", tensors, o.putObject("minus"));
        }
    }

    /** Restores the pairs written by {@link #save}. */
    public void load(String prefix, Map<String, Tensor> tensors, JsonNode meta) {
        JsonNode arr = meta.get("pairs");
        if (arr == null || !arr.isArray() || arr.size() != pairs.length) {
            throw new CheckpointException(CheckpointException.Kind.MISMATCH, null, "state has "
                    + (arr == null ? "no" : arr.size()) + " PES pairs for estimator " + index + ", the configuration has "
                    + pairs.length);
        }
        for (int i = 0; i < pairs.length; i++) {
            JsonNode o = arr.get(i);
            Pair<E, M> p = new Pair<>();
            p.needsReset = o.get("needs_reset").asBoolean();
            p.resets = o.get("resets").asLong();
            if (o.has("episode")) {
                String pp = prefix + "/pair" + i;
                p.position = o.get("position").asInt();
                p.horizon = o.get("horizon").asInt();
                p.episode = problem.loadEpisode(o.get("episode"));
                Tensor acc = tensors.get(pp + "/acc");
                if (acc == null) {
                    throw new CheckpointException(CheckpointException.Kind.MISMATCH, null, "state lacks " + pp + "/acc");
                }
                p.acc = acc.floats();
                p.plus = problem.loadMember(p.episode, pp + "/plus", tensors, o.get("plus"));
                p.minus = problem.loadMember(p.episode, pp + "/minus", tensors, o.get("minus"));
            }
            pairs[i] = p;
        }
    }
}
