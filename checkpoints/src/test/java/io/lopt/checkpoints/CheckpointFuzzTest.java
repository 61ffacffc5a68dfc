package io.lopt.checkpoints;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;

/**
 * Fuzz tests of every reader: whatever the bytes, a reader either returns a valid result or throws a
 * {@link CheckpointException}; any other exception (an index error deep inside, an overflow, an out-of-memory from an
 * absurd size) fails the test.
 *
 * <p>In the normal test run these replay the committed seed corpus in
 * {@code src/test/resources/io/lopt/checkpoints/CheckpointFuzzTestInputs/} (Jazzer's regression mode). A real fuzzing
 * run is documented in the README ({@code JAZZER_FUZZ=1}).
 */
class CheckpointFuzzTest {
    private static final Path SOURCE = Path.of("fuzz-input");

    @FuzzTest(maxDuration = "60s")
    void safetensors(byte[] data) {
        try {
            Safetensors.parse(data, SOURCE);
        } catch (CheckpointException expected) {
            // a clear, typed error is the right answer to damaged input
        }
    }

    @FuzzTest(maxDuration = "60s")
    void learnedOptimizerCheckpoint(byte[] data) {
        try {
            LearnedOptimizerCheckpoint c = LearnedOptimizerCheckpoint.parse(data, SOURCE);
            LearnedOptimizerKinds.factory(c); // whatever loads must build an optimizer
        } catch (CheckpointException expected) {
            // ok
        }
    }

    @FuzzTest(maxDuration = "60s")
    void stateCheckpoint(byte[] data) {
        try {
            StateCheckpoint.parse(data, SOURCE);
        } catch (CheckpointException expected) {
            // ok
        }
    }

    @FuzzTest(maxDuration = "60s")
    void pyloConfig(byte[] data) {
        try {
            PyloFolder.parseConfig(data, SOURCE);
        } catch (CheckpointException expected) {
            // ok
        }
    }
}
