package io.lopt.optim.velo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.kernels.Parallel;
import static io.lopt.optim.FusedVsReference.copy;
import static io.lopt.optim.FusedVsReference.randomGrads;
import static io.lopt.optim.FusedVsReference.randomParams;

import io.lopt.optim.FusedVsReference;
import io.lopt.optim.Optimizer;
import io.lopt.optim.OptimizerState;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optim.Role;
import io.lopt.util.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VeloTest {
    static final Parallel TWO = Parallel.of(2);
    static final int[][] SHAPES = {{64, 64}, {100, 37}, {1000}, {1}, {3, 5}, {17}, {2, 20000}, {40000}, {130, 1}};

    static List<ParamSpec> specs() {
        List<ParamSpec> s = new ArrayList<>();
        for (int i = 0; i < SHAPES.length; i++) {
            int[] sh = SHAPES[i];
            s.add(ParamSpec.mup("t" + i, sh, sh.length == 2 ? Role.HIDDEN : Role.BIAS, sh.length == 2 ? sh[0] : 1, 1.0));
        }
        return s;
    }

    @Test
    void thetaLayout() {
        VeloLayout lay = VeloLayout.of(VeloConfig.velo());
        int h = 32;
        int b = 16;
        assertEquals(19 * 4 * h + h * 4 * h + 4 * h + h * (b + 1) + (b + 1) + b * 70, lay.size());
        assertEquals(70, VeloLayout.MEMBER);
        assertEquals(lay.size(), VeloConfig.muVelo().thetaSize());
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
        for (int step = 0; step < 5; step++) {
            List<float[]> g = randomGrads(specs, rng, Math.pow(10, step % 3 - 1));
            List<Parameter> before = copy(pr);
            double loss = 2.3 - 0.2 * step;
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
        for (int s = 0; s < 3; s++) {
            List<float[]> g = randomGrads(specs, rng, 1);
            one.step(a, g, 1.0 / (s + 1));
            two.step(b, g, 1.0 / (s + 1));
        }
        for (int t = 0; t < specs.size(); t++) {
            assertArrayEquals(a.get(t).values(), b.get(t).values());
        }
    }

    @Test
    void lstmCellByHand() {
        VeloConfig cfg = new VeloConfig(1, 1, false);
        VeloLayout lay = VeloLayout.of(cfg);
        float[] theta = new float[lay.size()];
        // gates z = x0 · wx[0] + h · wh + b, with x0 = 1 and every other input 0
        int wx = lay.offset("lstm/wx");
        int wh = lay.offset("lstm/wh");
        int b = lay.offset("lstm/b");
        float[] wxv = {0.5f, -0.3f, 0.8f, 0.1f};
        float[] whv = {0.2f, 0.4f, -0.6f, 0.7f};
        float[] bv = {0.0f, 1.0f, 0.1f, -0.2f};
        for (int j = 0; j < 4; j++) {
            theta[wx + j] = wxv[j];
            theta[wh + j] = whv[j];
            theta[b + j] = bv[j];
        }
        theta[lay.offset("head/w") + 1] = 2f; // α logit = 2 h
        float[] x = new float[VeloLayout.TENSOR_FEATURES];
        x[0] = 1f;
        float[] h = {0.3f};
        float[] c = {-0.5f};
        float[] out = Velo.lstmAndHead(theta, lay, x, h, c);
        double[] z = new double[4];
        for (int j = 0; j < 4; j++) {
            z[j] = wxv[j] + 0.3 * whv[j] + bv[j];
        }
        double ig = 1 / (1 + Math.exp(-z[0]));
        double fg = 1 / (1 + Math.exp(-z[1]));
        double gg = Math.tanh(z[2]);
        double og = 1 / (1 + Math.exp(-z[3]));
        double c2 = fg * -0.5 + ig * gg;
        double h2 = og * Math.tanh(c2);
        assertEquals(c2, c[0], 1e-6);
        assertEquals(h2, h[0], 1e-6);
        assertEquals(1.0, out[0], 1e-7, "a bank of one: the mixture is 1");
        assertEquals(Math.exp(2 * h2), out[1], 1e-5, "α = exp(head)");
    }

    @Test
    void tensorFeaturesFollowTheDefinition() {
        VeloTensor.Stats s = new VeloTensor.Stats(new double[] {0, 4 * 4, 9 * 4, 0, 16 * 4, 0, 0, 0, 0}, 2.0, 4);
        float[] x = Velo.tensorFeatures(50, 100, new float[] {0.1f, 0.2f, 0.3f}, s, 2);
        assertEquals(Math.tanh(10 * (0.5 - 0.03)), x[0], 1e-6);
        assertEquals(Math.tanh(10 * (0.5 - 1.1)), x[8], 1e-6);
        assertEquals(0.2f, x[10]);
        assertEquals(Math.log(3 + 1e-8), x[12], 1e-6, "log RMS(m_1)");
        assertEquals(Math.log(4 + 1e-8), x[13], 1e-6, "log RMS(m_3)");
        assertEquals(Math.log(Math.sqrt(0.5) + 1e-8), x[14], 1e-6, "log √mean v");
        assertEquals(Math.log(2 + 1e-8), x[15], 1e-6, "log RMS(p)");
        assertArrayEquals(new float[] {0, 0, 1}, java.util.Arrays.copyOfRange(x, 16, 19), "rank ≥ 2");
        assertArrayEquals(new float[] {1, 0, 0}, java.util.Arrays.copyOfRange(Velo.tensorFeatures(0, 1,
                new float[3], s, 0), 16, 19));
    }

    @ParameterizedTest
    @ValueSource(strings = {"REFERENCE", "FUSED"})
    void updateIsScaledByAlphaAndRmsOrUpdateScale(Velo.Implementation impl) {
        for (VeloConfig cfg : new VeloConfig[] {VeloConfig.velo(), VeloConfig.muVelo()}) {
            VeloLayout lay = VeloLayout.of(cfg);
            float[] theta = new float[lay.size()];
            int b3 = lay.offset("bank/b3");
            for (int b = 0; b < lay.bank(); b++) {
                theta[b3 + 2 * b] = 0.7f;
                theta[b3 + 2 * b + 1] = 100f;
            }
            theta[lay.offset("head/b") + lay.bank()] = (float) Math.log(3); // α = 3
            ParamSpec spec = ParamSpec.mup("w", new int[] {4, 8}, Role.HIDDEN, 4, 1.0); // s_W = 1/4
            Parameter p = Parameter.zeros(spec);
            java.util.Arrays.fill(p.values(), 0.2f);
            Optimizer opt = new Velo(cfg, theta, impl, TWO).create(List.of(spec), 10);
            opt.step(List.of(p), List.of(new float[32]), 1.0);
            double size = cfg.mup() ? 0.25 : Math.sqrt(0.04 + 1e-6);
            double step = 0.001 * 3 * 0.7 * Math.exp(0.1) * size;
            assertEquals(0.2 - step, p.values()[5], 1e-6, impl + " " + cfg);
        }
    }

    @Test
    void nonFiniteGradientsNeverProduceNonFiniteParameters() {
        VeloConfig cfg = VeloConfig.velo();
        List<ParamSpec> specs = List.of(ParamSpec.mup("w", new int[] {33, 20}, Role.HIDDEN, 33, 1.0),
                ParamSpec.mup("b", new int[] {20}, Role.BIAS, 1, 1.0));
        Optimizer opt = cfg.withTheta(cfg.initialTheta(1)).create(specs, 20);
        List<Parameter> ps = randomParams(specs, 3, 0.05);
        Rng rng = new Rng(1);
        for (int s = 0; s < 4; s++) {
            List<float[]> g = randomGrads(specs, rng, 1);
            g.get(0)[3] = Float.NaN;
            g.get(1)[2] = Float.POSITIVE_INFINITY;
            opt.step(ps, g, s == 2 ? Double.NaN : 1.0);
            for (Parameter p : ps) {
                for (float v : p.values()) {
                    assertTrue(Float.isFinite(v));
                }
            }
        }
    }

    @Test
    void horizonAndLossAreRequiredAndStateResumesExactly() {
        VeloConfig cfg = VeloConfig.muVelo();
        Velo velo = new Velo(cfg, cfg.initialTheta(2), Velo.Implementation.FUSED, TWO);
        List<ParamSpec> specs = List.of(ParamSpec.mup("w", new int[] {12, 9}, Role.HIDDEN, 12, 1.0));
        assertTrue(assertThrows(IllegalStateException.class, () -> velo.create(specs)).getMessage().contains("horizon"));
        Optimizer a = velo.create(specs, 30);
        List<Parameter> pa = randomParams(specs, 1, 0.05);
        assertTrue(assertThrows(IllegalStateException.class, () -> a.step(pa, List.of(new float[108]))).getMessage()
                .contains("loss"));
        Rng rng = new Rng(5);
        List<List<float[]>> gs = new ArrayList<>();
        for (int s = 0; s < 6; s++) {
            gs.add(randomGrads(specs, rng, 1));
        }
        for (int s = 0; s < 3; s++) {
            a.step(pa, gs.get(s), 2.0 - s * 0.1);
        }
        OptimizerState st = a.exportState();
        Optimizer b = velo.create(specs, 30);
        b.restoreState(st);
        List<Parameter> pb = copy(pa);
        for (int s = 3; s < 6; s++) {
            a.step(pa, gs.get(s), 2.0 - s * 0.1);
            b.step(pb, gs.get(s), 2.0 - s * 0.1);
        }
        assertArrayEquals(pa.get(0).values(), pb.get(0).values());
        assertThrows(IllegalArgumentException.class, () -> new Velo(cfg, new float[3]));
    }
}
