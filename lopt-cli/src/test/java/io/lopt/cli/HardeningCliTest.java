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
import org.junit.jupiter.api.Assumptions;
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

    /** A meta-training configuration that runs in a moment (synthetic data, one estimator of 2 pairs). */
    Path tinyConfig(int outerSteps) throws IOException {
        Path cfg = dir.resolve("tiny.yaml");
        Files.writeString(cfg, """
                name: tiny
                seed: 1
                outer_steps: %d
                optimizer: {kind: small_fc_lopt, hidden_sizes: [32, 32], step_mult: 0.01, exp_mult: 0.001, mup: true}
                pes: {pairs: 2, sigma: 0.01, truncation: 3, min_horizon: 6, max_horizon: 12}
                tasks:
                  - {datasets: [synthetic], resolutions: [4], widths: [8], depths: [1], param: mup, batch: 16}
                outer: {lr: 0.003, final_lr: 0.001, warmup: 1, cosine_steps: 1, beta1: 0.9, beta2: 0.999,
                        eps: 1.0e-8, weight_decay: 1.0e-4, clip_norm: 1.0}
                checkpoint_every: 100
                keep_states: 1
                """.formatted(outerSteps));
        return cfg;
    }

    @Test
    void resumeRefusesConfigAndSeedAndHonoursOuterSteps() throws Exception {
        Path run = dir.resolve("run");
        String[] r = LoptCliTest.run("meta-train", "--config", tinyConfig(2).toString(), "--out", run.toString(),
                "--threads", "1");
        assertEquals("0", r[0], r[1] + r[2]);
        assertOneLineError(LoptCliTest.run("meta-train", "--resume", run.toString(), "--config", "quick"),
                "--config cannot change a run being resumed");
        assertOneLineError(LoptCliTest.run("meta-train", "--resume", run.toString(), "--seed", "4"),
                "--seed cannot change a run being resumed");
        assertOneLineError(LoptCliTest.run("meta-train", "--resume", run.toString(), "--outer-steps", "1"),
                "to 1 outer steps: it has done 2 already");
        r = LoptCliTest.run("meta-train", "--resume", run.toString(), "--outer-steps", "3", "--threads", "1");
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("tiny: 3 outer steps") && r[2].contains("run at final_lr 0.001"), r[1] + r[2]);
        assertEquals(3, Files.readAllLines(run.resolve("metrics.jsonl")).size());
    }

    @Test
    void aCurveThatCannotBeWrittenIsOneLine() throws Exception {
        String task = "dataset=synthetic,res=4,width=8,depth=1,batch=8";
        Path missing = dir.resolve("no-such-dir").resolve("c.jsonl");
        assertOneLineError(LoptCliTest.run("train", "--task", task, "--steps", "2", "--curve", missing.toString()),
                "cannot write the loss curve to " + missing + ": directory " + missing.getParent() + " does not exist");
        assertOneLineError(LoptCliTest.run("train", "--task", task, "--steps", "2", "--curve", dir.toString()),
                "cannot write the loss curve to " + dir + ": it is a directory");
    }

    @Test
    void strictConfigurationErrorsAreOneLineAndLeaveNothing() throws Exception {
        Path cfg = dir.resolve("dup.yaml");
        Files.writeString(cfg, "preset: quick\nouter_steps: 5\nouter_steps: 6\n");
        Path run = dir.resolve("run");
        assertOneLineError(LoptCliTest.run("meta-train", "--config", cfg.toString(), "--out", run.toString()),
                "Duplicate field 'outer_steps'");
        assertTrue(!Files.exists(run), "no run directory");
        assertOneLineError(LoptCliTest.run("train", "--task", "dataset=synthetic,width=8,width=16", "--steps", "1"),
                "task spec key 'width' is given twice");
        // a message that quotes a line break (found by ConfigFuzzTest) is still one line
        Files.writeString(cfg, "{\"preset\": \"quick\", \"optimizer\": {\"b\\nc\": 1}}");
        assertOneLineError(LoptCliTest.run("meta-train", "--config", cfg.toString(), "--out", run.toString()),
                "unknown small_fc_lopt configuration key 'optimizer.b\\nc'");
        assertOneLineError(LoptCliTest.run("train", "--task", "width=6\n4", "--steps", "1"),
                "task spec key 'width' needs an integer, got '6\\n4'");
    }

    @Test
    void inspectRefusesAHugeFileWithABadHeaderAtOnce() throws Exception {
        Path f = dir.resolve("sparse.safetensors");
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(2_000_000_000L); // 2 GB of zeros, sparse: header length 0
        }
        // refused from its first 8 bytes (SafetensorsHeaderTest holds that the header length is checked against the
        // file size before anything else is read); no wall-clock assertion: this machine is shared and noisy
        String[] r = LoptCliTest.run("checkpoint", "inspect", f.toString());
        assertEquals("1", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("DAMAGED (CORRUPT): " + f + ": absurd header length 0"), r[1]);
    }

    /** A suite of two runs on the synthetic family (one muadam run per seed). */
    static final String EVAL_SUITE = """
            name: mini
            axis: width
            base: {dataset: synthetic, res: 4, width: 8, depth: 1, batch: 16}
            steps: 12
            seeds: [0, 1]
            tasks: [{width: 8}]
            baselines: [muadam]
            tuning: {steps: 12, seeds: [0], lr_min: 1.0e-3, lr_max: 1.0e-3, lr_count: 1, weight_decay: 0}
            divergence_factor: 2.0
            ranks_at: [1.0]
            """;

    @Test
    void aDamagedRunFileIsNamedByReportAndRedoneByEvaluate() throws Exception {
        Path suite = dir.resolve("suite.yaml");
        Files.writeString(suite, EVAL_SUITE);
        Path out = dir.resolve("eval");
        String[] evaluate = {"evaluate", "--suite", suite.toString(), "--out", out.toString(), "--tuning-cache",
            dir.resolve("cache").toString(), "--threads", "1"};
        String[] r = LoptCliTest.run(evaluate);
        assertEquals("0", r[0], r[1] + r[2]);
        Path run = out.resolve("runs").resolve("synth4-w8-d1").resolve("muadam").resolve("seed-0.json");
        String good = Files.readString(run);
        Files.writeString(run, good.substring(0, good.length() / 2));

        r = LoptCliTest.run("report", out.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        // the parser's reason depends on where the cut falls (end of input, a number cut short, ...)
        assertTrue(r[2].startsWith("lopt: skipped damaged run file " + run + " ("), r[2]);
        assertTrue(r[1].contains("(1 runs)"), r[1]);

        r = LoptCliTest.run(evaluate);
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("damaged run file " + run + " ("), r[1]);
        assertTrue(r[1].contains("): running it again"), r[1]);
        assertEquals(12, new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.toFile()).get("losses").size(),
                "run again");
    }

    @Test
    void sizesThatCannotFitAreRefusedAtOnceLeavingNothing() throws Exception {
        String[] r = LoptCliTest.run("train", "--task", "dataset=synthetic,res=4,width=8,depth=1", "--steps",
                "99999999999", "--curve", dir.resolve("c.jsonl").toString());
        assertOneLineError(r, "--steps 99999999999 is more than a loss curve can hold (at most 2147483639)");
        assertTrue(!Files.exists(dir.resolve("c.jsonl")));

        // 8e8 parameters: 13 GiB with gradients and Adam's moments (the tests run with -Xmx4g)
        Assumptions.assumeTrue(Runtime.getRuntime().maxMemory() < 12L << 30, "a heap this size could hold it");
        r = LoptCliTest.run("train", "--task", "width=20000,res=8,depth=3", "--steps", "10", "--curve",
                dir.resolve("c.jsonl").toString());
        assertOneLineError(r, "training fmnist8-w20000-d3-mup for 10 steps needs about ");
        assertTrue(r[2].contains("of memory, but this JVM may use at most ") && r[2].contains("(Runtime.maxMemory)")
                && (r[2].contains("LOPT_JAVA_OPTS=-Xmx") || r[2].contains("more than this machine's")), r[2]);

        Path cfg = dir.resolve("big.yaml");
        Files.writeString(cfg, "preset: quick\npes: {pairs: 100000000}\n");
        Path run = dir.resolve("run");
        r = LoptCliTest.run("meta-train", "--config", cfg.toString(), "--out", run.toString());
        assertOneLineError(r, "meta-training quick (1 estimator(s) x 100000000 pairs) needs about ");
        assertTrue(r[2].contains(" TiB of memory"), r[2]);
        assertTrue(!Files.exists(run), "a refused meta-train leaves no run directory");

        Path suite = dir.resolve("wide.yaml");
        Files.writeString(suite, EVAL_SUITE.replace("tasks: [{width: 8}]", "tasks: [{width: 8}, {width: 20000, depth: 3}]"));
        Path out = dir.resolve("eval");
        r = LoptCliTest.run("evaluate", "--suite", suite.toString(), "--out", out.toString(), "--threads", "1");
        assertOneLineError(r, "evaluating suite mini with 1 thread(s) needs about ");
        assertTrue(!Files.exists(out), "a refused evaluation leaves no directory");
    }
}
