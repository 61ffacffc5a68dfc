package io.lopt.metatrain.pes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.checkpoints.Tensor;
import io.lopt.kernels.Parallel;
import io.lopt.metatrain.config.MetaTrainConfig.PesSpec;
import io.lopt.util.Rng;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PES on a toy problem whose Gaussian-smoothed objective has a closed-form gradient: a state that moves by θ every
 * step, x_{t+1} = x_t + θ, with loss L_t = ½‖x_t − c‖² at the pre-update state. Since x_t is linear in the (perturbed)
 * θ of every earlier step, smoothing only adds a constant, and the gradient of the mean loss of the truncation
 * covering steps t ∈ [jK, (j+1)K) is mean_t t·(x_0 + tθ − c), which depends on every earlier truncation's θ: only the
 * accumulated perturbations of PES see that.
 */
class PesEstimatorTest {
    static final double[] C = {1.0, -0.5, 2.0};

    static class Toy implements InnerProblem<Integer, double[]> {
        @Override
        public Integer sampleEpisode(Rng rng) {
            return 100_000;
        }

        @Override
        public int horizon(Integer e) {
            return e;
        }

        @Override
        public double lossCap(Integer e) {
            return 1e300; // the closed form needs the raw quadratic loss: a cap it never reaches
        }

        @Override
        public double[] start(Integer e) {
            return new double[C.length + 1]; // x and the step counter
        }

        @Override
        public void unroll(Integer e, double[] m, float[] theta, int n, double[] losses, Parallel par) {
            for (int s = 0; s < n; s++) {
                double l = 0;
                for (int i = 0; i < C.length; i++) {
                    l += 0.5 * (m[i] - C[i]) * (m[i] - C[i]);
                }
                losses[s] = l;
                for (int i = 0; i < C.length; i++) {
                    m[i] += theta[i];
                }
                m[C.length]++;
            }
        }

        @Override
        public ObjectNode saveEpisode(Integer e) {
            return JsonNodeFactory.instance.objectNode();
        }

        @Override
        public Integer loadEpisode(JsonNode json) {
            return 100_000;
        }

        @Override
        public void saveMember(double[] m, String prefix, List<Tensor> tensors, ObjectNode meta) {
        }

        @Override
        public double[] loadMember(Integer e, String prefix, Map<String, Tensor> tensors, JsonNode meta) {
            return null;
        }
    }

    static double[] trueGradient(float[] theta, int j, int k) {
        double[] g = new double[C.length];
        for (int s = 0; s < k; s++) {
            int t = j * k + s;
            for (int i = 0; i < C.length; i++) {
                g[i] += t * (t * theta[i] - C[i]) / k;
            }
        }
        return g;
    }

    @Test
    void pesMatchesTheClosedFormGradientWithinSamplingError() {
        float[] theta = {0.1f, -0.2f, 0.05f};
        int k = 4;
        int estimators = 60;
        int steps = 3;
        PesSpec spec = new PesSpec(40, 0.01, k, k, k);
        double[][][] est = new double[steps][estimators][];
        for (int e = 0; e < estimators; e++) {
            PesEstimator<Integer, double[]> pes = new PesEstimator<>(new Toy(), spec, 0, 1000 + e, theta.length);
            for (int j = 0; j < steps; j++) {
                est[j][e] = pes.step(theta, j, Parallel.serial()).gradient();
            }
        }
        for (int j = 0; j < steps; j++) {
            double[] truth = trueGradient(theta, j, k);
            for (int i = 0; i < theta.length; i++) {
                double mean = 0;
                for (int e = 0; e < estimators; e++) {
                    mean += est[j][e][i] / estimators;
                }
                double var = 0;
                for (int e = 0; e < estimators; e++) {
                    var += Math.pow(est[j][e][i] - mean, 2) / (estimators - 1);
                }
                double se = Math.sqrt(var / estimators);
                assertTrue(Math.abs(mean - truth[i]) <= 4 * se, "truncation " + j + " coordinate " + i + ": estimate "
                        + mean + " ± " + se + " vs closed form " + truth[i]);
                // the test has power: the sampling error is small against the gradient
                double norm = Math.sqrt(truth[0] * truth[0] + truth[1] * truth[1] + truth[2] * truth[2]);
                assertTrue(se < 0.1 * norm, "truncation " + j + ": standard error " + se + " vs |gradient| " + norm);
            }
        }
        // truncation 2 depends on θ through all 12 steps, not only its own 4: a truncated (non-persistent) ES
        // estimate would target Σ_s (s)(x_t − c)/k with s ∈ [0, K), far from the true value
        double[] truth2 = trueGradient(theta, 2, k);
        double[] localOnly = new double[C.length];
        for (int s = 0; s < k; s++) {
            int t = 2 * k + s;
            for (int i = 0; i < C.length; i++) {
                localOnly[i] += s * (t * theta[i] - C[i]) / k;
            }
        }
        assertTrue(Math.abs(truth2[2] - localOnly[2]) > 1.0, "the toy distinguishes PES from truncated ES");
    }

    @Test
    void nonFiniteLossesCountAsTheCapAndResetThePair() {
        InnerProblem<Integer, double[]> exploding = new Toy() {
            @Override
            public double lossCap(Integer e) {
                return 3.0;
            }

            @Override
            public void unroll(Integer e, double[] m, float[] theta, int n, double[] losses, Parallel par) {
                java.util.Arrays.fill(losses, theta[0] > 0 ? Double.NaN : 1.0);
            }
        };
        PesSpec spec = new PesSpec(3, 0.01, 2, 2, 2);
        PesEstimator<Integer, double[]> pes = new PesEstimator<>(exploding, spec, 0, 1, 1);
        PesEstimator.Step s = pes.step(new float[] {0.5f}, 0, Parallel.serial());
        // θ ± ε > 0 for both members: both NaN → both count as the cap; ΔL = 0
        assertEquals(3.0, s.metaLoss());
        assertEquals(6, s.nonFinite());
        assertEquals(0.0, s.gradient()[0]);
        assertEquals(3, pes.step(new float[] {0.5f}, 1, Parallel.serial()).resets(), "diverged pairs restart");
    }

    @Test
    void everyInnerStepIsClippedBeforeAveraging() {
        double cap = 1.5 * Math.log(10);
        // a finite blow-up counts as the cap, a negative loss as 0, a non-finite step as the cap: per step, not per
        // truncation (one bad step out of four moves the mean by a quarter of the cap, not to a constant)
        assertEquals((1.0 + cap + 0.0 + cap) / 4, PesEstimator.truncationLoss(new double[] {1.0, 1e6, -2.0,
            Double.NaN}, cap), 1e-12);
        assertEquals((0.5 + cap) / 2, PesEstimator.truncationLoss(new double[] {0.5, Double.POSITIVE_INFINITY}, cap),
                1e-12);
        assertEquals(0.25, PesEstimator.truncationLoss(new double[] {0.2, 0.3}, cap), 1e-12);
    }

    @Test
    void aFiniteBlowUpIsClippedSoTheGradientStaysBounded() {
        // the + member's loss explodes (finite), the − member's does not: ΔL is at most the cap, so |ĝ| ≤ cap·|A|/(2σ²)
        InnerProblem<Integer, double[]> blowUp = new Toy() {
            @Override
            public double lossCap(Integer e) {
                return 3.0;
            }

            @Override
            public void unroll(Integer e, double[] m, float[] theta, int n, double[] losses, Parallel par) {
                java.util.Arrays.fill(losses, theta[0] > 0.5f ? 1e9 : 1.0);
            }
        };
        PesSpec spec = new PesSpec(1, 0.01, 2, 2, 2);
        PesEstimator<Integer, double[]> pes = new PesEstimator<>(blowUp, spec, 0, 7, 1);
        PesEstimator.Step s = pes.step(new float[] {0.5f}, 0, Parallel.serial());
        assertEquals((3.0 + 1.0) / 2, s.metaLoss(), 1e-12, "the exploding member counts as the cap");
        assertTrue(Math.abs(s.gradient()[0]) <= 2.0 * 0.1 / (2 * 1e-4), "bounded: " + s.gradient()[0]);
    }
}
