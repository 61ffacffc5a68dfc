package io.lopt.metatrain.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import io.lopt.optimizees.tasks.TaskSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz tests of what users type: whatever the text, a configuration file or a task string either gives a valid
 * result or an {@link IllegalArgumentException} (which the command line prints as one {@code lopt:} line, control
 * characters escaped); any other exception (a {@code NullPointerException} deep inside, a {@code ClassCastException}
 * on an unexpected shape) fails the test, as it would reach the user as a stack trace.
 *
 * <p>The normal test run replays the seeds in {@code src/test/resources/io/lopt/metatrain/config/ConfigFuzzTestInputs/};
 * {@code JAZZER_FUZZ=1 ./mvnw test -pl meta-trainer -am -Dtest='ConfigFuzzTest#configuration'
 * -Dsurefire.failIfNoSpecifiedTests=false} fuzzes one of them.
 */
class ConfigFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void configuration(byte[] data) {
        JsonNode tree;
        try {
            tree = Presets.YAML.readTree(new String(data, StandardCharsets.UTF_8));
        } catch (IOException e) {
            StrictYaml.describe(e); // what Presets.load reports
            return;
        }
        try {
            Presets.fromTree(tree, "fuzz");
        } catch (IllegalArgumentException expected) {
            // a message naming the problem is the right answer
        }
    }

    @FuzzTest(maxDuration = "60s")
    void taskSpec(byte[] data) {
        try {
            TaskSpec.parse(new String(data, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException expected) {
            // a message naming the problem is the right answer
        }
    }
}
