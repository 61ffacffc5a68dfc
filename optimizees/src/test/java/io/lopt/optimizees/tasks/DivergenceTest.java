package io.lopt.optimizees.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DivergenceTest {
    /** The first step at which the rule says "diverged", or -1. */
    static int divergesAt(double factor, double... losses) {
        Divergence d = new Divergence(factor);
        for (int s = 0; s < losses.length; s++) {
            if (d.observe(losses[s])) {
                return s;
            }
        }
        return -1;
    }

    static double[] constant(int n, double v) {
        double[] x = new double[n];
        java.util.Arrays.fill(x, v);
        return x;
    }

    @Test
    void aSingleNoisySpikeDoesNotCount() {
        double[] l = constant(200, 2.3);
        l[50] = 10.0; // 4.3× the first loss: the old rule (one loss above 2×) stopped the run here
        l[120] = 40.0; // even 17×: the window's mean is (19 · 2.3 + 40) / 20 = 4.19 < 4.6
        assertEquals(-1, divergesAt(2.0, l));
    }

    @Test
    void aSustainedBlowUpCountsOnceTheWindowMeanPassesTheThreshold() {
        double[] l = constant(100, 1.0);
        for (int s = 30; s < l.length; s++) {
            l[s] = 5.0;
        }
        // at step 29 + k the window holds k losses of 5 and 20 − k of 1: mean 1 + 4k/20 > 2 first for k = 6
        assertEquals(35, divergesAt(2.0, l));
        assertEquals(-1, divergesAt(6.0, l), "a plateau at 5× does not pass a factor of 6");
    }

    @Test
    void aNonFiniteLossCountsAtOnceAndAnEarlyBlowUpAtTheFullWindow() {
        assertEquals(0, divergesAt(2.0, Double.NaN));
        assertEquals(3, divergesAt(2.0, 1, 1, 1, Double.POSITIVE_INFINITY));
        assertEquals(3, divergesAt(0, 1, 1, 1, Double.NaN), "factor 0: only non-finite losses");
        assertEquals(-1, divergesAt(0, 1, 1e6, 1e6));
        double[] early = constant(40, 100.0);
        early[0] = 1.0;
        assertEquals(Divergence.WINDOW - 1, divergesAt(2.0, early), "the first full window");
        assertFalse(new Divergence(2.0).observe(1e30), "one finite loss is never a divergence");
        assertTrue(Divergence.describe(2.0).contains("last 20 minibatch losses"));
    }
}
