package io.lopt.optim.lo;

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
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SmallFcLoptTest {
    static final Parallel TWO = Parallel.of(2);

    /** A θ with random weights, non-zero biases and decay offsets, so every path matters. */
    static float[] randomTheta(LoptConfig cfg, long seed) {
        MetaParameters lay = MetaParameters.of(cfg);
        float[] theta = lay.init(seed);
        Rng rng = new Rng(seed + 1);
        for (MetaParameters.View v : lay.views().values()) {
            if (!v.name().startsWith("mlp/w")) {
                for (int i = 0; i < v.size(); i++) {
                    theta[v.offset() + i] = (float) (0.1 * rng.nextGaussian());
                }
            }
        }
        return theta;
    }

    static ParamSpec spec(String name, int... shape) {
        Role role = shape.length == 2 ? Role.HIDDEN : Role.BIAS;
        return ParamSpec.mup(name, shape, role, shape.length == 2 ? shape[0] : 1, 1.0);
    }

    @Test
    void thetaHasThePapersSizeAndNamedViews() {
        MetaParameters lay = MetaParameters.of(LoptConfig.mulo());
        assertEquals(2409, lay.size());
        assertEquals(2409, LoptConfig.sp().thetaSize());
        assertEquals(39 * 32, lay.view("mlp/w0").size());
        assertEquals(32 * 2, lay.view("mlp/wout").size());
        assertEquals(2402, lay.view(MetaParameters.MOMENTUM).offset());
        float[] theta = lay.init(3);
        MetaParameters.Decays d = lay.decays(theta);
        assertArrayEquals(new float[] {0.9f, 0.99f, 0.999f}, d.momentum());
        assertEquals(0.999f, d.rms());
        // β = 1 − (1 − β0)·exp(10δ)
        lay.set(theta, MetaParameters.MOMENTUM, new float[] {0.1f, 0f, -10f});
        d = lay.decays(theta);
        assertEquals(1 - 0.1 * Math.exp(1.0), d.momentum()[0], 1e-6);
        assertEquals(0.99f, d.momentum()[1]);
        assertEquals(1 - 0.001 * Math.exp(-100), d.momentum()[2], 1e-6);
        lay.set(theta, MetaParameters.RMS, new float[] {5f});
        assertEquals(0f, lay.decays(theta).rms(), "decays are clipped to [0, 1]");
    }

    /** Shapes: square, tall, wide, vectors, a scalar, odd sizes, and rows long enough to be split into chunks. */
    static final int[][] SHAPES = {{64, 64}, {100, 37}, {37, 100}, {1000}, {1}, {3, 5}, {130, 1}, {1, 130}, {17},
        {257, 129}, {2, 20000}, {40000}, {5, 5}, {16, 48}, {300, 70}};

    @ParameterizedTest
    @CsvSource({"true, 0, 1.0, false, 0", "false, 0, 1.0, false, 0", "true, 1000, 1.0, false, 0",
        "false, 7, 1.0, false, 0", "true, 1000, 0.1, false, 0", "true, 1000, 0.1, true, 0", "false, 0, 1.0, true, 0",
        "true, 7, 0.1, false, 0.6"})
    void fusedKernelMatchesTheScalarReference(boolean mup, long timeReference, double decayTo, boolean adam,
            double horizonExponent) {
        LoptConfig cfg = (mup ? LoptConfig.mulo() : LoptConfig.sp()).withTimeReference(timeReference)
                .withDecayTo(decayTo).withAdamInputs(adam).withHorizonExponent(horizonExponent);
        float[] theta = randomTheta(cfg, 11);
        List<ParamSpec> specs = new ArrayList<>();
        for (int i = 0; i < SHAPES.length; i++) {
            specs.add(spec("t" + i, SHAPES[i]));
        }
        long horizon = 13; // with a relative clock, t · R / 13 is not an integer
        Optimizer fused = new SmallFcLopt(cfg, theta, SmallFcLopt.Implementation.FUSED, TWO).create(specs, horizon);
        Optimizer ref = new SmallFcLopt(cfg, theta, SmallFcLopt.Implementation.REFERENCE, TWO).create(specs, horizon);
        List<Parameter> pf = randomParams(specs, 5, 1e-3);
        List<Parameter> pr = copy(pf);
        Rng rng = new Rng(9);
        double worst = 0;
        for (int step = 0; step < 6; step++) {
            List<float[]> g = randomGrads(specs, rng, Math.pow(10, step % 3 - 1));
            List<Parameter> before = copy(pr);
            fused.step(pf, g);
            ref.step(pr, g);
            worst = Math.max(worst, FusedVsReference.compareAndSync(specs, pf, pr, before, step));
            fused.restoreState(ref.exportState());
        }
        System.out.println("worst relative update error (mup=" + mup + "): " + worst);
        assertTrue(worst < 1e-5, "worst relative update error " + worst);
    }

    @ParameterizedTest
    @CsvSource({"64, 32, false", "10, 32, true", "64, 32, true", "7, 13, false", "37, 17, true", "1, 5, false"})
    void firstLayerTablesEqualTheirScalarDefinitionBitForBit(int len, int h1, boolean transposed) {
        Rng r = new Rng(len * 31L + h1);
        int[] chans = {13, 14, 15, 19, 20, 21};
        float[][] vals = new float[chans.length][len];
        for (float[] v : vals) {
            r.fillNormal(v, 3.0);
        }
        float[] theta = new float[40 * h1 + 7];
        r.fillNormal(theta, 1.0);
        float[] scale = new float[MetaParameters.ACC_FEATURES];
        r.fillNormal(scale, 10.0);
        int ld = len + 64;
        assertArrayEquals(SmallFcLoptKernel.tableReference(chans, vals, len, theta, 7, h1, scale, transposed, ld),
                SmallFcLoptKernel.table(chans, vals, len, theta, 7, h1, scale, transposed, ld));
    }

    /** Runs {@code steps} steps of {@code factory} (created for a run of {@code horizon} steps) on fixed gradients. */
    private static List<Parameter> trajectory(SmallFcLopt factory, long horizon, int steps) {
        List<ParamSpec> specs = List.of(spec("w", 9, 5), spec("b", 5));
        Optimizer o = factory.create(specs, horizon);
        List<Parameter> p = randomParams(specs, 3, 0.1);
        Rng rng = new Rng(4);
        for (int s = 0; s < steps; s++) {
            o.step(p, randomGrads(specs, rng, 1.0));
        }
        return p;
    }

    @Test
    void relativeTimeReadsTheRunsProgressOnTheReferenceClock() {
        LoptConfig abs = LoptConfig.mulo();
        LoptConfig rel = abs.withTimeReference(200);
        float[] theta = randomTheta(abs, 21);
        // a run of exactly R steps sees the absolute clock: the same trajectory, bit for bit
        List<Parameter> a = trajectory(new SmallFcLopt(abs, theta), 200, 30);
        List<Parameter> r = trajectory(new SmallFcLopt(rel, theta), 200, 30);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).values(), r.get(i).values());
        }
        // a run 25× longer reads t/25: a different trajectory than the absolute clock gives
        List<Parameter> longRel = trajectory(new SmallFcLopt(rel, theta), 5000, 30);
        List<Parameter> longAbs = trajectory(new SmallFcLopt(abs, theta), 5000, 30);
        boolean differs = false;
        for (int i = 0; i < a.size(); i++) {
            differs |= !java.util.Arrays.equals(longRel.get(i).values(), longAbs.get(i).values());
        }
        assertTrue(differs, "a 25× longer run must read a slower clock");
        assertEquals(40.0, rel.clock(1000, 5000), 0.0);
        assertEquals(1000.0, abs.clock(1000, 5000), 0.0);
        // the time features at the same fraction of any run are the same
        assertArrayEquals(SmallFcLoptReference.timeFeatures(rel.clock(100, 400)),
                SmallFcLoptReference.timeFeatures(rel.clock(2500, 10_000)));
    }

    @Test
    void aDecayingStepIsTheSameStepTimesTheCosineFactor() {
        LoptConfig plain = LoptConfig.mulo().withTimeReference(100);
        LoptConfig decaying = plain.withDecayTo(0.1);
        assertEquals(1.0, decaying.decay(0, 100), 0.0);
        assertEquals(0.1, decaying.decay(99, 100), 1e-12);
        assertEquals(0.55, decaying.decay(99, 199), 1e-12);
        assertEquals(0.1, decaying.decay(500, 100), 1e-12, "past the horizon it stays at the final fraction");
        assertEquals(1.0, plain.decay(50, 100), 0.0);
        float[] theta = randomTheta(plain, 31);
        List<ParamSpec> specs = List.of(spec("w", 9, 5), spec("b", 5));
        for (SmallFcLopt.Implementation impl : SmallFcLopt.Implementation.values()) {
            Optimizer a = new SmallFcLopt(plain, theta, impl, TWO).create(specs, 100);
            Optimizer b = new SmallFcLopt(decaying, theta, impl, TWO).create(specs, 100);
            List<Parameter> pa = randomParams(specs, 5, 0.1);
            Rng rng = new Rng(6);
            for (int s = 0; s < 40; s++) { // run a to step 40, then give b the same state
                a.step(pa, randomGrads(specs, rng, 1.0));
            }
            b.restoreState(a.exportState());
            List<Parameter> pb = copy(pa);
            List<Parameter> before = copy(pa);
            List<float[]> g = randomGrads(specs, rng, 1.0);
            a.step(pa, g);
            b.step(pb, g);
            double f = decaying.decay(40, 100);
            for (int t = 0; t < specs.size(); t++) {
                for (int i = 0; i < specs.get(t).size(); i++) {
                    double ua = before.get(t).values()[i] - pa.get(t).values()[i];
                    double ub = before.get(t).values()[i] - pb.get(t).values()[i];
                    assertEquals(f * ua, ub, 1e-5 * Math.abs(ua) + 2e-7, impl + " " + specs.get(t).name() + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void aHorizonExponentShrinksTheStepsOfRunsLongerThanTheReferenceOnly() {
        LoptConfig plain = LoptConfig.mulo().withTimeReference(100).withDecayTo(0.1);
        LoptConfig scaled = plain.withHorizonExponent(0.5);
        assertEquals(plain.decay(30, 100), scaled.stepFactor(30, 100), 0.0, "a run of T = R steps is unchanged");
        assertEquals(plain.decay(10, 60), scaled.stepFactor(10, 60), 0.0, "so is a shorter one");
        assertEquals(0.5 * plain.decay(120, 400), scaled.stepFactor(120, 400), 1e-15, "(100/400)^0.5 = 0.5");
        assertEquals(Math.pow(0.01, 0.5) * 0.1, scaled.stepFactor(9_999, 10_000), 1e-12);
        float[] theta = randomTheta(plain, 37);
        List<ParamSpec> specs = List.of(spec("w", 9, 5), spec("b", 5));
        for (SmallFcLopt.Implementation impl : SmallFcLopt.Implementation.values()) {
            for (long horizon : new long[] {100, 400}) {
                Optimizer a = new SmallFcLopt(plain, theta, impl, TWO).create(specs, horizon);
                Optimizer b = new SmallFcLopt(scaled, theta, impl, TWO).create(specs, horizon);
                List<Parameter> pa = randomParams(specs, 5, 0.1);
                List<Parameter> pb = copy(pa);
                Rng rng = new Rng(8);
                for (int s = 0; s < 30; s++) {
                    List<float[]> g = randomGrads(specs, rng, 1.0);
                    List<Parameter> before = copy(pb);
                    a.step(pa, g);
                    b.step(pb, g);
                    double f = scaled.stepFactor(s, horizon) / plain.stepFactor(s, horizon);
                    for (int t = 0; t < specs.size(); t++) {
                        for (int i = 0; i < specs.get(t).size(); i++) {
                            double ua = before.get(t).values()[i] - pa.get(t).values()[i];
                            double ub = before.get(t).values()[i] - pb.get(t).values()[i];
                            if (horizon == 100) {
                                assertEquals(pa.get(t).values()[i], pb.get(t).values()[i], 0.0, "T = R: same bits");
                            } else {
                                assertEquals(f * ua, ub, 1e-5 * Math.abs(ua) + 2e-7, impl + " step " + s);
                            }
                        }
                    }
                    b.restoreState(a.exportState()); // the same state for the next comparison
                    pb = copy(pa);
                }
            }
        }
    }

    @Test
    void aHorizonExponentNeedsATimeReferenceAndASensibleValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoptConfig.mulo().withHorizonExponent(0.5));
        assertTrue(e.getMessage().contains("needs time_reference"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LoptConfig.mulo().withTimeReference(1000).withHorizonExponent(-0.1));
        assertTrue(e.getMessage().contains("horizon_exponent must be in [0, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> LoptConfig.mulo().withTimeReference(1000).withHorizonExponent(Double.NaN));
    }

    @Test
    void aNonZeroReadoutAtTheFirstStepIsFlaggedAsNotMuP() {
        ParamSpec out = ParamSpec.mup("out.w", new int[] {8, 3}, Role.OUTPUT, 8);
        ParamSpec hid = ParamSpec.mup("h.w", new int[] {8, 8}, Role.HIDDEN, 8);
        Parameter zero = Parameter.zeros(out);
        Parameter sp = Parameter.zeros(out);
        sp.values()[5] = 0.3f;
        Parameter h = Parameter.zeros(hid);
        h.values()[0] = 1f; // hidden weights are non-zero in any model
        assertEquals(null, io.lopt.optim.MuPCheck.warnIfNotMuP(List.of(h, zero), "μLO"));
        String w = io.lopt.optim.MuPCheck.warnIfNotMuP(List.of(h, sp), "μLO");
        assertTrue(w != null && w.startsWith("μLO expects") && w.contains("out.w") && w.contains("Initialise the readout to 0"), w);
    }

    @Test
    void relativeTimeNeedsTheHorizon() {
        SmallFcLopt rel = new SmallFcLopt(LoptConfig.mulo().withTimeReference(1000), randomTheta(LoptConfig.mulo(), 2));
        List<ParamSpec> specs = List.of(spec("b", 5));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> rel.create(specs));
        assertTrue(e.getMessage().contains("create(specs, horizon)"), e.getMessage());
        IllegalArgumentException h = assertThrows(IllegalArgumentException.class, () -> rel.create(specs, 0));
        assertTrue(h.getMessage().contains("horizon"), h.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoptConfig.mulo().withTimeReference(-1));
        // absolute time ignores the horizon, as before
        new SmallFcLopt(LoptConfig.mulo(), randomTheta(LoptConfig.mulo(), 2)).create(specs, 0);
    }

    @Test
    void fusedKernelIsBitIdenticalWithOneAndTwoThreads() {
        LoptConfig cfg = LoptConfig.mulo().withAdamInputs(true);
        float[] theta = randomTheta(cfg, 3);
        List<ParamSpec> specs = List.of(spec("a", 300, 200), spec("b", 50000), spec("c", 3, 40000), spec("d", 200, 300));
        Optimizer one = new SmallFcLopt(cfg, theta, SmallFcLopt.Implementation.FUSED, Parallel.serial()).create(specs);
        Optimizer two = new SmallFcLopt(cfg, theta, SmallFcLopt.Implementation.FUSED, TWO).create(specs);
        List<Parameter> p1 = randomParams(specs, 1, 1e-3);
        List<Parameter> p2 = copy(p1);
        Rng rng = new Rng(4);
        for (int s = 0; s < 3; s++) {
            List<float[]> g = randomGrads(specs, rng, 1);
            one.step(p1, g);
            two.step(p2, g);
        }
        for (int t = 0; t < specs.size(); t++) {
            assertArrayEquals(p1.get(t).values(), p2.get(t).values(), specs.get(t).name());
        }
        OptimizerState a = one.exportState();
        OptimizerState b = two.exportState();
        for (String k : a.tensors().keySet()) {
            assertArrayEquals(a.tensors().get(k), b.tensors().get(k), k);
        }
    }

    /**
     * Factored statistics by hand: after one step from zero, vRow_k = (1 − β_k)·mean over d0 of (g² + 1e-30) and
     * vCol_k = (1 − β_k)·mean over d1, where d0 is the larger dimension (the second one for a square matrix).
     */
    @ParameterizedTest
    @ValueSource(strings = {"REFERENCE", "FUSED"})
    void factoredStatisticsByHand(SmallFcLopt.Implementation impl) {
        LoptConfig cfg = LoptConfig.mulo();
        float[] theta = MetaParameters.of(cfg).init(0);
        // wide [2, 3]: d0 = 1 → vRow = mean over columns (indexed by row), vCol = mean over rows (by column)
        TensorState wide = oneStep(cfg, theta, impl, new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6});
        assertArrayEquals(new float[] {0.1f * 14 / 3f, 0.1f * 77 / 3f}, wide.vRow[0], 1e-6f);
        assertArrayEquals(new float[] {0.1f * 8.5f, 0.1f * 14.5f, 0.1f * 22.5f}, wide.vCol[0], 1e-6f);
        assertArrayEquals(new float[] {0.01f * 14 / 3f, 0.01f * 77 / 3f}, wide.vRow[1], 1e-6f);
        // tall [3, 2]: d0 = 0 → vRow = mean over rows (indexed by column), vCol = mean over columns (by row)
        TensorState tall = oneStep(cfg, theta, impl, new int[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6});
        assertArrayEquals(new float[] {0.1f * 35 / 3f, 0.1f * 56 / 3f}, tall.vRow[0], 1e-6f);
        assertArrayEquals(new float[] {0.1f * 2.5f, 0.1f * 12.5f, 0.1f * 30.5f}, tall.vCol[0], 1e-6f);
        // square [2, 2]: d0 = 1, as for a wide matrix
        TensorState sq = oneStep(cfg, theta, impl, new int[] {2, 2}, new float[] {1, 2, 3, 4});
        assertArrayEquals(new float[] {0.1f * 2.5f, 0.1f * 12.5f}, sq.vRow[0], 1e-6f);
        assertArrayEquals(new float[] {0.1f * 5f, 0.1f * 10f}, sq.vCol[0], 1e-6f);
        // momenta and second moment, no bias correction
        float a = 1 - 0.9f;
        float b = 1 - 0.999f;
        assertArrayEquals(new float[] {a, 2 * a, 3 * a, 4 * a}, sq.m[0], 1e-7f);
        assertArrayEquals(new float[] {b, 4 * b, 9 * b, 16 * b}, sq.v, 1e-9f);
        // vectors keep full accumulators
        TensorState vec = oneStep(cfg, theta, impl, new int[] {3}, new float[] {1, -2, 3});
        assertArrayEquals(new float[] {0.1f, 0.4f, 0.9f}, vec.vFull[0], 1e-6f);
    }

    private static TensorState oneStep(LoptConfig cfg, float[] theta, SmallFcLopt.Implementation impl, int[] shape,
            float[] g) {
        ParamSpec s = spec("x", shape);
        TensorState st = new TensorState(s);
        MetaParameters lay = MetaParameters.of(cfg);
        float[] p = new float[s.size()];
        if (impl == SmallFcLopt.Implementation.FUSED) {
            SmallFcLoptKernel.step(st, p, g, theta, lay, lay.decays(theta), SmallFcLoptKernel.firstLayerBias(theta, lay, 0),
                    0.01f, 0.001f, TWO);
        } else {
            SmallFcLoptReference.step(st, p, g, 0, theta, lay, lay.decays(theta), 0.01f, 0.001f);
        }
        return st;
    }

    /** θ that reads a single input channel: d = relu(relu(x_c)), m = 0, so the step is λ1·s_W·max(x_c, 0). */
    static float[] channelPicker(LoptConfig cfg, int channel) {
        MetaParameters lay = MetaParameters.of(cfg);
        float[] theta = new float[lay.size()];
        theta[lay.weightOffset(0) + channel * 32] = 1f; // input channel → hidden unit 0
        theta[lay.weightOffset(1)] = 1f; // hidden 0 → hidden 0
        theta[lay.weightOffset(2)] = 1f; // hidden 0 → direction
        return theta;
    }

    @ParameterizedTest
    @ValueSource(strings = {"REFERENCE", "FUSED"})
    void featuresAreInSpecOrderAndRmsNormalised(SmallFcLopt.Implementation impl) {
        LoptConfig cfg = LoptConfig.mulo();
        ParamSpec s = ParamSpec.mup("w", new int[] {4, 6}, Role.HIDDEN, 4, 1.0); // s_W = 1/4
        float[] g = new float[24];
        float[] p0 = new float[24];
        for (int i = 0; i < 24; i++) {
            g[i] = 0.5f + i;
            p0[i] = 2f + 0.25f * i;
        }
        // every channel of the first step from zero state, computed here from docs/spec.md §2 (not from the
        // reference), each then divided by its RMS over the tensor. Shape [4, 6]: d0 = axis 1 (6), d1 = axis 0 (4).
        double[] bm = {0.9f, 0.99f, 0.999f};
        double bv = 0.999f;
        double[] ba = {0.9f, 0.99f, 0.999f};
        double[][] expectedFeature = new double[28][24];
        double[] v = new double[24];
        double[][] m = new double[3][24];
        double[][] vrow = new double[3][4];
        double[][] vcol = new double[3][6];
        for (int k = 0; k < 3; k++) {
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 6; c++) {
                    double gg = (double) g[r * 6 + c] * g[r * 6 + c] + 1e-30;
                    vrow[k][r] += (1 - ba[k]) * gg / 6;
                    vcol[k][c] += (1 - ba[k]) * gg / 4;
                }
            }
        }
        for (int i = 0; i < 24; i++) {
            v[i] = (1 - bv) * g[i] * g[i];
            for (int k = 0; k < 3; k++) {
                m[k][i] = (1 - bm[k]) * g[i];
            }
        }
        for (int i = 0; i < 24; i++) {
            int r = i / 6;
            int c = i % 6;
            double[] f = new double[28];
            f[0] = g[i];
            f[1] = p0[i];
            f[5] = v[i];
            f[9] = 1 / Math.sqrt(v[i] + 1e-6);
            for (int k = 0; k < 3; k++) {
                double meanRow = (vrow[k][0] + vrow[k][1] + vrow[k][2] + vrow[k][3]) / 4;
                double rowF = 1 / Math.sqrt(Math.max(vrow[k][r] / (meanRow + 1e-9), 1e-9));
                double colF = 1 / Math.sqrt(Math.max(vcol[k][c], 1e-9));
                f[2 + k] = m[k][i];
                f[6 + k] = m[k][i] / Math.sqrt(v[i] + 1e-6);
                f[10 + k] = g[i] * rowF * colF;
                f[13 + k] = vrow[k][r];
                f[16 + k] = vcol[k][c];
                f[19 + k] = 1 / Math.sqrt(vrow[k][r] + 1e-8);
                f[22 + k] = 1 / Math.sqrt(vcol[k][c] + 1e-8);
                f[25 + k] = m[k][i] * rowF * colF;
            }
            for (int q = 0; q < 28; q++) {
                expectedFeature[q][i] = f[q];
            }
        }
        int[] channels = new int[28];
        for (int q = 0; q < 28; q++) {
            channels[q] = q;
        }
        for (int q = 0; q < channels.length; q++) {
            double rms = 0;
            for (double x : expectedFeature[q]) {
                rms += x * x;
            }
            rms = Math.sqrt(1e-5 + rms / 24);
            float[] theta = channelPicker(cfg, channels[q]);
            Optimizer opt = new SmallFcLopt(cfg, theta, impl, TWO).create(List.of(s));
            Parameter p = new Parameter(s, p0.clone());
            opt.step(List.of(p), List.of(g));
            for (int i = 0; i < 24; i++) {
                double step = 0.01 * 0.25 * expectedFeature[q][i] / rms;
                assertEquals(p0[i] - step, p.values()[i], 1e-5 * Math.abs(step) + Math.ulp(p0[i]), "channel " + channels[q] + " element " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"REFERENCE", "FUSED"})
    void adamInputsAreEachMomentumOverRootVWithoutNormalisation(SmallFcLopt.Implementation impl) {
        LoptConfig cfg = LoptConfig.mulo().withAdamInputs(true);
        assertEquals(42, MetaParameters.of(cfg).layerInputs(0));
        assertEquals(2409 + 3 * 32, cfg.thetaSize());
        for (int[] shape : new int[][] {{7, 9}, {29}}) { // a matrix and a vector: their channels differ in the kernel
            int n = shape.length == 2 ? shape[0] * shape[1] : shape[0];
            ParamSpec s = shape.length == 2 ? ParamSpec.mup("w", shape, Role.HIDDEN, 7, 1.0) // s_W = 1/7
                    : ParamSpec.mup("b", shape, Role.BIAS, 1, 1.0);
            double sw = shape.length == 2 ? 1.0 / 7 : 1.0;
            Rng rng = new Rng(21);
            float[][] grads = new float[3][n];
            for (float[] g : grads) {
                for (int i = 0; i < n; i++) {
                    // gradients of very different sizes: the inputs must not depend on the scale (no 1e-6 floor)
                    g[i] = (float) ((0.3 * rng.nextGaussian() + (i % 3 == 0 ? 0.2 : 0)) * Math.pow(10, -(i % 5)));
                }
            }
            // by hand, in double: m_k and v after three steps from zero, then m_k/√(v + 1e-16) per element
            double[] bm = {0.9f, 0.99f, 0.999f};
            double bv = 0.999f;
            double[][] m = new double[3][n];
            double[] v = new double[n];
            for (float[] g : grads) {
                for (int i = 0; i < n; i++) {
                    v[i] = bv * v[i] + (1 - bv) * g[i] * g[i];
                    for (int k = 0; k < 3; k++) {
                        m[k][i] = bm[k] * m[k][i] + (1 - bm[k]) * g[i];
                    }
                }
            }
            for (int k = 0; k < 3; k++) {
                // reads only input 39 + k: every element steps by λ1 · s_W · max(m_k/√v, 0) at the third step
                float[] theta = channelPicker(cfg, MetaParameters.INPUTS + k);
                Optimizer opt = new SmallFcLopt(cfg, theta, impl, TWO).create(List.of(s));
                Parameter p = new Parameter(s, new float[n]);
                opt.step(List.of(p), List.of(grads[0]));
                opt.step(List.of(p), List.of(grads[1]));
                float[] before = p.values().clone();
                opt.step(List.of(p), List.of(grads[2]));
                for (int i = 0; i < n; i++) {
                    double expected = 0.01 * sw * Math.max(0, m[k][i] / Math.sqrt(v[i] + 1e-16));
                    double step = before[i] - p.values()[i];
                    assertEquals(expected, step, 1e-5 * expected + 1e-12, "adam input " + k + " element " + i);
                }
            }
        }
        // without the inputs, a θ that reads row 39 + k does not exist: the layout stops at 39
        assertThrows(IllegalArgumentException.class, () -> new SmallFcLopt(LoptConfig.mulo(), channelPicker(cfg, 39)));
    }

    @Test
    void updateIsStepMultTimesDirectionTimesExpOfMagnitudeTimesUpdateScale() {
        for (LoptConfig cfg : new LoptConfig[] {LoptConfig.mulo(), LoptConfig.sp()}) {
            MetaParameters lay = MetaParameters.of(cfg);
            float[] theta = new float[lay.size()];
            lay.set(theta, "mlp/bout", new float[] {0.7f, 50f});
            ParamSpec hidden = ParamSpec.mup("h", new int[] {8, 8}, Role.HIDDEN, 8, 1.0);
            ParamSpec bias = ParamSpec.mup("b", new int[] {8}, Role.BIAS, 1, 1.0);
            for (SmallFcLopt.Implementation impl : SmallFcLopt.Implementation.values()) {
                Optimizer opt = new SmallFcLopt(cfg, theta, impl, TWO).create(List.of(hidden, bias));
                Parameter ph = Parameter.zeros(hidden);
                Parameter pb = Parameter.zeros(bias);
                opt.step(List.of(ph, pb), List.of(new float[64], new float[8]));
                double step = cfg.stepMult() * 0.7 * Math.exp(cfg.expMult() * 50);
                double sw = cfg.mup() ? 1.0 / 8 : 1.0;
                assertEquals(-step * sw, ph.values()[3], 1e-9, impl + " " + cfg);
                assertEquals(-step, pb.values()[5], 1e-9, impl + " " + cfg);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"REFERENCE", "FUSED"})
    void nonFiniteGradientsNeverProduceNonFiniteParameters(SmallFcLopt.Implementation impl) {
        LoptConfig cfg = LoptConfig.mulo();
        List<ParamSpec> specs = List.of(spec("w", 33, 20), spec("b", 20));
        Optimizer opt = new SmallFcLopt(cfg, randomTheta(cfg, 2), impl, TWO).create(specs);
        List<Parameter> ps = randomParams(specs, 3, 1e-3);
        Rng rng = new Rng(1);
        for (int s = 0; s < 5; s++) {
            List<float[]> g = randomGrads(specs, rng, 1);
            g.get(0)[7] = Float.NaN;
            g.get(0)[8] = Float.POSITIVE_INFINITY;
            g.get(1)[3] = Float.NEGATIVE_INFINITY;
            if (s == 2) {
                java.util.Arrays.fill(g.get(0), Float.NaN); // a whole tensor of NaN
            }
            opt.step(ps, g);
            for (Parameter p : ps) {
                for (float v : p.values()) {
                    assertTrue(Float.isFinite(v), "step " + s + ": " + p.name() + " became " + v);
                }
            }
        }
    }

    @Test
    void shapeMismatchesGetClearErrors() {
        LoptConfig cfg = LoptConfig.mulo();
        Optimizer opt = SmallFcLopt.initial(cfg, 0).create(List.of(spec("w", 4, 5)));
        Parameter wrong = Parameter.zeros(spec("w", 5, 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> opt.step(List.of(wrong), List.of(new float[20])));
        assertTrue(e.getMessage().contains("[5, 4]") && e.getMessage().contains("[4, 5]"), e.getMessage());
        Parameter right = Parameter.zeros(spec("w", 4, 5));
        e = assertThrows(IllegalArgumentException.class, () -> opt.step(List.of(right), List.of(new float[19])));
        assertTrue(e.getMessage().contains("gradient of 'w' has 19 values, expected 20"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> opt.step(List.of(right, right), List.of(new float[20])));
        assertTrue(e.getMessage().contains("expected 1 parameter tensors, got 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SmallFcLopt.initial(cfg, 0).create(List.of(spec("x", 2, 3, 4))));
        assertTrue(e.getMessage().contains("rank"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SmallFcLopt(cfg, new float[100]));
        assertTrue(e.getMessage().contains("2409"), e.getMessage());
    }

    @Test
    void exportedStateResumesExactly() {
        LoptConfig cfg = LoptConfig.mulo();
        SmallFcLopt lo = new SmallFcLopt(cfg, randomTheta(cfg, 8), SmallFcLopt.Implementation.FUSED, TWO);
        List<ParamSpec> specs = List.of(spec("w", 40, 30), spec("b", 30));
        Optimizer a = lo.create(specs);
        List<Parameter> pa = randomParams(specs, 1, 1e-3);
        Rng rng = new Rng(2);
        List<List<float[]>> gs = new ArrayList<>();
        for (int s = 0; s < 6; s++) {
            gs.add(randomGrads(specs, rng, 1));
        }
        for (int s = 0; s < 3; s++) {
            a.step(pa, gs.get(s));
        }
        Optimizer b = lo.create(specs);
        b.restoreState(a.exportState());
        assertEquals(3, b.stepsTaken());
        List<Parameter> pb = copy(pa);
        for (int s = 3; s < 6; s++) {
            a.step(pa, gs.get(s));
            b.step(pb, gs.get(s));
        }
        for (int t = 0; t < specs.size(); t++) {
            assertArrayEquals(pa.get(t).values(), pb.get(t).values());
        }
    }
}
