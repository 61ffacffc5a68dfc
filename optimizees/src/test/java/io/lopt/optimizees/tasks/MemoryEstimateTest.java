package io.lopt.optimizees.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.kernels.Parallel;
import io.lopt.optim.Adam;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MemoryEstimateTest {
    static final long GIB = 1L << 30;

    @Test
    void parametersMatchTheModel() {
        for (String t : new String[] {"dataset=synthetic,res=4,width=8,depth=1", "res=8,width=64,depth=3",
            "res=28,width=128,depth=4"}) {
            TaskSpec s = TaskSpec.parse(t);
            assertEquals(new io.lopt.optimizees.models.Mlp(s.resolution() * s.resolution(), s.width(), s.depth(), 10,
                    s.param()).parameterCount(), MemoryEstimate.parameters(s), 0, t);
        }
    }

    @Test
    void aRunThatDoesNotFitIsRefusedInOneLineSayingHowMuchAndHow() {
        MemoryEstimate.require(3.0 * GIB, "x", "smaller", 4 * GIB, 32 * GIB); // fits
        String m = assertThrows(IllegalArgumentException.class,
                () -> MemoryEstimate.require(12.4 * GIB, "training w", "make it smaller", 4 * GIB, 32 * GIB)).getMessage();
        assertEquals("training w needs about 12 GiB of memory, but this JVM may use at most 4.0 GiB (Runtime.maxMemory);"
                + " give it more with LOPT_JAVA_OPTS=-Xmx16g, or make it smaller", m);
        m = assertThrows(IllegalArgumentException.class,
                () -> MemoryEstimate.require(3e13, "meta-training", "fewer pairs", 4 * GIB, 32 * GIB)).getMessage();
        assertTrue(m.startsWith("meta-training needs about 27 TiB of memory") && m.endsWith(
                "that is more than this machine's 32 GiB: fewer pairs"), m);
        assertFalse(m.contains("\n"));
    }

    @Test
    void theEstimateIsInTheBallparkOfWhatATrainingRunHolds() {
        TaskSpec s = TaskSpec.parse("dataset=synthetic,res=8,width=1024,depth=3,batch=64");
        Task t = Task.build(s, (Path) null);
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long before = rt.totalMemory() - rt.freeMemory();
        Object[] keep = {t.init(), t.newWorkspace(), Adam.Config.adamW(1e-3, 0).create(t.specs())};
        System.gc();
        long held = rt.totalMemory() - rt.freeMemory() - before;
        double estimate = MemoryEstimate.trainingBytes(s, MemoryEstimate.ADAM_STATE_FLOATS);
        // within a factor of 2 either way (the heap rounds large arrays up to its regions)
        assertTrue(keep.length == 3 && estimate > 0.5 * held && estimate < 2 * held,
                "estimate " + estimate + " bytes, held " + held);
        Training.run(t, Adam.Config.adamW(1e-3, 0), new Training.Options(2, 0, false), null, Parallel.serial());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Training.Options(Training.MAX_STEPS + 1, 0,
                false)).getMessage().contains("at most 2147483639"));
    }
}
