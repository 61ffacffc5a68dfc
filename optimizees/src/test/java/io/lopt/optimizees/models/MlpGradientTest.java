package io.lopt.optimizees.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.kernels.Parallel;
import io.lopt.optim.Parameter;
import io.lopt.optim.Role;
import io.lopt.util.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MlpGradientTest {

    /**
     * Analytic float gradients against central finite differences of the double-precision reference, on every
     * tensor, for SP and μP and several depths. In μP the readout starts at zero; we perturb it so its gradient path
     * into the hidden layers is exercised too.
     */
    @ParameterizedTest
    @CsvSource({"MUP,1,7", "MUP,2,9", "MUP,3,6", "SP,1,7", "SP,2,9", "SP,4,5"})
    void gradientsMatchFiniteDifferences(Parametrization param, int depth, int width) {
        int inputs = 5;
        int classes = 4;
        int batch = 6;
        Mlp mlp = new Mlp(inputs, width, depth, classes, param, 2.0, 1.0);
        List<Parameter> params = mlp.init(42);
        Rng rng = new Rng(7);
        for (Parameter p : params) {
            if (p.spec().role() == Role.OUTPUT || p.spec().role() == Role.BIAS) {
                for (int i = 0; i < p.size(); i++) {
                    p.values()[i] += (float) (0.5 * rng.nextGaussian());
                }
            }
        }
        float[] x = new float[batch * inputs];
        rng.fillNormal(x, 1.0);
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) {
            y[i] = rng.nextInt(classes);
        }
        List<float[]> grads = mlp.newGradients();
        double loss = mlp.lossAndGradient(params, x, y, batch, grads, mlp.newWorkspace(batch), Parallel.of(2));

        MlpReference ref = new MlpReference(mlp);
        List<double[]> dp = new ArrayList<>();
        for (Parameter p : params) {
            double[] d = new double[p.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = p.values()[i];
            }
            dp.add(d);
        }
        assertEquals(ref.loss(dp, x, y, batch), loss, 1e-5);
        double h = 1e-6;
        for (int t = 0; t < params.size(); t++) {
            double[] d = dp.get(t);
            for (int i = 0; i < d.length; i++) {
                double orig = d[i];
                d[i] = orig + h;
                double lp = ref.loss(dp, x, y, batch);
                d[i] = orig - h;
                double lm = ref.loss(dp, x, y, batch);
                d[i] = orig;
                double fd = (lp - lm) / (2 * h);
                double an = grads.get(t)[i];
                assertEquals(fd, an, 1e-4 + 1e-3 * Math.abs(fd),
                        params.get(t).name() + "[" + i + "] (" + param + ", depth " + depth + ")");
            }
        }
    }

    @Test
    void mupInitialisationFollowsSpec() {
        Mlp mlp = new Mlp(64, 256, 3, 10, Parametrization.MUP);
        List<Parameter> ps = mlp.init(1);
        for (Parameter p : ps) {
            float[] v = p.values();
            double sq = 0;
            double max = 0;
            for (float f : v) {
                sq += f * f;
                max = Math.max(max, Math.abs(f));
            }
            double std = Math.sqrt(sq / v.length);
            switch (p.spec().role()) {
                case OUTPUT -> assertEquals(0.0, max, "μP readout starts at zero");
                case BIAS -> assertEquals(1.0, std, 0.25, p.name());
                default -> {
                    double sigma = 1 / Math.sqrt(p.spec().fanIn());
                    assertTrue(max <= 2 * sigma * (1 + 1e-6), "truncated at 2σ: " + p.name());
                    // truncated normal at ±2σ without correction has std ≈ 0.88σ
                    assertEquals(0.88 * sigma, std, 0.05 * sigma, p.name());
                }
            }
        }
        assertEquals(1f / 256, mlp.readoutMultiplier());
        assertEquals(1f / 256, ps.get(2).spec().updateScale(), "hidden s_W = 1/fan_in");
        assertEquals(1f, ps.get(0).spec().updateScale(), "input s_W = 1");
    }

    @Test
    void spInitialisationFollowsSpec() {
        Mlp mlp = new Mlp(64, 128, 2, 10, Parametrization.SP);
        for (Parameter p : mlp.init(3)) {
            if (p.spec().role() == Role.BIAS) {
                assertArrayEquals(new float[p.size()], p.values(), "SP biases start at zero");
            } else {
                assertTrue(p.values()[0] != 0 || p.values()[1] != 0, "SP weights are random: " + p.name());
            }
            assertEquals(1f, p.spec().updateScale());
        }
        assertEquals(1f, mlp.readoutMultiplier());
    }

    @Test
    void gradientsDoNotDependOnThreadCount() {
        Mlp mlp = new Mlp(30, 70, 3, 10, Parametrization.MUP);
        List<Parameter> params = mlp.init(5);
        float[] x = new float[33 * 30];
        new Rng(1).fillNormal(x, 1);
        int[] y = new int[33];
        for (int i = 0; i < 33; i++) {
            y[i] = i % 10;
        }
        List<float[]> g1 = mlp.newGradients();
        List<float[]> g2 = mlp.newGradients();
        double l1 = mlp.lossAndGradient(params, x, y, 33, g1, mlp.newWorkspace(33), Parallel.serial());
        double l2 = mlp.lossAndGradient(params, x, y, 33, g2, mlp.newWorkspace(40), Parallel.of(2));
        assertEquals(l1, l2);
        for (int i = 0; i < g1.size(); i++) {
            assertArrayEquals(g1.get(i), g2.get(i));
        }
    }
}
