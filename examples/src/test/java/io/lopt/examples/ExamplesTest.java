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

    @Test
    void djlsTrainerTrainsTheMuPModelWithTheShippedOptimizerAndResumes() throws Exception {
        assertFallsAndKeepsFallingAfterTheRestore(DjlTrainerLoop.run(200, dir));
    }

    @Test
    void aDl4jNetworkTrainsWithTheShippedOptimizerAndResumes() throws Exception {
        assertFallsAndKeepsFallingAfterTheRestore(Dl4jNetworkLoop.run(200, dir));
    }

    /**
     * Of a 200-step run restored from disk at step 100: the mean loss of steps 180..199 is below 0.8 × the first loss,
     * and below the mean of steps 80..99 (before the restore).
     */
    private static void assertFallsAndKeepsFallingAfterTheRestore(float[] losses) {
        float before = 0;
        float last = 0;
        for (int t = 0; t < 20; t++) {
            before += losses[80 + t] / 20;
            last += losses[180 + t] / 20;
        }
        assertTrue(last < 0.8 * losses[0], "the loss falls: " + losses[0] + " -> " + last);
        assertTrue(last < before, "and keeps falling after the restore from disk: " + before + " -> " + last);
    }

    /**
     * A README code block that follows a mention of an example's file is copied from it: every line of the block is a
     * line of the example (indentation aside), so the snippet compiles and runs as the tests run it.
     */
    @Test
    void readmeSnippetsAreCopiedFromTheExamples() throws Exception {
        java.util.List<String> readme = java.nio.file.Files.readAllLines(Path.of("..", "README.md"));
        java.util.regex.Pattern ref = java.util.regex.Pattern.compile("examples/src/main/java/io/lopt/examples/(\\w+)\\.java");
        int checked = 0;
        for (int i = 0; i < readme.size(); i++) {
            java.util.regex.Matcher m = ref.matcher(readme.get(i));
            if (!m.find()) {
                continue;
            }
            int start = i + 1;
            while (start < readme.size() && start <= i + 3 && !readme.get(start).startsWith("```java")) {
                start++;
            }
            if (start >= readme.size() || !readme.get(start).startsWith("```java")) {
                continue; // a mention without a snippet
            }
            java.util.Set<String> source = new java.util.HashSet<>();
            for (String l : java.nio.file.Files.readAllLines(Path.of("src/main/java/io/lopt/examples", m.group(1) + ".java"))) {
                source.add(l.strip());
            }
            for (int j = start + 1; !readme.get(j).startsWith("```"); j++) {
                String line = readme.get(j).strip();
                assertTrue(line.isEmpty() || source.contains(line), "README line " + (j + 1) + " is not in "
                        + m.group(1) + ".java: " + line);
            }
            checked++;
        }
        assertTrue(checked >= 1, "the README shows at least one example");
    }
}
