package io.lopt.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
