package io.lopt.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExamplesTest {
    @TempDir
    Path dir;

    @Test
    void thePlainJavaLoopTrainsAndResumesExactly() throws Exception {
        PlainJavaLoop.Outcome o = PlainJavaLoop.run(200, dir);
        float first = o.losses()[0];
        float last = 0;
        for (int t = 180; t < 200; t++) {
            last += o.losses()[t] / 20;
        }
        assertTrue(last < 0.8 * first, "the loss falls: " + first + " -> " + last);
        assertTrue(o.resumedExactly(), "the optimizer restored from disk continues bit-exactly");
    }
}
