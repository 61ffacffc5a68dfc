package io.lopt.metatrain.outer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OuterTest {
    @Test
    void scheduleWarmsUpThenFollowsACosineThenStaysFlat() {
        WarmupCosineSchedule s = new WarmupCosineSchedule(3e-3, 1e-3, 100, 4800);
        assertEquals(3e-5, s.at(0), 1e-12);
        assertEquals(3e-3, s.at(99), 1e-12);
        assertEquals(3e-3, s.at(100), 1e-12);
        assertEquals(2e-3, s.at(100 + 2400), 1e-12, "half-way down the cosine");
        assertEquals(1e-3, s.at(4900), 1e-12);
        assertEquals(1e-3, s.at(10_000), 1e-12);
    }

    @Test
    void adamWUpdateIsClippedToTheGlobalNorm() {
        OuterAdamW a = new OuterAdamW(2, 0.9, 0.999, 1e-8, 0, 1.0);
        float[] theta = {0, 0};
        // first step: m̂ = g, v̂ = g², update = lr · sign(g) per coordinate
        double n = a.update(theta, new double[] {3, -4}, 0.1);
        assertEquals(0.1 * Math.sqrt(2), n, 1e-6);
        assertEquals(-0.1, theta[0], 1e-6);
        assertEquals(0.1, theta[1], 1e-6);
        OuterAdamW b = new OuterAdamW(2, 0.9, 0.999, 1e-8, 0, 1.0);
        float[] t2 = {0, 0};
        double n2 = b.update(t2, new double[] {3, -4}, 10.0);
        assertEquals(1.0, n2, 1e-9, "clipped");
        assertEquals(-Math.sqrt(0.5), t2[0], 1e-6);
        OuterAdamW c = new OuterAdamW(1, 0.9, 0.999, 1e-8, 0.5, 0);
        float[] t3 = {2};
        c.update(t3, new double[] {0}, 0.1);
        assertEquals(2 - 0.1 * 0.5 * 2, t3[0], 1e-6, "decoupled weight decay");
    }
}
