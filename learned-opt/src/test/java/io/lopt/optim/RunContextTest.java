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
    void factoriesSayWhetherTheyNeedTheRunsLength() {
        io.lopt.optim.lo.LoptConfig mulo = io.lopt.optim.lo.LoptConfig.mulo();
        org.junit.jupiter.api.Assertions.assertFalse(Adam.Config.adam(1e-3).needsHorizon());
        org.junit.jupiter.api.Assertions.assertFalse(mulo.withTheta(mulo.initialTheta(1)).needsHorizon());
        org.junit.jupiter.api.Assertions.assertTrue(mulo.withDecayTo(0.1).withTheta(mulo.initialTheta(1)).needsHorizon());
        org.junit.jupiter.api.Assertions.assertTrue(mulo.withTimeReference(100).withTheta(mulo.initialTheta(1))
                .needsHorizon());
        io.lopt.optim.velo.VeloConfig v = io.lopt.optim.velo.VeloConfig.muVelo();
        org.junit.jupiter.api.Assertions.assertTrue(v.withTheta(v.initialTheta(1)).needsHorizon());
        org.junit.jupiter.api.Assertions.assertTrue(v.withTheta(v.initialTheta(1)).needsLoss(), "VeLO reads the loss");
        org.junit.jupiter.api.Assertions.assertFalse(mulo.withDecayTo(0.1).withTheta(mulo.initialTheta(1)).needsLoss());
        org.junit.jupiter.api.Assertions.assertFalse(Adam.Config.adam(1e-3).needsLoss());
        org.junit.jupiter.api.Assertions.assertTrue(io.lopt.optim.transform.Chain.of(v.withTheta(v.initialTheta(1)),
                new io.lopt.optim.transform.ClipByGlobalNorm(1.0)).needsLoss(), "a chain reads what its optimizer reads");
        org.junit.jupiter.api.Assertions.assertTrue(io.lopt.optim.transform.Chain.of(Adam.Config.adam(1e-3),
                io.lopt.optim.transform.ScaleByWarmupCosine.paper()).needsHorizon());
        org.junit.jupiter.api.Assertions.assertFalse(io.lopt.optim.transform.Chain.of(Adam.Config.adam(1e-3),
                new io.lopt.optim.transform.ClipByGlobalNorm(1.0)).needsHorizon());
    }

    @Test
    void invalidContextsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> RunContext.of(-1, Parallel.serial()));
        assertThrows(NullPointerException.class, () -> RunContext.of(10, null));
    }
}
