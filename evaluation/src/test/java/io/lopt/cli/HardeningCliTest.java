package io.lopt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.kernels.Parallel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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

    @Test
    void aRunDirectoryInUseByAnotherProcessIsRefusedNamingTheHolder() throws Exception {
        Path run = dir.resolve("run");
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(), run.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String line = in.readLine();
            assertTrue(line != null && line.startsWith("locked "), String.valueOf(line));
            String pid = "pid " + holder.pid() + ", lopt meta-train, started ";
            // (the options after the lock make each command fail fast should it not lock first)
            assertOneLineError(LoptCliTest.run("meta-train", "--config", "quick", "--outer-steps", "1", "--out",
                    run.toString()), run + " is in use by another lopt process (" + pid);
            assertOneLineError(LoptCliTest.run("meta-train", "--resume", run.toString(), "--threads", "1"), pid);
            assertOneLineError(LoptCliTest.run("evaluate", "--suite", "quick", "--lo", dir.resolve("none").toString(),
                    "--out", run.toString()), pid);
            assertOneLineError(LoptCliTest.run("quickstart", "--out", run.toString(), "--threads", "0"), pid);
            assertEquals(List.of(RunLock.FILE), fileNames(run), "nothing was written next to the lock");
        } finally {
            holder.getOutputStream().close();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        // released when its holder ends: the directory can be locked again, and inside one JVM too
        try (RunLock again = RunLock.acquire(run, "meta-train", false)) {
            assertOneLineError(LoptCliTest.run("meta-train", "--config", "quick", "--out", run.toString()),
                    "pid " + ProcessHandle.current().pid());
        }
        try (RunLock again = RunLock.acquire(run, "meta-train", false)) {
            assertTrue(again != null, "released by close");
        }
    }

    static List<String> fileNames(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
