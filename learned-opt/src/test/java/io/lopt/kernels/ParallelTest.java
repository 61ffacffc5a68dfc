package io.lopt.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void everyIndexRunsExactlyOnceEvenWhenNested() {
        try (Parallel par = Parallel.of(3)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(40 * 25);
            par.forEach(40, i -> par.forEach(25, j -> hits.incrementAndGet(i * 25 + j)));
            for (int i = 0; i < hits.length(); i++) {
                assertEquals(1, hits.get(i), "index " + i);
            }
        }
    }

    @Test
    void exceptionsPropagateToTheCaller() {
        try (Parallel par = Parallel.of(2)) {
            assertThrows(IllegalStateException.class, () -> par.forEach(10, i -> {
                if (i == 7) {
                    throw new IllegalStateException("boom");
                }
            }));
        }
        assertThrows(IllegalArgumentException.class, () -> Parallel.of(0));
    }

    @Test
    void loptThreadsIsCappedAtFourPerProcessor() {
        String old = System.getProperty("lopt.threads");
        try {
            System.setProperty("lopt.threads", String.valueOf(Parallel.maxThreads()));
            assertEquals(Parallel.maxThreads(), Parallel.defaultThreads());
            System.setProperty("lopt.threads", String.valueOf(Parallel.maxThreads() + 1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Parallel::defaultThreads);
            assertTrue(e.getMessage().contains("more than 4 per available processor"), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty("lopt.threads");
            } else {
                System.setProperty("lopt.threads", old);
            }
        }
    }
}
