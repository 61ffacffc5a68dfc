package io.lopt.evaluation;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.evaluation.suites.Suites;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Suite files are read as strictly as meta-training configurations. */
class SuiteStrictTest {
    @TempDir
    Path dir;

    String error(String yaml) throws Exception {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, yaml);
        String m = assertThrows(IllegalArgumentException.class, () -> Suites.load(f.toString())).getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        return m;
    }

    static void assertContains(String fragment, String message) {
        assertTrue(message.contains(fragment), "'" + message + "' should contain '" + fragment + "'");
    }

    @Test
    void fractionsStringsAndRepeatedKeysAreRejectedByName() throws Exception {
        String tiny = EvaluationEndToEndTest.TINY;
        Files.writeString(dir.resolve("ok.yaml"), tiny);
        Suites.load(dir.resolve("ok.yaml").toString());
        assertContains("steps must be an integer, got 30.5", error(tiny.replace("steps: 30\n", "steps: 30.5\n")));
        assertContains("steps must be an integer, got the string \"30\"",
                error(tiny.replace("steps: 30\n", "steps: \"30\"\n")));
        assertContains("tasks[1].width must be an integer, got 24.5", error(tiny.replace("width: 24", "width: 24.5")));
        assertContains("Duplicate field 'steps'", error(tiny.replace("steps: 30\n", "steps: 30\nsteps: 40\n")));
        assertContains("Duplicate field 'width'", error(tiny.replace("width: 24", "width: 24, width: 48")));
        assertContains("Fashion-MNIST resolution must be in {8, 14, 28}, got 7",
                error(tiny.replace("dataset: synthetic, res: 4", "dataset: fashion-mnist, res: 7")));
    }
}
