package io.lopt.cli;

import static io.lopt.cli.LoptCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import io.lopt.checkpoints.LearnedOptimizerKinds;
import io.lopt.checkpoints.Provenance;
import io.lopt.metatrain.config.Presets;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.SmallFcLopt;
import io.lopt.pretrained.Pretrained;
import io.lopt.pretrained.PretrainedEntry;
import io.lopt.pretrained.PretrainedFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lopt pretrained}, and {@code pretrained:NAME} wherever a command takes a learned-optimizer checkpoint. */
class PretrainedCliTest {
    @TempDir
    Path dir;

    static final String TASK = "dataset=synthetic,res=6,width=32,depth=2,batch=32";

    @Test
    void listsAndShowsTheShippedOptimizers() {
        String[] r = run("pretrained");
        assertEquals("0", r[0], r[2]);
        for (PretrainedEntry e : Pretrained.index().entries()) {
            assertTrue(r[1].contains(e.name()) && r[1].contains(e.summary()) && r[1].contains(e.description()), r[1]);
            assertTrue(r[1].contains(PretrainedCommand.madeBy(e.origin())), r[1]);
        }
        PretrainedEntry e = Pretrained.info(Pretrained.names().get(0));
        String[] one = run("pretrained", e.name());
        assertEquals("0", one[0], one[2]);
        assertTrue(one[1].contains("SHA-256 " + e.sha256()) && one[1].contains(e.checkpointSha256()), one[1]);
        assertTrue(one[1].contains("regenerate:   " + e.origin().command()), one[1]);
        assertTrue(one[1].contains("\"outer_steps\""), "the meta-training configuration: " + one[1]);
        e.results().forEach(line -> assertTrue(one[1].contains(line), line));

        String[] bad = run("pretrained", "nope");
        assertEquals("2", bad[0]);
        assertEquals("lopt: unknown pretrained learned optimizer 'nope' (available: "
                + String.join(", ", Pretrained.names()) + ")", bad[2].strip());
    }

    @Test
    void everyCommandThatTakesACheckpointTakesAPretrainedName() throws Exception {
        String ref = "pretrained:" + Pretrained.names().get(0);
        PretrainedEntry e = Pretrained.info(Pretrained.names().get(0));

        String[] r = run("checkpoint", "inspect", ref);
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("file:      " + ref) && r[1].contains(e.description()), r[1]);
        assertTrue(r[1].contains("checksum:  OK (SHA-256 " + e.checkpointSha256() + ")"), r[1]);

        Path folder = dir.resolve("pylo");
        r = run("checkpoint", "export-pylo", ref, folder.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(Files.exists(folder.resolve("model.safetensors")));

        r = run("train", "--task", TASK, "--lo", ref, "--steps", "5", "--curve", dir.resolve("c.jsonl").toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("optimizer " + e.summary()), r[1]);

        String unknown = "(available: " + String.join(", ", Pretrained.names()) + ")";
        for (String[] args : List.of(
                new String[] {"train", "--task", TASK, "--lo", "pretrained:nope", "--steps", "1"},
                new String[] {"checkpoint", "inspect", "pretrained:nope"},
                new String[] {"checkpoint", "export-pylo", "pretrained:nope", folder.toString(), "--force"},
                new String[] {"evaluate", "--suite", "quick", "--lo", "pretrained:nope", "--out", dir.resolve("e").toString(),
                    "--tuning-cache", dir.resolve("t").toString()})) {
            r = run(args);
            assertEquals("2", r[0], String.join(" ", args) + ": " + r[1] + r[2]);
            assertTrue(r[2].strip().equals("lopt: unknown pretrained learned optimizer 'nope' " + unknown), r[2]);
        }
        r = run("train", "--task", TASK, "--lo", dir.resolve("missing.safetensors").toString(), "--steps", "1");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("no such file (give a checkpoint file, or pretrained:NAME"), r[2]);
    }

    static Path checkpoint(Path file, Provenance p) {
        LearnedOptimizerKinds.of(SmallFcLopt.initial(LoptConfig.mulo(), 3), p).write(file);
        return file;
    }

    @Test
    void addCopiesTheCheckpointAndWritesItsEntry() throws Exception {
        Path res = Files.createDirectories(dir.resolve("res"));
        Path ck = checkpoint(dir.resolve("lo.safetensors"), Provenance.of("hand-made"));
        String[] r = run("pretrained", "add", "x", ck.toString(), "--dir", res.toString(), "--description", "d");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("not meta-trained with a preset (unknown); pass --command"), r[2]);

        r = run("pretrained", "add", "x", ck.toString(), "--dir", res.toString(), "--command", "make it",
                "--result", "row 1", "--machine", "m", "--wall-time", "12");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--description is required"), r[2]);

        r = run("pretrained", "add", "x", ck.toString(), "--dir", res.toString(), "--description", "d",
                "--command", "make it", "--result", "row 1", "--machine", "m", "--wall-time", "12");
        assertEquals("0", r[0], r[2]);
        PretrainedEntry e = PretrainedFolder.read(res).get("x");
        assertEquals("x.safetensors", e.file());
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(ck), Files.readAllBytes(res.resolve("x.safetensors"))));
        assertEquals(io.lopt.pretrained.Sha256.hex(Files.readAllBytes(ck)), e.sha256());
        assertEquals(LearnedOptimizerCheckpoint.read(ck).sha256(), e.checkpointSha256());
        assertEquals(List.of("row 1"), e.results());
        assertEquals("make it", e.origin().command());
        assertEquals("m", e.origin().machine());
        assertEquals(12.0, e.origin().wallTimeSeconds());
        assertEquals("hand-made", e.origin().source());

        r = run("pretrained", "add", "x", ck.toString(), "--dir", res.toString(), "--description", "d2", "--command", "c");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("use --replace"), r[2]);
        Path ck2 = checkpoint(dir.resolve("lo2.safetensors"), Provenance.of("hand-made 2"));
        r = run("pretrained", "add", "x", ck2.toString(), "--dir", res.toString(), "--command", "c", "--replace");
        assertEquals("0", r[0], r[2]);
        e = PretrainedFolder.read(res).get("x");
        assertEquals("d", e.description(), "--replace keeps the description");
        assertEquals(List.of(), e.results(), "but not results measured on another checkpoint");
        assertTrue(r[1].contains("results were for another checkpoint: dropped"), r[1]);
        assertEquals("hand-made 2", e.origin().source());
        assertFalse(e.origin().machine().isBlank());
        assertNull(e.origin().wallTimeSeconds(), "not in a run directory: unknown");
        run("pretrained", "add", "x", ck2.toString(), "--dir", res.toString(), "--command", "c", "--replace",
                "--result", "row 2");
        r = run("pretrained", "add", "x", ck2.toString(), "--dir", res.toString(), "--command", "c", "--replace");
        assertEquals("0", r[0], r[2]);
        assertEquals(List.of("row 2"), PretrainedFolder.read(res).get("x").results(),
                "the same checkpoint again keeps its results when none are given");

        r = run("pretrained", "add", "y", ck.toString(), "--dir", dir.resolve("none").toString(), "--description", "d");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("does not exist"), r[2]);
    }

    @Test
    void addReadsThePresetTheCommandAndTheWallTimeOfAMetaTrainingRun() throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(run.resolve("metrics.jsonl"), """
                {"step":0,"seconds":1.5}
                {"step":1,"seconds":2.0}
                {"step":1,"seconds":2.5}
                {"step":2,"seconds":4.0}
                """);
        var quick = Presets.toTree(Presets.load("quick"));
        Path ck = checkpoint(run.resolve("lo-000002.safetensors"),
                new Provenance("v", "t", quick, 2, null, "meta-train run"));
        var c = LearnedOptimizerCheckpoint.read(ck);
        assertEquals("./lopt meta-train --config quick --out runs/pretrained-x && ./lopt pretrained add x "
                + "runs/pretrained-x/lo-000002.safetensors --replace", MetaTrainingOrigin.regenerateCommand("x", c));
        assertEquals(4.0, MetaTrainingOrigin.wallTimeSeconds(ck, 2), "steps 0 and 1, the re-run step 1 counted once");
        assertNull(MetaTrainingOrigin.wallTimeSeconds(ck, 5), "metrics that stop short: unknown");

        var seeded = Presets.toTree(Presets.load("quick").withSeed(7).withOuterSteps(200));
        var c2 = LearnedOptimizerCheckpoint.read(checkpoint(dir.resolve("s.safetensors"),
                new Provenance("v", "t", seeded, 200, null, "s")));
        assertEquals("./lopt meta-train --config quick --outer-steps 200 --seed 7 --out runs/pretrained-y && ./lopt "
                + "pretrained add y runs/pretrained-y/lo.safetensors --replace", MetaTrainingOrigin.regenerateCommand("y", c2));

        var custom = quick.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) custom.get("pes")).put("pairs", 3);
        var c3 = LearnedOptimizerCheckpoint.read(checkpoint(dir.resolve("c.safetensors"),
                new Provenance("v", "t", custom, 1000, null, "c")));
        assertNull(MetaTrainingOrigin.regenerateCommand("z", c3), "a modified preset is not the preset");

        Path res = Files.createDirectories(dir.resolve("res"));
        String[] r = run("pretrained", "add", "x", ck.toString(), "--dir", res.toString(), "--description", "d");
        assertEquals("0", r[0], r[2]);
        PretrainedEntry e = PretrainedFolder.read(res).get("x");
        assertEquals("quick", e.origin().preset());
        assertEquals(2, e.origin().outerSteps());
        assertEquals(4.0, e.origin().wallTimeSeconds());
        assertEquals(MetaTrainingOrigin.regenerateCommand("x", c), e.origin().command());
    }
}
