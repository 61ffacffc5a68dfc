package io.lopt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.kernels.Parallel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line refuses what would hurt the machine or the user's files, in one line (issue 18). */
class HardeningCliTest {
    @TempDir
    Path dir;

    /** One line on standard error, prefixed lopt:, exit code 2, containing {@code fragment}. */
    static void assertOneLineError(String[] r, String fragment) {
        assertEquals("2", r[0], r[1] + r[2]);
        assertTrue(r[2].startsWith("lopt: ") && r[2].strip().lines().count() == 1, r[2]);
        assertTrue(r[2].contains(fragment), r[2]);
    }

    @Test
    void threadsAreCappedAtFourPerProcessor() {
        int tooMany = Parallel.maxThreads() + 1;
        String[] r = LoptCliTest.run("train", "--task", "dataset=synthetic,res=4,width=8,depth=1,batch=8", "--steps",
                "1", "--curve", dir.resolve("c.jsonl").toString(), "--threads", String.valueOf(tooMany));
        assertOneLineError(r, "--threads " + tooMany + " is more than 4 per available processor");
        r = LoptCliTest.run("bench", "lo-step", "--rows", "1", "--cols", "1", "--steps", "1", "--threads",
                String.valueOf(tooMany));
        assertOneLineError(r, "--threads " + tooMany + " is more than 4 per available processor");
    }
}
