package io.lopt.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.kernels.Parallel;
import io.lopt.metatrain.MetaTrainer;
import io.lopt.metatrain.MetaTrainingRun;
import io.lopt.metatrain.ParticleBackend;
import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.metatrain.config.Presets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Spark backend against the in-process trainer, in {@code local[2]} (a task may fail up to 3 times). */
class SparkParticlesTest {
    private static JavaSparkContext sc;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2,3]").setAppName("lopt-test")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    @AfterEach
    void noFaults() {
        SparkParticles.faults = null;
    }

    /** Two estimators (two task families), 3 pairs each, K = 5, horizons 12..30: resets happen within a few steps. */
    static MetaTrainConfig tiny(int outerSteps) {
        String yaml = """
                name: tiny
                seed: 5
                outer_steps: %d
                optimizer: {kind: small_fc_lopt, hidden_sizes: [8, 8], step_mult: 0.01, exp_mult: 0.001, mup: true}
                pes: {pairs: 3, sigma: 0.01, truncation: 5, min_horizon: 12, max_horizon: 30}
                tasks:
                  - {datasets: [synthetic], resolutions: [4], widths: [16], depths: [2], param: mup, batch: 16}
                  - {datasets: [synthetic], resolutions: [4], widths: [8, 12], depths: [1, 2], param: mup, batch: 16}
                outer: {lr: 0.01, final_lr: 0.001, warmup: 2, cosine_steps: %d, beta1: 0.9, beta2: 0.999,
                        eps: 1.0e-8, weight_decay: 1.0e-4, clip_norm: 1.0}
                checkpoint_every: 3
                keep_states: 2
                """.formatted(outerSteps, Math.max(0, outerSteps - 2));
        return Presets.fromYaml(yaml, "tiny");
    }

    private ParticleBackend.Factory spark(SparkOptions o) {
        return (config, data, par) -> new SparkParticles(config, data, o, sc);
    }

    private SparkOptions options(int partitions, int checkpointEvery) {
        return SparkOptions.of(null, dir.resolve("spark-checkpoints").toString()).withPartitions(partitions)
                .withCheckpointEvery(checkpointEvery);
    }

    private static float[] inProcess(int steps) {
        try (MetaTrainer t = new MetaTrainer(tiny(steps), null, Parallel.of(2))) {
            for (int i = 0; i < steps; i++) {
                t.step();
            }
            return t.theta();
        }
    }

    private float[] onSpark(int steps, SparkOptions o) {
        try (MetaTrainer t = new MetaTrainer(tiny(steps), null, Parallel.serial(), spark(o))) {
            for (int i = 0; i < steps; i++) {
                MetaTrainer.StepMetrics m = t.step();
                assertTrue(m.backendSeconds().containsKey("spark_overhead_s"), "the step reports Spark's overhead");
            }
            return t.theta();
        }
    }

    @ParameterizedTest(name = "{0} partitions, lineage cut every {1} steps")
    @CsvSource({"1, 100", "2, 3", "6, 1", "0, 2"})
    void thetaIsBitIdenticalToTheInProcessTrainer(int partitions, int checkpointEvery) {
        float[] expected = inProcess(7);
        assertArrayEquals(expected, onSpark(7, options(partitions, checkpointEvery)));
        assertFalse(java.util.Arrays.equals(expected, inProcess(6)), "θ moves every step, so the test can fail");
    }

    @Test
    void aTaskThatFailsOnItsFirstAttemptIsRecomputedWithTheSameResult() {
        AtomicInteger failures = new AtomicInteger();
        SparkParticles.faults = (step, partition, attempt) -> {
            if (attempt == 0 && (step == 2 || step == 4) && partition == 1) {
                failures.incrementAndGet();
                throw new IllegalStateException("injected failure of step " + step + ", partition " + partition);
            }
        };
        float[] got = onSpark(6, options(3, 2));
        assertEquals(2, failures.get(), "two task attempts failed and were retried");
        assertArrayEquals(inProcess(6), got);
    }

    @Test
    void aSparkStateResumesInProcessAndAnInProcessStateOnSpark() {
        float[] full = inProcess(8);
        // Spark for 4 steps, then in process to the end
        Path a = dir.resolve("a");
        try (MetaTrainingRun r = MetaTrainingRun.create(a, tiny(8), false, null, Parallel.serial(),
                spark(options(2, 2)))) {
            int[] calls = {0};
            assertFalse(r.run(new MetaTrainingRun.Listener() { }, () -> calls[0]++ >= 4));
        }
        try (MetaTrainingRun r = MetaTrainingRun.resume(a, null, Parallel.of(2), m -> { })) {
            assertEquals(4, r.trainer().stepsDone());
            assertTrue(r.run(new MetaTrainingRun.Listener() { }, () -> false));
            assertArrayEquals(full, r.trainer().theta());
        }
        // in process for 5 steps, then on Spark to the end
        Path b = dir.resolve("b");
        try (MetaTrainingRun r = MetaTrainingRun.create(b, tiny(8), false, null, Parallel.of(2))) {
            int[] calls = {0};
            assertFalse(r.run(new MetaTrainingRun.Listener() { }, () -> calls[0]++ >= 5));
        }
        try (MetaTrainingRun r = MetaTrainingRun.resume(b, null, Parallel.serial(), m -> { },
                spark(options(3, 2)), null)) {
            assertEquals(5, r.trainer().stepsDone());
            assertTrue(r.run(new MetaTrainingRun.Listener() { }, () -> false));
            assertArrayEquals(full, r.trainer().theta());
        }
    }
}
