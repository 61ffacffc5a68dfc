package io.lopt.optim;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lopt.kernels.Parallel;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunContextTest {
    /** Every optimizer factory of the project runs its kernels on the context's threads, not on a global pool. */
    @Test
    void everyFactoryOfTheProjectHonoursTheContextsThreads() throws Exception {
        for (Class<?> c : List.of(Adam.Config.class, Sgd.Config.class, io.lopt.optim.transform.Chain.class,
                io.lopt.optim.lo.SmallFcLopt.class, io.lopt.optim.velo.Velo.class)) {
            assertNotEquals(OptimizerFactory.class,
                    c.getMethod("create", List.class, RunContext.class).getDeclaringClass(),
                    c.getSimpleName() + " must override create(specs, RunContext)");
        }
    }

    @Test
    void invalidContextsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> RunContext.of(-1, Parallel.serial()));
        assertThrows(NullPointerException.class, () -> RunContext.of(10, null));
    }
}
