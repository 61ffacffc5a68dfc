package io.lopt.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RngTest {
    @Test
    void streamsAreReproducibleAndIndependent() {
        assertEquals(Rng.derive(5, 1, 2).nextLong(), Rng.derive(5, 1, 2).nextLong());
        assertNotEquals(Rng.derive(5, 1, 2).nextLong(), Rng.derive(5, 2, 1).nextLong());
        Rng a = new Rng(9);
        a.nextLong();
        Rng b = new Rng(a.state());
        assertEquals(a.nextLong(), b.nextLong(), "the state is the whole generator");
    }

    @Test
    void distributionsHaveTheRightMoments() {
        Rng r = new Rng(1);
        int n = 200_000;
        double s = 0;
        double sq = 0;
        double ts = 0;
        double tmax = 0;
        int[] counts = new int[7];
        for (int i = 0; i < n; i++) {
            double g = r.nextGaussian();
            s += g;
            sq += g * g;
            double t = r.nextTruncatedGaussian();
            ts += t * t;
            tmax = Math.max(tmax, Math.abs(t));
            counts[r.nextInt(7)]++;
        }
        assertEquals(0, s / n, 0.01);
        assertEquals(1, sq / n, 0.01);
        // variance of a standard normal truncated at ±2: 1 − 4φ(2)/(2Φ(2) − 1) ≈ 0.7737
        assertEquals(0.7737, ts / n, 0.01);
        assertTrue(tmax <= 2.0);
        for (int c : counts) {
            assertEquals(n / 7.0, c, n / 7.0 * 0.03);
        }
        double lu = new Rng(3).nextLogUniform(100, 1000);
        assertTrue(lu >= 100 && lu <= 1000);
    }
}
