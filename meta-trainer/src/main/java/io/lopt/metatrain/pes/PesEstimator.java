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
 * Truncated Persistent Evolution Strategies (Vicol et al. 2021), docs/spec.md §4, with antithetic pairs.
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

    /**
     * What one pair's truncation produced: its term of the gradient sum, {@code contribution[j] = (L+ − L−) / (2σ²) ·
     * A[j]}, its two normalised truncation losses, and counts. Outcomes are reduced in pair order by
     * {@link #reduce}, wherever the pairs ran (threads of one process, or the executors of a cluster).
     */
    public record PairOutcome(double[] contribution, double lossPlus, double lossMinus, long innerSteps, boolean reset,
            int nonFinite) implements java.io.Serializable {
    }

    /** A pair's truncation between its start ({@link #begin}) and its end ({@link #finish}). */
    private record Truncation(float[] plus, float[] minus, int steps, boolean reset) {
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

    /** The number of antithetic pairs. */
    public int pairCount() {
        return pairs.length;
    }

    /** Runs one truncation of every particle with perturbations of θ and returns the PES gradient estimate. */
    public Step step(float[] theta, long outerStep, Parallel par) {
        checkTheta(theta);
        int n = pairs.length;
        Truncation[] tr = new Truncation[n];
        double[][] losses = new double[2 * n][];
        java.util.List<E> episodes = new java.util.ArrayList<>(2 * n);
        java.util.List<M> members = new java.util.ArrayList<>(2 * n);
        java.util.List<float[]> thetas = new java.util.ArrayList<>(2 * n);
        int[] counts = new int[2 * n];
        for (int i = 0; i < n; i++) {
            tr[i] = begin(i, theta, outerStep);
            Pair<E, M> p = pairs[i];
            episodes.add(p.episode);
            episodes.add(p.episode);
            members.add(p.plus);
            members.add(p.minus);
            thetas.add(tr[i].plus);
            thetas.add(tr[i].minus);
            counts[2 * i] = counts[2 * i + 1] = tr[i].steps;
            losses[2 * i] = new double[tr[i].steps];
            losses[2 * i + 1] = new double[tr[i].steps];
        }
        problem.unrollAll(episodes, members, thetas, counts, losses, par);
        java.util.List<PairOutcome> out = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(finish(i, tr[i], losses[2 * i], losses[2 * i + 1]));
        }
        return reduce(out, thetaSize);
    }

    /**
     * Runs one truncation of pair {@code i} alone: what {@link #step} does for every pair, for a backend that spreads
     * the pairs over machines. The pair's outcome is the same as inside {@link #step}: every random number comes from
     * (seed, estimator, pair, outer step) and the members' unrolls are independent of each other.
     */
    public PairOutcome advancePair(int i, float[] theta, long outerStep, Parallel par) {
        checkTheta(theta);
        Truncation t = begin(i, theta, outerStep);
        Pair<E, M> p = pairs[i];
        double[][] losses = {new double[t.steps], new double[t.steps]};
        problem.unrollAll(List.of(p.episode, p.episode), List.of(p.plus, p.minus), List.of(t.plus, t.minus),
                new int[] {t.steps, t.steps}, losses, par);
        return finish(i, t, losses[0], losses[1]);
    }

    private void checkTheta(float[] theta) {
        if (theta.length != thetaSize) {
            throw new IllegalArgumentException("θ has " + theta.length + " values, expected " + thetaSize);
        }
    }

    /** Starts pair i's truncation: a new episode if it needs one, this step's ε added to A, the members' θ ± ε. */
    private Truncation begin(int i, float[] theta, long outerStep) {
        int k = spec.truncation();
        Pair<E, M> p = pairs[i];
        boolean reset = false;
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
            reset = true;
        }
        Rng r = Rng.derive(seed, EPS, index, i, outerStep);
        float[] plus = new float[thetaSize];
        float[] minus = new float[thetaSize];
        for (int j = 0; j < thetaSize; j++) {
            float e = (float) (spec.sigma() * r.nextGaussian());
            p.acc[j] += e;
            plus[j] = theta[j] + e;
            minus[j] = theta[j] - e;
        }
        return new Truncation(plus, minus, Math.min(k, p.horizon - p.position), reset);
    }

    /** Ends pair i's truncation: its outcome, its new position, and whether it starts a new episode next time. */
    private PairOutcome finish(int i, Truncation t, double[] lossPlus, double[] lossMinus) {
        Pair<E, M> p = pairs[i];
        double cap = problem.lossCap(p.episode);
        boolean badPlus = !allFinite(lossPlus);
        boolean badMinus = !allFinite(lossMinus);
        double lp = truncationLoss(lossPlus, cap);
        double lm = truncationLoss(lossMinus, cap);
        double c = (lp - lm) * (1.0 / (2 * spec.sigma() * spec.sigma()));
        double[] contribution = new double[thetaSize];
        float[] a = p.acc;
        for (int j = 0; j < thetaSize; j++) {
            contribution[j] = c * a[j];
        }
        p.position += t.steps;
        if (p.position >= p.horizon || badPlus || badMinus) {
            p.needsReset = true;
        }
        return new PairOutcome(contribution, lp, lm, 2L * t.steps, t.reset, (badPlus ? 1 : 0) + (badMinus ? 1 : 0));
    }

    /**
     * The estimator's step from its pairs' outcomes, in pair order: ĝ = (1/N) Σ_i contribution_i (non-finite entries
     * → 0) and the mean truncation loss. Summing in pair order makes the result independent of where the pairs ran.
     */
    public static Step reduce(List<PairOutcome> outcomes, int thetaSize) {
        int n = outcomes.size();
        double[] grad = new double[thetaSize];
        double lossSum = 0;
        long inner = 0;
        int resets = 0;
        int nonFinite = 0;
        for (PairOutcome o : outcomes) {
            lossSum += o.lossPlus() + o.lossMinus();
            inner += o.innerSteps();
            resets += o.reset() ? 1 : 0;
            nonFinite += o.nonFinite();
            double[] c = o.contribution();
            for (int j = 0; j < thetaSize; j++) {
                grad[j] += c[j];
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

    /**
     * The prefix of estimator {@code index}'s tensors in a meta-training state checkpoint ({@code est<index>}); every
     * backend writes and reads its pairs under it, so a state resumes on any backend.
     */
    public static String statePrefix(int index) {
        return "est" + index;
    }

    /** The names of pair {@code i}'s tensors under an estimator's {@code prefix}: {@code prefix/pair<i>}. */
    public static String pairPrefix(String prefix, int i) {
        return prefix + "/pair" + i;
    }

    /** Writes every pair's state under {@code prefix}. */
    public void save(String prefix, List<Tensor> tensors, ObjectNode meta) {
        ArrayNode arr = meta.putArray("pairs");
        for (int i = 0; i < pairs.length; i++) {
            savePair(i, prefix, tensors, arr.addObject());
        }
    }

    /** Writes pair i's state: tensors named {@code prefix/pair<i>/...}, scalars into {@code o}. */
    public void savePair(int i, String prefix, List<Tensor> tensors, ObjectNode o) {
        Pair<E, M> p = pairs[i];
        o.put("needs_reset", p.needsReset);
        o.put("resets", p.resets);
        if (p.episode == null) {
            return;
        }
        String pp = pairPrefix(prefix, i);
        o.put("position", p.position);
        o.put("horizon", p.horizon);
        o.set("episode", problem.saveEpisode(p.episode));
        tensors.add(Tensor.f32(pp + "/acc", new int[] {thetaSize}, p.acc));
        problem.saveMember(p.plus, pp + "/plus", tensors, o.putObject("plus"));
        problem.saveMember(p.minus, pp + "/minus", tensors, o.putObject("minus"));
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
            loadPair(i, prefix, tensors, arr.get(i));
        }
    }

    /** Restores pair i as written by {@link #savePair}. */
    public void loadPair(int i, String prefix, Map<String, Tensor> tensors, JsonNode o) {
        Pair<E, M> p = new Pair<>();
        p.needsReset = o.get("needs_reset").asBoolean();
        p.resets = o.get("resets").asLong();
        if (o.has("episode")) {
            String pp = pairPrefix(prefix, i);
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
