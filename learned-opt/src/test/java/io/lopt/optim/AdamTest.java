package io.lopt.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.kernels.Parallel;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdamTest {
    static final ParamSpec HIDDEN = ParamSpec.mup("w", new int[] {4, 4}, Role.HIDDEN, 4, 1.0);

    /** Adam by hand in double for one element over three steps. */
    static double[] adamByHand(double[] g, double lr, double b1, double b2, double eps, double wd, double scale,
            double p0) {
        double m = 0;
        double v = 0;
        double p = p0;
        double[] out = new double[g.length];
        for (int t = 1; t <= g.length; t++) {
            m = b1 * m + (1 - b1) * g[t - 1];
            v = b2 * v + (1 - b2) * g[t - 1] * g[t - 1];
            double mh = m / (1 - Math.pow(b1, t));
            double vh = v / (1 - Math.pow(b2, t));
            p -= scale * lr * (mh / (Math.sqrt(vh) + eps) + wd * p);
            out[t - 1] = p;
        }
        return out;
    }

    @Test
    void adamAdamwAndMuAdamFollowTheirFormulas() {
        double[] g = {0.3, -1.2, 0.05};
        Adam.Config[] configs = {Adam.Config.adam(1e-2), Adam.Config.adamW(1e-2, 0.1), Adam.Config.muAdam(1e-2)};
        for (Adam.Config c : configs) {
            Optimizer opt = new Adam(c, List.of(HIDDEN), Parallel.serial());
            Parameter p = Parameter.zeros(HIDDEN);
            java.util.Arrays.fill(p.values(), 0.5f);
            double scale = c.useUpdateScale() ? 0.25 : 1.0;
            double[] expect = adamByHand(g, c.lr(), c.beta1(), c.beta2(), c.eps(), c.weightDecay(), scale, 0.5);
            for (int t = 0; t < 3; t++) {
                float[] grad = new float[16];
                java.util.Arrays.fill(grad, (float) g[t]);
                opt.step(List.of(p), List.of(grad));
                assertEquals(expect[t], p.values()[5], 1e-6, c.describe() + " step " + t);
            }
        }
    }

    @Test
    void stateRoundTripsAndSgdMomentumWorks() {
        Optimizer a = Adam.Config.adam(1e-3).create(List.of(HIDDEN));
        Parameter pa = Parameter.zeros(HIDDEN);
        float[] grad = new float[16];
        for (int i = 0; i < 16; i++) {
            grad[i] = i - 7.5f;
        }
        a.step(List.of(pa), List.of(grad));
        Optimizer b = Adam.Config.adam(1e-3).create(List.of(HIDDEN));
        b.restoreState(a.exportState());
        Parameter pb = pa.copy();
        a.step(List.of(pa), List.of(grad));
        b.step(List.of(pb), List.of(grad));
        assertArrayEquals(pa.values(), pb.values());
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, 0.9, false).create(List.of(HIDDEN))
                .restoreState(a.exportState()));

        Optimizer sgd = new Sgd(new Sgd.Config(0.1, 0.5, true), List.of(HIDDEN), Parallel.serial());
        Parameter ps = Parameter.zeros(HIDDEN);
        float[] ones = new float[16];
        java.util.Arrays.fill(ones, 1f);
        sgd.step(List.of(ps), List.of(ones));
        sgd.step(List.of(ps), List.of(ones));
        // b1 = 1, b2 = 1.5; p = −0.1·0.25·(1 + 1.5)
        assertEquals(-0.0625, ps.values()[0], 1e-7);
    }

    @Test
    void badHyperParametersAreRejected() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Adam.Config.adam(-1)).getMessage()
                .contains("learning rate"));
        assertThrows(IllegalArgumentException.class, () -> Adam.Config.adam(1e-3).withBetas(1.0, 0.9));
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(Double.NaN, 0.9, false));
        assertThrows(IllegalArgumentException.class, () -> Adam.Config.adam(1e-3).create(List.of(HIDDEN, HIDDEN)));
    }
}
