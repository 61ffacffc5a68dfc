package io.lopt.metatrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.kernels.Parallel;
import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.metatrain.config.Presets;
import io.lopt.optim.lo.SmallFcLopt;
import io.lopt.optimizees.tasks.Task;
import io.lopt.optimizees.tasks.TaskSpec;
import io.lopt.optimizees.tasks.Training;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetaTrainerTest {
    @TempDir
    Path dir;

    /** A tiny configuration on the synthetic family (no files needed). */
    static MetaTrainConfig tiny(int outerSteps) {
        String yaml = """
                name: tiny
                seed: 3
                outer_steps: %d
                optimizer: {kind: small_fc_lopt, hidden_sizes: [32, 32], step_mult: 0.01, exp_mult: 0.001, mup: true}
                pes: {pairs: 4, sigma: 0.01, truncation: 5, min_horizon: 20, max_horizon: 40}
                tasks:
                  - {datasets: [synthetic], resolutions: [4], widths: [16], depths: [2], param: mup, batch: 32}
                  - {datasets: [synthetic], resolutions: [4], widths: [24], depths: [2], param: mup, batch: 32}
                outer: {lr: 0.003, final_lr: 0.001, warmup: 5, cosine_steps: %d, beta1: 0.9, beta2: 0.999,
                        eps: 1.0e-8, weight_decay: 1.0e-4, clip_norm: 1.0}
                checkpoint_every: 4
                keep_states: 2
                """.formatted(outerSteps, Math.max(0, outerSteps - 5));
        return Presets.fromYaml(yaml, "tiny");
    }

    @Test
    void thetaDoesNotDependOnTheThreadCount() {
        MetaTrainer one = new MetaTrainer(tiny(6), null, Parallel.serial());
        MetaTrainer two = new MetaTrainer(tiny(6), null, Parallel.of(2));
        for (int i = 0; i < 6; i++) {
            one.step();
            two.step();
        }
        assertArrayEquals(one.theta(), two.theta());
        assertFalse(java.util.Arrays.equals(one.theta(), new MetaTrainer(tiny(6), null, Parallel.serial()).theta()),
                "θ moved");
    }

    @Test
    void oneEstimatorPerTaskFamilyMetaTrainsAndResumesExactly() throws Exception {
        String yaml = """
                name: mixed
                seed: 5
                outer_steps: 4
                optimizer: {kind: small_fc_lopt, hidden_sizes: [8, 8], step_mult: 0.01, exp_mult: 0.001, mup: true,
                            time_reference: 1000, decay_to: 0.1}
                pes: {pairs: 2, sigma: 0.01, truncation: 4, min_horizon: 8, max_horizon: 16}
                tasks:
                  - {datasets: [synthetic], resolutions: [4], widths: [8], depths: [1], param: mup, batch: 16}
                  - {family: vit, options: {dataset: [synthetic], res: [4], patch: [2], heads: [2]}, widths: [8],
                     depths: [1], param: mup, batch: 8}
                outer: {lr: 0.003, final_lr: 0.001, warmup: 1, cosine_steps: 3, beta1: 0.9, beta2: 0.999,
                        eps: 1.0e-8, weight_decay: 1.0e-4, clip_norm: 1.0}
                checkpoint_every: 2
                keep_states: 2
                """;
        MetaTrainConfig c = Presets.fromYaml(yaml, "mixed");
        assertEquals("vit", c.tasks().get(1).distribution().family());
        MetaTrainingRun full = MetaTrainingRun.create(dir.resolve("m1"), c, false, null, Parallel.of(2));
        assertTrue(full.run(new MetaTrainingRun.Listener() { }, () -> false));
        MetaTrainingRun part = MetaTrainingRun.create(dir.resolve("m2"), c, false, null, Parallel.of(2));
        int[] calls = {0};
        assertFalse(part.run(new MetaTrainingRun.Listener() { }, () -> calls[0]++ >= 2));
        MetaTrainingRun resumed = MetaTrainingRun.resume(dir.resolve("m2"), null, Parallel.serial(), msg -> { });
        assertTrue(resumed.run(new MetaTrainingRun.Listener() { }, () -> false));
        assertArrayEquals(full.trainer().theta(), resumed.trainer().theta(), "the ViT episodes resume exactly too");
        assertFalse(java.util.Arrays.equals(full.trainer().theta(), c.optimizer().learnedOptimizer().initialTheta(
                c.seed())), "θ moved");
    }

    @Test
    void resumeIsBitExact() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        MetaTrainingRun full = MetaTrainingRun.create(a, tiny(8), false, null, Parallel.of(2));
        assertTrue(full.run(new MetaTrainingRun.Listener() { }, () -> false));

        MetaTrainingRun first = MetaTrainingRun.create(b, tiny(8), false, null, Parallel.of(2));
        int[] calls = {0};
        assertFalse(first.run(new MetaTrainingRun.Listener() { }, () -> calls[0]++ >= 4), "stopped after 4 steps");
        assertEquals(4, first.trainer().stepsDone());
        MetaTrainingRun resumed = MetaTrainingRun.resume(b, null, Parallel.serial(), msg -> { });
        assertEquals(4, resumed.trainer().stepsDone());
        assertTrue(resumed.run(new MetaTrainingRun.Listener() { }, () -> false));
        assertArrayEquals(full.trainer().theta(), resumed.trainer().theta());
        assertEquals(Files.readAllLines(a.resolve("metrics.jsonl")).size(),
                Files.readAllLines(b.resolve("metrics.jsonl")).size());
        assertEquals(2, io.lopt.checkpoints.StateCheckpoint.list(b).size(), "keep_states");
        assertTrue(Files.exists(b.resolve("lo.safetensors")) && Files.exists(b.resolve("lo-000008.safetensors")));
        assertArrayEquals(full.trainer().theta(),
                io.lopt.checkpoints.LearnedOptimizerCheckpoint.read(b.resolve("lo.safetensors")).theta());
    }

    @Test
    void aRunDirectoryIsNeverOverwrittenWithoutForce() {
        Path a = dir.resolve("run");
        MetaTrainingRun.create(a, tiny(2), false, null, Parallel.serial()).run(new MetaTrainingRun.Listener() { },
                () -> false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MetaTrainingRun.create(a, tiny(2), false, null, Parallel.serial()));
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
        MetaTrainingRun.create(a, tiny(2), true, null, Parallel.serial());
        assertFalse(Files.exists(a.resolve("lo.safetensors")), "--force replaced the old run");
    }

    /** Mean training loss over a fixed horizon on unseen task seeds. */
    static double heldOutLoss(float[] theta, MetaTrainConfig cfg) {
        double total = 0;
        int n = 0;
        for (long seed = 1000; seed < 1004; seed++) {
            Task t = Task.build(TaskSpec.parse("dataset=synthetic,res=4,width=16,depth=2,batch=32,seed=" + seed),
                    (Path) null);
            SmallFcLopt lo = (SmallFcLopt) cfg.optimizer().learnedOptimizer().withTheta(theta);
            Training.Result r = Training.run(t, lo, new Training.Options(30, 0, false), null, Parallel.of(2));
            for (float l : r.losses()) {
                total += l;
                n++;
            }
        }
        return total / n;
    }

    @Test
    void shortMetaTrainingImprovesTheLearnedOptimizerOnUnseenTasks() {
        MetaTrainConfig cfg = tiny(80);
        MetaTrainer t = new MetaTrainer(cfg, null, Parallel.of(2));
        float[] initial = t.theta();
        double early = 0;
        double late = 0;
        for (int i = 0; i < 80; i++) {
            double l = t.step().metaLoss();
            if (i < 10) {
                early += l / 10;
            }
            if (i >= 70) {
                late += l / 10;
            }
        }
        assertTrue(late < early, "meta-loss fell: " + early + " -> " + late);
        double before = heldOutLoss(initial, cfg);
        double after = heldOutLoss(t.theta(), cfg);
        assertTrue(after < before - 0.05, "held-out mean training loss: untrained " + before + ", meta-trained " + after);
    }

    @Test
    void veloMetaTrainsAndCheckpointsThroughTheSamePipeline() throws Exception {
        var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
                Presets.toTree(tiny(3));
        tree.set("optimizer", yaml.readTree("{kind: velo, lstm_hidden: 8, bank_size: 4, mup: true}"));
        MetaTrainConfig cfg = Presets.fromTree(tree, "velo");
        Path run = dir.resolve("velo");
        MetaTrainingRun r = MetaTrainingRun.create(run, cfg, false, null, Parallel.of(2));
        assertTrue(r.run(new MetaTrainingRun.Listener() { }, () -> false));
        var ck = io.lopt.checkpoints.LearnedOptimizerCheckpoint.read(run.resolve("lo.safetensors"));
        assertEquals("velo", ck.optimizer());
        assertArrayEquals(r.trainer().theta(), ck.theta());
        assertEquals(3, MetaTrainingRun.resume(run, null, Parallel.serial(), m -> { }).trainer().stepsDone());
        tree.set("optimizer", yaml.readTree("{kind: velo, lstm_hidden: 8, bank_size: 4, mup: true, step_mult: 0.1}"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Presets.fromTree(tree, "v"));
        assertTrue(e.getMessage().contains("unknown velo configuration key 'optimizer.step_mult'"), e.getMessage());
        tree.set("optimizer", yaml.readTree("{kind: velo, lstm_hidden: 8, bank_size: 4, mup: true, colour: red}"));
        e = assertThrows(IllegalArgumentException.class, () -> Presets.fromTree(tree, "v"));
        assertTrue(e.getMessage().contains("unknown velo configuration key 'optimizer.colour'"), e.getMessage());
    }

    @Test
    void everyPresetLoads() {
        for (String p : Presets.NAMES) {
            MetaTrainConfig c = Presets.load(p);
            assertEquals(p, c.name());
        }
        assertEquals(3, Presets.load("mulo-m").tasks().size());
        assertFalse(Presets.load("lo-s").optimizer().mup());
        assertEquals("velo", Presets.load("mu-velo-s").optimizer().kind());
    }

    @Test
    void badConfigurationsAreRejectedByName() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "preset: quick\npes: {pairz: 3}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Presets.load(f.toString()));
        assertTrue(e.getMessage().contains("unknown key 'pairz'") && e.getMessage().contains("pes"), e.getMessage());
        Files.writeString(f, "preset: quick\npes: {sigma: -1}\n");
        e = assertThrows(IllegalArgumentException.class, () -> Presets.load(f.toString()));
        assertTrue(e.getMessage().contains("pes.sigma must be positive"), e.getMessage());
        Files.writeString(f, "preset: quick\ntasks: [{datasets: [cifar], resolutions: [8], widths: [8], depths: [1], "
                + "param: mup, batch: 8}]\n");
        e = assertThrows(IllegalArgumentException.class, () -> Presets.load(f.toString()));
        assertTrue(e.getMessage().contains("unknown dataset 'cifar'"), e.getMessage());
        Files.writeString(f, "preset: nope\n");
        e = assertThrows(IllegalArgumentException.class, () -> Presets.load(f.toString()));
        assertTrue(e.getMessage().contains("unknown preset"), e.getMessage());
        Files.writeString(f, "{\"preset\": \"quick\", \"outer_steps\": \"many\"}");
        e = assertThrows(IllegalArgumentException.class, () -> Presets.load(f.toString()));
        assertTrue(e.getMessage().contains("outer_steps"), e.getMessage());
        Files.writeString(f, "preset: quick\nouter_steps: 12\n");
        assertEquals(12, Presets.load(f.toString()).outerSteps(), "a file can override a preset");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Presets.load("nonexistent"))
                .getMessage().contains("neither a preset"));
    }
}
