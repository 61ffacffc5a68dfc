package io.lopt.optim.velo;

import static io.lopt.optim.FusedVsReference.copy;
import static io.lopt.optim.FusedVsReference.randomGrads;
import static io.lopt.optim.FusedVsReference.randomParams;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.kernels.Parallel;
import io.lopt.optim.FusedVsReference;
import io.lopt.optim.Optimizer;
import io.lopt.optim.OptimizerState;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optim.Role;
import io.lopt.util.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VeloTest {
    static final Parallel TWO = Parallel.of(2);
    /** Square, tall, wide, one-column, one-row, several chunks, one row longer than a chunk, vectors, a rank-3. */
    static final int[][] SHAPES = {{64, 64}, {100, 37}, {37, 100}, {1000}, {1}, {3, 5}, {17}, {2, 20000}, {40000},
        {130, 1}, {1, 130}, {300, 70}, {3, 4, 5}};

    static List<ParamSpec> specs() {
        List<ParamSpec> s = new ArrayList<>();
        for (int i = 0; i < SHAPES.length; i++) {
            int[] sh = SHAPES[i];
            boolean matrix = sh.length >= 2;
            s.add(ParamSpec.mup("t" + i, sh, matrix ? Role.HIDDEN : Role.BIAS, matrix ? sh[0] : 1, 1.0));
        }
        return s;
    }

    @Test
    void thetaLayoutHasHyperV2sParts() {
        VeloLayout lay = VeloLayout.of(VeloConfig.muVelo());
        int h = 16;
        int k = 8;
        int rnn = 2 * (30 * h + h) + 2 * h * 4 * h + 4 * h + h * k + k + h + 1 + 2 * h;
        assertEquals(rnn + k * 159, lay.size());
        assertEquals(30 * 4 + 4 + 16 + 4 + 12 + 3, VeloLayout.MEMBER);
        assertEquals(VeloLayout.MEMBER, VeloLayout.B2 + VeloLayout.OUT);
        assertEquals(lay.size(), VeloConfig.velo().thetaSize());
        assertEquals(100.0, VeloConfig.velo().mixMult());
        assertEquals(1.0, VeloConfig.muVelo().mixMult());
    }

    @Test
    void initialisationIsHaikusDefault() {
        VeloLayout lay = VeloLayout.of(new VeloConfig(64, 32, false));
        float[] theta = lay.haikuInit(3);
        for (var v : lay.views().values()) {
            double sum2 = 0;
            double max = 0;
            for (int i = 0; i < v.size(); i++) {
                sum2 += theta[v.offset() + i] * theta[v.offset() + i];
                max = Math.max(max, Math.abs(theta[v.offset() + i]));
            }
            boolean weight = v.name().endsWith("/w") || v.name().startsWith("bank/w");
            if (!weight) {
                assertEquals(0.0, sum2, v.name() + " starts at zero");
                continue;
            }
            double sigma = 1 / Math.sqrt(v.name().startsWith("bank/") ? v.shape()[1] : v.shape()[0]);
            double std = Math.sqrt(sum2 / v.size());
            // a normal truncated at ±2σ without rescaling has a standard deviation of 0.88σ
            assertEquals(0.88 * sigma, std, 0.12 * sigma, v.name());
            assertTrue(max <= 2 * sigma + 1e-6, v.name() + " is truncated at 2σ");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theStartIsAnAdamLikeOptimizer(boolean mup) {
        VeloConfig cfg = mup ? VeloConfig.muVelo() : VeloConfig.velo();
        ParamSpec spec = ParamSpec.mup("w", new int[] {40, 30}, Role.HIDDEN, 40, 1.0);
        Parameter p = randomParams(List.of(spec), 2, 0.2).get(0);
        float[] before = p.values().clone();
        float[] g = randomGrads(List.of(spec), new Rng(3), 0.01).get(0);
        new Velo(cfg, cfg.initialTheta(7)).create(List.of(spec), 100).step(List.of(p), List.of(g), 2.0);
        // after one step m_1 = 0.1 g and the mean square 0.001 g², so Adam's direction is 0.1 g / √(0.001 g² + 1e-6)
        double dot = 0;
        double uu = 0;
        double aa = 0;
        double rms = 0;
        for (int i = 0; i < g.length; i++) {
            double a = 0.1 * g[i] / Math.sqrt(0.001 * g[i] * g[i] + 1e-6);
            double u = before[i] - p.values()[i];
            dot += a * u;
            uu += u * u;
            aa += a * a;
            rms += before[i] * before[i];
        }
        rms = Math.sqrt(rms / g.length);
        double cos = dot / Math.sqrt(uu * aa);
        assertTrue(cos > 0.95, "the start steps along −m/√v: cosine " + cos);
        double size = Math.sqrt(uu / g.length) / (mup ? spec.updateScale() : rms);
        assertEquals(0.01, size, 0.003, "steps of 0.01 · (s_W or RMS(p))");
    }

    @Test
    void factoredAxesFollowAdafactor() {
        int[][] shapes = {{5, 3}, {3, 5}, {4, 4}, {2, 3, 4}, {7, 1}};
        int[][] expected = {{0, 1}, {1, 0}, {1, 0}, {2, 1}, {0, 1}};
        for (int i = 0; i < shapes.length; i++) {
            VeloTensor t = new VeloTensor(ParamSpec.mup("w", shapes[i], Role.HIDDEN, shapes[i][0], 1.0), 2);
            assertTrue(t.factored);
            assertEquals(expected[i][0], t.d0, Arrays.toString(shapes[i]) + " d0");
            assertEquals(expected[i][1], t.d1, Arrays.toString(shapes[i]) + " d1");
        }
        VeloTensor v = new VeloTensor(ParamSpec.mup("b", new int[] {6}, Role.BIAS, 1, 1.0), 2);
        assertTrue(!v.factored && v.vDiag[0].length == 6 && v.sizeRank == 1);
        assertEquals(1, new VeloTensor(ParamSpec.mup("w", new int[] {7, 1}, Role.HIDDEN, 7, 1.0), 2).sizeRank);
    }

    @Test
    void factoredAccumulatorsAverageTheSquaredGradientOverEachAxis() {
        // a 2 × 3 matrix: d0 = 1 (columns), so v_row averages over columns (2 values), v_col over rows (3 values)
        VeloTensor t = new VeloTensor(ParamSpec.mup("w", new int[] {2, 3}, Role.HIDDEN, 2, 1.0), 2);
        float[] g = {1, 2, 3, 4, 5, 6};
        VeloReference.accumulate(t, g);
        assertEquals(0.1 * (1 + 4 + 9) / 3.0, t.vRow[0][0], 1e-6);
        assertEquals(0.1 * (16 + 25 + 36) / 3.0, t.vRow[0][1], 1e-6);
        assertEquals(0.01 * (1 + 16) / 2.0, t.vCol[1][0], 1e-7);
        assertEquals(0.001 * (9 + 36) / 2.0, t.vCol[2][2], 1e-6);
        assertEquals(0.1f * 6, t.m[0][5], 1e-6);
        assertEquals(0.001 * 36, t.rms[5], 1e-6); // 1 − 0.999 in float is 0.99999e-3
        // the factors: row factor = rsqrt(v_row / mean(v_row)), column factor = rsqrt(v_col)
        float[][][] f = VeloReference.factors(t);
        double mean = (t.vRow[0][0] + t.vRow[0][1]) / 2.0;
        assertEquals(1 / Math.sqrt(t.vRow[0][1] / (mean + 1e-9)), f[0][0][1], 1e-5);
        assertEquals(1 / Math.sqrt(t.vCol[0][2]), f[1][0][2], 1e-4);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void fusedKernelMatchesTheScalarReference(boolean mup) {
        VeloConfig cfg = mup ? VeloConfig.muVelo() : VeloConfig.velo();
        float[] theta = cfg.initialTheta(5);
        List<ParamSpec> specs = specs();
        Optimizer fused = new Velo(cfg, theta, Velo.Implementation.FUSED, TWO).create(specs, 50);
        Optimizer ref = new Velo(cfg, theta, Velo.Implementation.REFERENCE, TWO).create(specs, 50);
        List<Parameter> pf = randomParams(specs, 1, 0.05);
        List<Parameter> pr = copy(pf);
        Rng rng = new Rng(2);
        double worst = 0;
        for (int step = 0; step < 6; step++) {
            List<float[]> g = randomGrads(specs, rng, Math.pow(10, step % 3 - 1));
            List<Parameter> before = copy(pr);
            double loss = 2.3 - 0.2 * step + 0.3 * (step % 2);
            fused.step(pf, g, loss);
            ref.step(pr, g, loss);
            worst = Math.max(worst, FusedVsReference.compareAndSync(specs, pf, pr, before, step));
            fused.restoreState(ref.exportState());
        }
        assertTrue(worst < 1e-5, "worst relative error " + worst);
    }

    @Test
    void fusedKernelIsBitIdenticalWithOneAndTwoThreads() {
        VeloConfig cfg = VeloConfig.velo();
        float[] theta = cfg.initialTheta(3);
        List<ParamSpec> specs = specs();
        Optimizer one = new Velo(cfg, theta, Velo.Implementation.FUSED, Parallel.serial()).create(specs, 10);
        Optimizer two = new Velo(cfg, theta, Velo.Implementation.FUSED, TWO).create(specs, 10);
        List<Parameter> a = randomParams(specs, 1, 0.05);
        List<Parameter> b = copy(a);
        Rng rng = new Rng(4);
        for (int s = 0; s < 4; s++) {
            List<float[]> g = randomGrads(specs, rng, 1);
            one.step(a, g, 1.0 / (s + 1));
            two.step(b, g, 1.0 / (s + 1));
        }
        for (int t = 0; t < specs.size(); t++) {
            assertArrayEquals(a.get(t).values(), b.get(t).values());
        }
    }

    @Test
    void lstmGatesAreIGFOWithForgetBiasOneAndTheMixIsMaxPooledAcrossTensors() {
        VeloConfig cfg = new VeloConfig(1, 1, false);
        VeloLayout lay = VeloLayout.of(cfg);
        float[] theta = new float[lay.size()];
        theta[lay.offset("rnn/mix/w")] = 1f; // mix = relu(x0)
        theta[lay.offset("rnn/in/w")] = 0.5f; // in = 0.5 x0 + 0.1
        theta[lay.offset("rnn/in/b")] = 0.1f;
        int w = lay.offset("rnn/lstm/w");
        int b = lay.offset("rnn/lstm/b");
        float[] wx = {0.5f, -0.3f, 0.8f, 0.1f}; // gates i, g, f, o from the input
        float[] wh = {0.2f, 0.4f, -0.6f, 0.7f}; // ... and from h
        float[] bias = {0.0f, 0.3f, 0.1f, -0.2f};
        for (int j = 0; j < 4; j++) {
            theta[w + j] = wx[j];
            theta[w + 4 + j] = wh[j];
            theta[b + j] = bias[j];
        }
        theta[lay.offset("rnn/controls/w")] = 2f;
        theta[lay.offset("rnn/step_size/w")] = -3f;
        theta[lay.offset("rnn/step_size/b")] = 0.5f;
        float[][] x = new float[2][30];
        x[0][0] = 1f;
        x[1][0] = -2f;
        float[][] h = {{0.3f}, {-0.1f}};
        float[][] c = {{-0.5f}, {0.2f}};
        VeloController.Controls out = VeloController.forward(theta, lay, x, h, c);
        double pooled = 1.0; // max(relu(1), relu(-2))
        double[] hin = {0.3, -0.1};
        double[] cin = {-0.5, 0.2};
        for (int t = 0; t < 2; t++) {
            double in = 0.5 * x[t][0] + 0.1 + pooled;
            double[] z = new double[4];
            for (int j = 0; j < 4; j++) {
                z[j] = in * wx[j] + hin[t] * wh[j] + bias[j];
            }
            double ig = 1 / (1 + Math.exp(-z[0]));
            double gg = Math.tanh(z[1]);
            double fg = 1 / (1 + Math.exp(-(z[2] + 1)));
            double og = 1 / (1 + Math.exp(-z[3]));
            double c2 = fg * cin[t] + ig * gg;
            double h2 = og * Math.tanh(c2);
            assertEquals(c2, c[t][0], 1e-6, "cell " + t);
            assertEquals(h2, h[t][0], 1e-6, "hidden " + t);
            assertEquals(2 * h2, out.coefficients()[t][0], 1e-6);
            assertEquals(0.5 - 3 * h2, out.lrMult()[t], 1e-6, "the step-size head is linear, not exponentiated");
        }
    }

    @Test
    void tensorFeaturesAreInHyperV2sOrder() {
        VeloTensor.Stats s = new VeloTensor.Stats(new double[] {1e-3, 1.0, 1e-12}, 0.02, new double[] {2, 3, 1e9}, 1);
        float[] loss = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f};
        float[] x = VeloController.tensorFeatures(0.5f, loss, s, 2);
        assertEquals(Math.tanh(10 * (0.5 - 0.03)), x[0], 1e-6);
        assertEquals(Math.tanh(10 * (0.5 - 1.1)), x[8], 1e-6);
        assertEquals(0.1f, x[9]);
        assertEquals(0.9f, x[17]);
        assertEquals(0.5 * Math.log(1e-8 + 0.2), x[18], 1e-6, "mean_rms");
        assertArrayEquals(new float[] {0, 0, 1, 0, 0}, Arrays.copyOfRange(x, 19, 24), "rank one-hot");
        assertEquals(0.5 * Math.log(1e-8 + 1e-2), x[24], 1e-6, "var_m");
        assertEquals(0.5 * Math.log(1e-8 + 10), x[25], 1e-6);
        assertEquals(-2.5, x[26], 1e-6, "clipped at −5 before the 0.5");
        assertEquals(0.5 * Math.log(1e-8 + 20), x[27], 1e-6, "var_rms");
        assertEquals(2.5, x[29], 1e-6, "clipped at 5");
        float[] none = VeloController.tensorFeatures(0f, loss, s, 5);
        assertArrayEquals(new float[5], Arrays.copyOfRange(none, 19, 24), "no one-hot at 5 or more dimensions");
    }

    /** The loss buffer written out from the definition (docs/velo.md §2), in double. */
    static double[] lossFeaturesByHand(double[] losses, long horizon) {
        int n = 10;
        double[] decay = new double[n];
        for (int i = 0; i < n; i++) {
            decay[i] = Math.exp(-1 / Math.pow(10, 1 + i * (Math.log10(horizon) - 1) / 9));
        }
        double[] means = new double[n];
        double[] min = new double[n];
        Arrays.fill(min, 999999999999.0);
        for (int t = 0; t < losses.length; t++) {
            double approxMax = t == 0 ? losses[0] : Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n && t > 0; i++) {
                approxMax = Math.max(approxMax, means[i] / (1 - Math.pow(decay[i], t + 1)));
            }
            double l = Math.min(2 * Math.abs(approxMax), losses[t]);
            for (int i = 0; i < n; i++) {
                means[i] = means[i] * decay[i] + l * (1 - decay[i]);
                min[i] = Math.min(min[i], means[i] / (1 - Math.pow(decay[i], t + 1)));
            }
        }
        double[] f = new double[n - 1];
        long t = losses.length;
        for (int i = 0; i < n - 1 && t > 2; i++) {
            double cor = means[i] / (1 - Math.pow(decay[i], t));
            double next = means[i + 1] / (1 - Math.pow(decay[i + 1], t));
            f[i] = Math.max(-1, Math.min(1, (cor - min[i]) / Math.max(1e-8, next - min[i]) - 1));
        }
        return f;
    }

    @Test
    void lossFeaturesFollowTheDefinition() {
        double[] losses = {2.3, 2.1, 9.0, 1.7, 1.8, 1.2, 1.1, 1.15};
        VeloLossFeatures buf = new VeloLossFeatures(1000);
        assertEquals(Math.exp(-0.1), buf.decays[0], 1e-7, "shortest half-life 10 steps");
        assertEquals(Math.exp(-1e-3), buf.decays[9], 1e-7, "longest half-life the horizon");
        for (int t = 0; t < losses.length; t++) {
            buf.update(losses[t], t);
            float[] got = buf.features(t + 1);
            double[] want = lossFeaturesByHand(Arrays.copyOf(losses, t + 1), 1000);
            for (int i = 0; i < 9; i++) {
                // float32 as in VeLO: the long EMAs differ by little, so the features carry ~1e-4 of rounding
                assertEquals(want[i], got[i], 1e-3, "step " + t + " feature " + i);
            }
            if (t < 2) {
                assertArrayEquals(new float[9], got, "zero for the first two steps");
            }
        }
        assertTrue(buf.features(losses.length)[0] != 0f);
        VeloLossFeatures nan = new VeloLossFeatures(100);
        nan.update(Double.NaN, 0);
        nan.update(2.0, 1);
        nan.update(Double.POSITIVE_INFINITY, 2);
        for (float v : nan.means) {
            assertTrue(Float.isFinite(v));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"REFERENCE", "FUSED"})
    void updateIsScaledByTheLinearStepSizeHeadAndRmsOrUpdateScale(Velo.Implementation impl) {
        for (VeloConfig cfg : new VeloConfig[] {VeloConfig.velo(), VeloConfig.muVelo()}) {
            VeloLayout lay = VeloLayout.of(cfg);
            float[] theta = new float[lay.size()];
            // controls = 1 for every member, so the mixed MLP is mix_mult · W; its output is its last bias
            Arrays.fill(theta, lay.offset("rnn/controls/b"), lay.offset("rnn/controls/b") + lay.bank(), 1f);
            int b2 = lay.offset("bank/b2");
            for (int k = 0; k < lay.bank(); k++) {
                theta[b2 + 3 * k] = (float) (0.7 / cfg.mixMult());
                theta[b2 + 3 * k + 1] = (float) (100 / cfg.mixMult());
            }
            theta[lay.offset("rnn/step_size/b")] = 3f; // lr_mult = 3
            ParamSpec spec = ParamSpec.mup("w", new int[] {4, 8}, Role.HIDDEN, 4, 1.0); // s_W = 1/4
            Parameter p = Parameter.zeros(spec);
            Arrays.fill(p.values(), 0.2f);
            Optimizer opt = new Velo(cfg, theta, impl, TWO).create(List.of(spec), 10);
            opt.step(List.of(p), List.of(new float[32]), 1.0);
            double size = cfg.mup() ? 0.25 : Math.sqrt(0.04 + 1e-9);
            double step = 0.001 * 3 * 0.7 * Math.exp(0.1) * size;
            assertEquals(0.2 - step, p.values()[5], 1e-6, impl + " " + cfg);
        }
    }

    @Test
    void nonFiniteGradientsAndLossesNeverProduceNonFiniteParameters() {
        VeloConfig cfg = VeloConfig.velo();
        List<ParamSpec> specs = List.of(ParamSpec.mup("w", new int[] {33, 20}, Role.HIDDEN, 33, 1.0),
                ParamSpec.mup("b", new int[] {20}, Role.BIAS, 1, 1.0));
        for (Velo.Implementation impl : Velo.Implementation.values()) {
            Optimizer opt = new Velo(cfg, cfg.initialTheta(1), impl, TWO).create(specs, 20);
            List<Parameter> ps = randomParams(specs, 3, 0.05);
            Rng rng = new Rng(1);
            for (int s = 0; s < 4; s++) {
                List<float[]> g = randomGrads(specs, rng, 1);
                g.get(0)[3] = Float.NaN;
                g.get(1)[2] = Float.POSITIVE_INFINITY;
                opt.step(ps, g, s == 2 ? Double.NaN : 1.0);
                for (Parameter p : ps) {
                    for (float v : p.values()) {
                        assertTrue(Float.isFinite(v), impl + " step " + s);
                    }
                }
            }
        }
    }

    @Test
    void horizonAndLossAreRequiredAndStateResumesExactly() {
        VeloConfig cfg = VeloConfig.muVelo();
        Velo velo = new Velo(cfg, cfg.initialTheta(2), Velo.Implementation.FUSED, TWO);
        List<ParamSpec> specs = List.of(ParamSpec.mup("w", new int[] {12, 9}, Role.HIDDEN, 12, 1.0),
                ParamSpec.mup("b", new int[] {9}, Role.BIAS, 1, 1.0));
        assertTrue(assertThrows(IllegalStateException.class, () -> velo.create(specs)).getMessage().contains("horizon"));
        Optimizer a = velo.create(specs, 30);
        List<Parameter> pa = randomParams(specs, 1, 0.05);
        assertTrue(assertThrows(IllegalStateException.class, () -> a.step(pa, randomGrads(specs, new Rng(1), 1)))
                .getMessage().contains("loss"));
        Rng rng = new Rng(5);
        List<List<float[]>> gs = new ArrayList<>();
        for (int s = 0; s < 6; s++) {
            gs.add(randomGrads(specs, rng, 1));
        }
        for (int s = 0; s < 3; s++) {
            a.step(pa, gs.get(s), 2.0 - s * 0.1);
        }
        OptimizerState st = a.exportState();
        assertTrue(st.tensors().containsKey("v_row1/w") && st.tensors().containsKey("v_diag3/b"));
        Optimizer b = velo.create(specs, 30);
        b.restoreState(st);
        List<Parameter> pb = copy(pa);
        for (int s = 3; s < 6; s++) {
            a.step(pa, gs.get(s), 2.0 - s * 0.1);
            b.step(pb, gs.get(s), 2.0 - s * 0.1);
        }
        for (int t = 0; t < specs.size(); t++) {
            assertArrayEquals(pa.get(t).values(), pb.get(t).values());
        }
        assertThrows(IllegalArgumentException.class, () -> new Velo(cfg, new float[3]));
    }

    @Test
    void theInitialLstmStateComesFromTheta() {
        VeloConfig cfg = new VeloConfig(2, 1, false);
        VeloLayout lay = VeloLayout.of(cfg);
        float[] theta = new float[lay.size()];
        int ctl = lay.offset("rnn/step_size/w");
        theta[ctl] = 1f; // lr_mult = h_0
        int[] b2 = {lay.offset("bank/b2")};
        theta[lay.offset("rnn/controls/b")] = 1f;
        theta[b2[0]] = 1f / 100; // d = 1
        ParamSpec spec = ParamSpec.mup("w", new int[] {3}, Role.BIAS, 1, 1.0);
        Parameter p0 = Parameter.zeros(spec);
        Arrays.fill(p0.values(), 1f);
        Parameter p1 = p0.copy();
        new Velo(cfg, theta).create(List.of(spec), 10).step(List.of(p0), List.of(new float[3]), 1.0);
        theta[lay.offset("rnn/init/c")] = 3f; // a non-zero initial cell changes h after the first step
        new Velo(cfg, theta).create(List.of(spec), 10).step(List.of(p1), List.of(new float[3]), 1.0);
        assertTrue(p0.values()[0] != p1.values()[0], "the initial state is read from θ");
    }
}
