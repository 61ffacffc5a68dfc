package io.lopt.optimizees.tasks;

import static io.lopt.optimizees.tasks.TaskSpecTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A repeated key and a Fashion-MNIST resolution the help does not list are refused, not silently taken. */
class TaskSpecStrictTest {
    @Test
    void repeatedKeysAndOtherResolutionsAreRejected() {
        assertMessage("task spec key 'width' is given twice", () -> TaskSpec.parse("width=64,depth=2,width=128"));
        assertMessage("Fashion-MNIST resolution must be in {8, 14, 28}, got 7", () -> TaskSpec.parse("res=7"));
        for (int r : new int[] {8, 14, 28}) {
            assertEquals(r, TaskSpec.parse("res=" + r).resolution());
        }
        assertEquals(7, TaskSpec.parse("dataset=synthetic,res=7").resolution(), "synthetic takes any side in [1, 64]");
    }
}
