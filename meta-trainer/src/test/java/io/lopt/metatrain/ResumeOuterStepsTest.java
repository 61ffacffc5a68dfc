package io.lopt.metatrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.kernels.Parallel;
import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.metatrain.config.Presets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A finished run extended on resume continues bit-exactly, with the outer schedule of its configuration. */
class ResumeOuterStepsTest {
    @TempDir
    Path dir;

    @Test
    void aFinishedRunExtendedOnResumeEqualsALongerRun() throws Exception {
        MetaTrainConfig five = tiny(); // warmup 2 + cosine_steps 2
        MetaTrainingRun full = MetaTrainingRun.create(dir.resolve("a"), five, false, null, Parallel.of(2));
        full.run(new MetaTrainingRun.Listener() { }, () -> false);

        Path b = dir.resolve("b");
        MetaTrainingRun shortRun = MetaTrainingRun.create(b, five.withOuterStepsSameSchedule(3), false, null,
                Parallel.of(2));
        assertTrue(shortRun.run(new MetaTrainingRun.Listener() { }, () -> false), "finished after 3 steps");
        List<String> log = new ArrayList<>();
        MetaTrainingRun extended = MetaTrainingRun.resume(b, null, Parallel.serial(), log::add, cpu(), 7);
        assertEquals(3, extended.trainer().stepsDone());
        assertTrue(String.join("\n", log).contains("steps after 4 (warmup + cosine_steps) run at final_lr 0.001"),
                log.toString());
        // stop at 5 steps: the state there must be the uninterrupted 5-step run's
        int[] calls = {0};
        extended.run(new MetaTrainingRun.Listener() { }, () -> calls[0]++ >= 2);
        assertEquals(5, extended.trainer().stepsDone());
        assertArrayEquals(full.trainer().theta(), extended.trainer().theta());
        assertEquals(7, Presets.load(b.resolve(MetaTrainingRun.CONFIG).toString()).outerSteps(),
                "config.json records the new length");
        assertEquals(5, Files.readAllLines(b.resolve(MetaTrainingRun.METRICS)).size());

        MetaTrainingRun again = MetaTrainingRun.resume(b, null, Parallel.serial(), m -> { });
        assertEquals(5, again.trainer().stepsDone());
        assertTrue(again.run(new MetaTrainingRun.Listener() { }, () -> false));
        assertEquals(7, again.trainer().stepsDone());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MetaTrainingRun.resume(b, null, Parallel.serial(), m -> { }, cpu(), 6));
        assertTrue(e.getMessage().contains("to 6 outer steps: it has done 7 already"), e.getMessage());
        assertEquals(7, Presets.load(b.resolve(MetaTrainingRun.CONFIG).toString()).outerSteps(), "left as it was");
    }

    /** Smaller than MetaTrainerTest.tiny: one estimator of 2 pairs on a 226-parameter network. */
    static MetaTrainConfig tiny() throws Exception {
        String yaml = """
                name: tiny
                seed: 3
                outer_steps: 5
                optimizer: {kind: small_fc_lopt, hidden_sizes: [32, 32], step_mult: 0.01, exp_mult: 0.001, mup: true}
                pes: {pairs: 2, sigma: 0.01, truncation: 3, min_horizon: 6, max_horizon: 12}
                tasks:
                  - {datasets: [synthetic], resolutions: [4], widths: [8], depths: [1], param: mup, batch: 16}
                outer: {lr: 0.003, final_lr: 0.001, warmup: 2, cosine_steps: 2, beta1: 0.9, beta2: 0.999,
                        eps: 1.0e-8, weight_decay: 1.0e-4, clip_norm: 1.0}
                checkpoint_every: 2
                keep_states: 2
                """;
        return Presets.fromYaml(yaml, "tiny");
    }

    private static MetaTrainer.ProblemFactory cpu() {
        return io.lopt.metatrain.pes.TaskProblem::new;
    }
}
