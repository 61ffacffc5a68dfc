package io.lopt.optimizees.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.kernels.Parallel;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.util.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TransformerGradientTest {
    /** A model with awkward sizes: width 12 in 3 heads of 4, a vocabulary or patch size that is not a power of 2. */
    static Transformer model(boolean lm, Parametrization p, int depth) {
        return lm ? new Transformer(11, true, 5, 12, depth, 3, 11, p) : new Transformer(7, false, 6, 12, depth, 3, 4, p);
    }

    static Transformer.Batch batch(Transformer m, int size, long seed) {
        Rng rng = new Rng(seed);
        int n = size * m.seq();
        if (m.tokens()) {
            int[] tok = new int[n];
            int[] next = new int[n];
            for (int i = 0; i < n; i++) {
                tok[i] = rng.nextInt(m.inputs());
                next[i] = rng.nextInt(m.classes());
            }
            return new Transformer.Batch(size, tok, null, next);
        }
        float[] x = new float[n * m.inputs()];
        rng.fillNormal(x, 1.0);
        int[] y = new int[size];
        for (int i = 0; i < size; i++) {
            y[i] = rng.nextInt(m.classes());
        }
        return new Transformer.Batch(size, null, x, y);
    }

    /** Random values in every tensor (μP's zero query and readout would hide their gradients' paths). */
    static List<Parameter> randomParams(Transformer m, long seed) {
        List<Parameter> ps = new ArrayList<>();
        Rng rng = new Rng(seed);
        for (ParamSpec s : m.specs()) {
            Parameter p = Parameter.zeros(s);
            rng.fillNormal(p.values(), s.shape().length == 2 ? 1.0 / Math.sqrt(s.shape()[0]) : 0.5);
            if (s.name().endsWith(".g")) {
                for (int i = 0; i < p.values().length; i++) {
                    p.values()[i] += 1f;
                }
            }
            ps.add(p);
        }
        return ps;
    }

    @ParameterizedTest
    @CsvSource({"true, MUP", "true, SP", "false, MUP", "false, SP"})
    void fastMatchesTheReferenceAndTheReferenceMatchesFiniteDifferences(boolean lm, Parametrization param) {
        Transformer m = model(lm, param, 2);
        List<Parameter> ps = randomParams(m, 3);
        Transformer.Batch b = batch(m, 3, 5);
        TransformerReference ref = new TransformerReference(m);
        double[][] rg = new double[ps.size()][];
        for (int i = 0; i < rg.length; i++) {
            rg[i] = new double[ps.get(i).values().length];
        }
        double refLoss = ref.lossAndGradient(ps, b, rg);
        List<float[]> g = m.newGradients();
        Transformer.Workspace ws = m.newWorkspace(3);
        for (float[] a : g) {
            java.util.Arrays.fill(a, 123f); // gradients are overwritten, never added to
        }
        m.lossAndGradient(ps, batch(m, 3, 77), g, ws, Parallel.of(2)); // and a workspace is reused across batches
        double loss = m.lossAndGradient(ps, b, g, ws, Parallel.of(2));
        assertEquals(refLoss, loss, 1e-5 * Math.abs(refLoss));
        for (int i = 0; i < ps.size(); i++) {
            double scale = 1e-12;
            for (double v : rg[i]) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int j = 0; j < rg[i].length; j++) {
                assertEquals(rg[i][j], g.get(i)[j], 2e-4 * scale + 1e-7,
                        m.specs().get(i).name() + "[" + j + "] fast vs reference");
            }
        }
        // finite differences (central, in double) on a few elements of every tensor
        double[][] w = new double[ps.size()][];
        for (int i = 0; i < w.length; i++) {
            float[] v = ps.get(i).values();
            w[i] = new double[v.length];
            for (int j = 0; j < v.length; j++) {
                w[i][j] = v[j];
            }
        }
        Rng pick = new Rng(8);
        double eps = 1e-5;
        for (int i = 0; i < w.length; i++) {
            for (int trial = 0; trial < 4; trial++) {
                int j = pick.nextInt(w[i].length);
                double keep = w[i][j];
                w[i][j] = keep + eps;
                double up = ref.loss(w, b);
                w[i][j] = keep - eps;
                double down = ref.loss(w, b);
                w[i][j] = keep;
                double fd = (up - down) / (2 * eps);
                assertEquals(fd, rg[i][j], 1e-6 + 1e-4 * Math.abs(fd), m.specs().get(i).name() + "[" + j + "] vs finite "
                        + "differences");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"true", "false"})
    void resultsDoNotDependOnTheThreadCount(boolean lm) {
        Transformer m = lm ? new Transformer(50, true, 16, 64, 2, 4, 50, Parametrization.MUP)
                : new Transformer(49, false, 16, 64, 2, 4, 10, Parametrization.MUP);
        List<Parameter> ps = randomParams(m, 4);
        Transformer.Batch b = batch(m, 9, 6);
        List<float[]> g1 = m.newGradients();
        List<float[]> g2 = m.newGradients();
        double l1 = m.lossAndGradient(ps, b, g1, m.newWorkspace(9), Parallel.serial());
        double l2 = m.lossAndGradient(ps, b, g2, m.newWorkspace(9), Parallel.of(2));
        assertEquals(l1, l2);
        for (int i = 0; i < g1.size(); i++) {
            assertArrayEquals(g1.get(i), g2.get(i), m.specs().get(i).name());
        }
    }

    @ParameterizedTest
    @CsvSource({"true", "false"})
    void mupInitialisesTheQueryAndReadoutToZeroAndStartsAtAUniformGuess(boolean lm) {
        Transformer m = model(lm, Parametrization.MUP, 1);
        List<Parameter> ps = m.init(3);
        for (int i = 0; i < ps.size(); i++) {
            String name = m.specs().get(i).name();
            boolean zero = name.endsWith("attn.q.w") || name.equals("readout.w") || name.endsWith("ln1.b")
                    || name.endsWith("ln2.b") || name.equals("lnf.b");
            double sq = 0;
            for (float v : ps.get(i).values()) {
                sq += v * v;
            }
            assertEquals(zero, sq == 0, name);
        }
        double loss = m.lossAndGradient(ps, batch(m, 2, 1), m.newGradients(), m.newWorkspace(2), Parallel.serial());
        // zero readout: the logits are the biases / width, so every class is about equally likely
        assertEquals(Math.log(m.classes()), loss, 0.15);
        assertEquals(1.0 / (12 / 3), m.attentionScale(), 1e-12, "μP: 1/d_head");
        assertEquals(1.0 / Math.sqrt(12 / 3), model(lm, Parametrization.SP, 1).attentionScale(), 1e-12);
        assertTrue(m.specs().stream().filter(s -> s.role() == io.lopt.optim.Role.HIDDEN)
                .allMatch(s -> Math.abs(s.updateScale() * s.fanIn() - 1.0) < 1e-6), "hidden s_W = 1/fan_in");
    }
}
