package io.lopt.optim.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lopt.kernels.Parallel;
import io.lopt.util.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClipByGlobalNormTest {
    static final ClipByGlobalNorm CLIP = new ClipByGlobalNorm(1.0);

    static List<float[]> copy(List<float[]> xs) {
        List<float[]> c = new ArrayList<>();
        xs.forEach(x -> c.add(x.clone()));
        return c;
    }

    @Test
    void theNormIsTakenOverAllTensorsTogether() {
        // tensor a = (3), tensor b = (4): global norm 5 → (0.6, 0.8); clipping each tensor alone would give (1, 1)
        List<float[]> u = List.of(new float[] {3}, new float[] {4});
        CLIP.apply(0, List.of(), u, Parallel.serial());
        assertEquals(0.6f, u.get(0)[0], 1e-7f);
        assertEquals(0.8f, u.get(1)[0], 1e-7f);
    }

    @Test
    void aLargerUpdateIsScaledToNormOneAndASmallerOneIsUntouched() {
        // awkward sizes, one longer than a chunk (2^15), so that the chunked sum is exercised
        Rng rng = new Rng(7);
        List<float[]> big = new ArrayList<>();
        for (int n : new int[] {33_001, 7, 1, 40_000}) {
            float[] a = new float[n];
            rng.fillNormal(a, 0.05);
            big.add(a);
        }
        double before = ClipByGlobalNorm.globalNorm(big, Parallel.serial());
        assertEquals(Math.sqrt(73_009) * 0.05, before, 0.05 * before, "sanity: the norm of the random update");
        List<float[]> clipped = copy(big);
        CLIP.apply(0, List.of(), clipped, Parallel.of(2));
        assertEquals(1.0, ClipByGlobalNorm.globalNorm(clipped, Parallel.serial()), 1e-6);
        for (int t = 0; t < big.size(); t++) {
            for (int i = 0; i < big.get(t).length; i += 997) {
                assertEquals(big.get(t)[i] / before, clipped.get(t)[i], 1e-6 * Math.abs(clipped.get(t)[i]) + 1e-12,
                        "the direction is kept");
            }
        }

        List<float[]> small = List.of(new float[] {0.3f, -0.4f}, new float[] {0.5f});
        List<float[]> kept = copy(small);
        CLIP.apply(0, List.of(), kept, Parallel.serial());
        for (int t = 0; t < small.size(); t++) {
            assertArrayEquals(small.get(t), kept.get(t), "norm √0.5 < 1: not touched");
        }
    }

    @Test
    void theNormDoesNotDependOnTheThreadCount() {
        Rng rng = new Rng(11);
        List<float[]> u = new ArrayList<>();
        for (int n : new int[] {100_003, 65_536, 3}) {
            float[] a = new float[n];
            rng.fillNormal(a, 1.0);
            u.add(a);
        }
        List<float[]> a = copy(u);
        List<float[]> b = copy(u);
        try (Parallel four = Parallel.of(4)) {
            assertEquals(ClipByGlobalNorm.globalNorm(u, Parallel.serial()), ClipByGlobalNorm.globalNorm(u, four), 0);
            CLIP.apply(0, List.of(), a, Parallel.serial());
            CLIP.apply(0, List.of(), b, four);
        }
        for (int t = 0; t < u.size(); t++) {
            assertArrayEquals(a.get(t), b.get(t));
        }
    }

    @Test
    void badNormsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ClipByGlobalNorm(0));
        assertThrows(IllegalArgumentException.class, () -> new ClipByGlobalNorm(Double.POSITIVE_INFINITY));
    }
}
