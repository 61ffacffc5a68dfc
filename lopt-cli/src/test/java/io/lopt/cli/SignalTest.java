package io.lopt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.checkpoints.StateCheckpoint;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM during meta-training writes a state checkpoint and exits cleanly; the run then resumes. */
class SignalTest {
    @TempDir
    Path dir;

    @Test
    void sigtermWritesAStateCheckpointAndTheRunResumes() throws Exception {
        Path cfg = dir.resolve("c.yaml");
        Files.writeString(cfg, """
                name: signal
                seed: 1
                outer_steps: 100000
                optimizer: {kind: small_fc_lopt, hidden_sizes: [32, 32], step_mult: 0.01, exp_mult: 0.001, mup: true}
                pes: {pairs: 2, sigma: 0.01, truncation: 5, min_horizon: 10, max_horizon: 20}
                tasks:
                  - {datasets: [synthetic], resolutions: [4], widths: [16], depths: [2], param: mup, batch: 32}
                outer: {lr: 0.003, final_lr: 0.001, warmup: 5, cosine_steps: 100, beta1: 0.9, beta2: 0.999,
                        eps: 1.0e-8, weight_decay: 1.0e-4, clip_norm: 1.0}
                checkpoint_every: 1000000
                keep_states: 2
                """);
        Path run = dir.resolve("run");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Lopt.class.getName());
        cmd.addAll(List.of("meta-train", "--config", cfg.toString(), "--out", run.toString(), "--threads", "1"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile())
                .start();
        Path metrics = run.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while ((!Files.exists(metrics) || Files.readAllLines(metrics).size() < 5) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(metrics), "the run started");
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exits after the signal");
        String out = Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8);
        assertTrue(out.contains("state saved"), out);
        List<Path> states = StateCheckpoint.list(run);
        assertEquals(1, states.size(), "a state checkpoint at the stop (checkpoint_every is far away)");
        long step = StateCheckpoint.read(states.get(0)).step();
        assertTrue(step >= 5, "stopped after step " + step);
        assertTrue(Files.exists(run.resolve("lo.safetensors")));
        assertEquals(File.separatorChar == '/' ? 143 : p.exitValue(), p.exitValue(), "terminated by SIGTERM, cleanly");
    }
}
