package io.lopt.optimizees.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MinibatchesTest {
    static Split split(int n) {
        float[] x = new float[n * 2];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            y[i] = i % 3;
        }
        return new Split(x, y, n, 2);
    }

    @Test
    void sameSeedSameBatchesAnyOrder() {
        Minibatches a = new Minibatches(split(100), 8, 5);
        Minibatches b = new Minibatches(split(100), 8, 5);
        float[] xa = new float[16];
        float[] xb = new float[16];
        int[] ya = new int[8];
        int[] yb = new int[8];
        b.batch(40, xb, yb); // visiting in another order does not change batch 3
        a.batch(3, xa, ya);
        b.batch(3, xb, yb);
        assertArrayEquals(xa, xb);
        assertArrayEquals(ya, yb);
        Minibatches c = new Minibatches(split(100), 8, 6);
        c.batch(3, xb, yb);
        assertFalse(Arrays.equals(xa, xb), "another seed gives another order");
    }

    @Test
    void anEpochVisitsEachExampleAtMostOnce() {
        Minibatches m = new Minibatches(split(100), 8, 1);
        Set<Float> seen = new HashSet<>();
        float[] x = new float[16];
        int[] y = new int[8];
        for (int t = 0; t < 12; t++) { // 12 full batches per epoch of 100
            m.batch(t, x, y);
            for (int i = 0; i < 8; i++) {
                seen.add(x[2 * i]);
                assertEquals((int) x[2 * i] % 3, y[i]);
            }
        }
        assertEquals(96, seen.size());
    }

    @Test
    void batchLargerThanDataIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Minibatches(split(10), 11, 0));
    }
}
