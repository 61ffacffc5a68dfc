package io.lopt.metatrain.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Values are not truncated, converted from strings or silently overridden by a repeated key; errors name the key. */
class StrictConfigTest {
    @TempDir
    Path dir;

    String error(String yaml) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Presets.load(f.toString()));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        return m;
    }

    static void assertContains(String fragment, String message) {
        assertTrue(message.contains(fragment), "'" + message + "' should contain '" + fragment + "'");
    }

    @Test
    void aConfigurationFromTextIsCheckedAsStrictlyAsAFile() {
        assertEquals(7, Presets.fromYaml("preset: quick\nouter_steps: 7\n", "inline").outerSteps());
        assertEquals(0.5, ((io.lopt.optim.lo.LoptConfig) Presets.fromYaml("preset: mulo-s\n", "inline").optimizer()
                .learnedOptimizer()).horizonExponent(), 0.0, "the μLO presets carry the horizon exponent");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Presets.fromYaml("preset: quick\npes: {pairs: [\n", "inline"));
        assertContains("inline: not valid YAML/JSON", e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Presets.fromYaml("preset: quick\nouter_stepz: 3\n", "inline"));
        assertContains("outer_stepz", e.getMessage());
    }

    @Test
    void fractionsStringsAndRepeatedKeysAreRejectedByName() throws Exception {
        assertContains("outer_steps must be an integer, got 5.9", error("preset: quick\nouter_steps: 5.9\n"));
        assertContains("outer_steps must be an integer, got the string \"6\"", error("preset: quick\nouter_steps: \"6\"\n"));
        assertContains("pes.pairs must be an integer, got 2.5", error("preset: quick\npes: {pairs: 2.5}\n"));
        assertContains("pes.sigma must be a number, got the string \"0.01\"",
                error("preset: quick\npes: {sigma: \"0.01\"}\n"));
        assertContains("Duplicate field 'outer_steps'", error("preset: quick\nouter_steps: 5\nouter_steps: 6\n"));
        assertContains("Duplicate field 'pairs'", error("preset: quick\npes: {pairs: 2, pairs: 3}\n"));
        assertContains("Duplicate field 'outer_steps'",
                error("{\"preset\": \"quick\", \"outer_steps\": 5, \"outer_steps\": 6}"));
        assertContains("Fashion-MNIST resolution must be in {8, 14, 28}, got 7", error("preset: quick\ntasks: "
                + "[{datasets: [fashion-mnist], resolutions: [7], widths: [8], depths: [1], param: mup, batch: 8}]\n"));
        Path f = dir.resolve("ok.yaml");
        Files.writeString(f, "preset: quick\nouter_steps: 6\nouter: {lr: 1}\n");
        assertEquals(6, Presets.load(f.toString()).outerSteps(), "an integer is still a valid number");
    }

    @Test
    void timeReferenceIsASmallFcLoptKey() throws Exception {
        String opt = "optimizer: {kind: small_fc_lopt, hidden_sizes: [32, 32], step_mult: 0.01, exp_mult: 0.001, "
                + "mup: true, time_reference: %s}\n";
        Path f = dir.resolve("rel.yaml");
        Files.writeString(f, "preset: quick\n" + opt.formatted("1000"));
        io.lopt.optim.lo.LoptConfig c = (io.lopt.optim.lo.LoptConfig) Presets.load(f.toString()).optimizer()
                .learnedOptimizer();
        assertEquals(1000, c.timeReference());
        assertEquals(0, ((io.lopt.optim.lo.LoptConfig) Presets.load("lo-s").optimizer().learnedOptimizer())
                .timeReference(), "absent: absolute time");
        assertContains("optimizer.time_reference must be 0 (absolute time) or a positive integer, got 0.5", error("preset: quick\n" + opt.formatted("0.5")));
        assertContains("time_reference must be 0", error("preset: quick\n" + opt.formatted("-4")));
        Files.writeString(f, "preset: quick\n" + opt.formatted("1000, decay_to: 0.1"));
        assertEquals(0.1, ((io.lopt.optim.lo.LoptConfig) Presets.load(f.toString()).optimizer().learnedOptimizer())
                .decayTo());
        assertContains("decay_to must be in (0, 1]", error("preset: quick\n" + opt.formatted("1000, decay_to: 1.5")));
        assertContains("unknown velo configuration key 'optimizer.time_reference'", error("preset: quick\noptimizer: {kind: velo, lstm_hidden: 16, "
                + "bank_size: 8, mup: true, time_reference: 10}\n"));
    }
}
