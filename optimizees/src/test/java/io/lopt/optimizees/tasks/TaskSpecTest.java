package io.lopt.optimizees.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.optimizees.models.Parametrization;
import io.lopt.util.Rng;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskSpecTest {
    @Test
    void parsesAndPrintsRoundTrip() {
        TaskSpec s = TaskSpec.parse("dataset=synthetic,res=8,width=64,depth=2,param=sp,batch=32,seed=9");
        assertEquals(new TaskSpec("synthetic", 8, 64, 2, Parametrization.SP, 32, 9), s);
        assertEquals(s, TaskSpec.parse(s.toString()));
        assertEquals(TaskSpec.DEFAULT.withWidth(256), TaskSpec.parse("width=256"));
    }

    @Test
    void invalidSpecsGetErrorsNamingTheProblem() {
        assertMessage("width must be at least 1", () -> TaskSpec.parse("width=0"));
        assertMessage("unknown dataset 'cifar'", () -> TaskSpec.parse("dataset=cifar"));
        assertMessage("unknown task spec key 'widht'", () -> TaskSpec.parse("widht=3"));
        assertMessage("needs an integer", () -> TaskSpec.parse("depth=three"));
        assertMessage("unknown parametrization", () -> TaskSpec.parse("param=ntk"));
        assertMessage("not key=value", () -> TaskSpec.parse("width"));
        assertMessage("resolution must be in", () -> TaskSpec.parse("res=29"));
    }

    @Test
    void batchLargerThanTheDataIsRejectedWhenBuilt() {
        TaskSpec s = TaskSpec.parse("dataset=synthetic,res=4,batch=100000");
        assertMessage("larger than the 8192 training examples", () -> Task.build(s, (java.nio.file.Path) null));
    }

    @Test
    void distributionSamplesFromItsListsReproducibly() {
        TaskDistribution d = new TaskDistribution(List.of("synthetic"), List.of(8), List.of(16, 32, 64), List.of(2, 3),
                Parametrization.MUP, 64);
        TaskSpec a = d.sample(new Rng(3));
        assertEquals(a, d.sample(new Rng(3)));
        for (int i = 0; i < 50; i++) {
            TaskSpec s = d.sample(new Rng(i));
            assertTrue(List.of(16, 32, 64).contains(s.width()));
            assertTrue(List.of(2, 3).contains(s.depth()));
        }
        assertMessage("widths must not be empty", () -> new TaskDistribution(List.of("synthetic"), List.of(8), List.of(),
                List.of(2), Parametrization.MUP, 64));
        assertMessage("width must be at least 1", () -> new TaskDistribution(List.of("synthetic"), List.of(8),
                List.of(0), List.of(2), Parametrization.MUP, 64));
    }

    static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(fragment), "message '" + ex.getMessage() + "' should contain '" + fragment + "'");
    }
}
