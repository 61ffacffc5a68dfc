package io.lopt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import io.lopt.checkpoints.LearnedOptimizerKinds;
import io.lopt.checkpoints.Provenance;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.SmallFcLopt;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoptCliTest {
    @TempDir
    Path dir;

    /** Runs the CLI, capturing standard output and error. */
    static String[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            code = Lopt.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[] {String.valueOf(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void helpListsTheSubcommands() {
        String[] r = run("--help");
        assertEquals("0", r[0]);
        assertTrue(r[1].contains("train") && r[1].contains("checkpoint"), r[1]);
    }

    @Test
    void trainRunsTheTransformerFamiliesLikeTheMlp() throws Exception {
        Path curve = dir.resolve("vit.jsonl");
        String[] r = run("train", "--task", "family=vit,dataset=synthetic,res=4,patch=2,heads=2,width=8,depth=1,batch=16",
                "--optimizer", "muadam", "--lr", "3e-3", "--steps", "12", "--curve", curve.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("task vit-synth4p2-w8-d1-h2-mup") && r[1].contains("final test  loss")
                && r[1].contains("accuracy"), r[1]);
        assertEquals(12, Files.readAllLines(curve).size());
        // the language model needs its corpus: a missing one is one line that says how to install it
        String[] lm = run("train", "--task", "family=transformer,width=8,heads=2,ctx=8,batch=2", "--optimizer", "adam",
                "--lr", "1e-3", "--steps", "2", "--data-dir", dir.resolve("no-text").toString(), "--curve",
                dir.resolve("lm.jsonl").toString());
        assertTrue(!lm[0].equals("0") && lm[2].contains("apt-get install fortunes"), lm[1] + lm[2]);
    }

    @Test
    void trainWritesACurveAndReportsLoss() throws Exception {
        Path curve = dir.resolve("c.jsonl");
        String[] r = run("train", "--task", "dataset=synthetic,res=6,width=32,depth=2,batch=32", "--optimizer", "muadam",
                "--lr", "3e-3", "--steps", "40", "--curve", curve.toString(), "--threads", "2");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("final test  loss"), r[1]);
        List<String> lines = Files.readAllLines(curve);
        assertEquals(40, lines.size());
        assertTrue(lines.get(0).startsWith("{\"step\":0,\"loss\":"), lines.get(0));
    }

    @Test
    void trainRunsThePaperScheduleByDefaultAndConstantOnRequest() throws Exception {
        String task = "dataset=synthetic,res=6,width=32,depth=2,batch=32";
        Path a = dir.resolve("cosine.jsonl");
        String[] r = run("train", "--task", task, "--optimizer", "adamw", "--lr", "3e-3", "--steps", "200", "--curve",
                a.toString(), "--threads", "2");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("warmup_cosine(") && r[1].contains("clip_by_global_norm(1.0)"), r[1]);
        Path b = dir.resolve("constant.jsonl");
        r = run("train", "--task", task, "--optimizer", "adamw", "--lr", "3e-3", "--steps", "200", "--curve",
                b.toString(), "--schedule", "constant", "--threads", "2");
        assertEquals("0", r[0], r[2]);
        assertTrue(!r[1].contains("warmup_cosine") && !r[1].contains("clip"), r[1]);
        List<String> la = Files.readAllLines(a);
        List<String> lb = Files.readAllLines(b);
        assertEquals(la.get(0), lb.get(0), "same initial loss");
        assertTrue(!la.get(1).equals(lb.get(1)), "the warmup starts at lr 0: the second loss differs");
    }

    @Test
    void withoutTheVectorApiTheScalarKernelsRunWithOneWarning() throws Exception {
        java.util.List<String> cmd = java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.lopt.cli.Lopt", "train", "--task",
                "dataset=synthetic,res=4,width=16,depth=2,batch=16", "--lo", "pretrained:mulo", "--steps", "20",
                "--curve", dir.resolve("c.jsonl").toString()); // no --add-modules jdk.incubator.vector
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("the Vector API is not enabled") && out.contains("final train loss"), out);
        assertEquals(1, out.split("the Vector API is not enabled", -1).length - 1, "one warning: " + out);
    }

    @Test
    void metaTrainHelpListsEveryPreset() {
        String help = run("meta-train", "--help")[1].replaceAll("\\s+", " ");
        for (String p : io.lopt.metatrain.config.Presets.NAMES) {
            assertTrue(help.contains(p + ",") || help.contains(p + ")"), "meta-train --help lists " + p + ": " + help);
        }
    }

    @Test
    void internalErrorsAreNotPassedOffAsBadInput() {
        java.io.StringWriter w = new java.io.StringWriter();
        int code = Lopt.handle(new IllegalStateException("invariant broken"), new java.io.PrintWriter(w, true));
        assertEquals(Lopt.INTERNAL_ERROR, code);
        assertTrue(w.toString().contains("internal error") && w.toString().contains("invariant broken")
                && w.toString().contains("\tat io.lopt.cli.LoptCliTest"), "a trace is printed: " + w);
        java.io.StringWriter u = new java.io.StringWriter();
        assertEquals(Lopt.USER_ERROR, Lopt.handle(new IllegalArgumentException("width must be positive"),
                new java.io.PrintWriter(u, true)));
        assertEquals("lopt: width must be positive", u.toString().strip());
    }

    @Test
    void badInputGetsOneLineErrors() {
        String[] r = run("train", "--task", "width=0");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("width must be at least 1"), r[2]);
        r = run("train", "--task", "dataset=synthetic,res=4", "--optimizer", "rmsprop", "--steps", "1");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("unknown optimizer 'rmsprop'"), r[2]);
        r = run("train", "--task", "dataset=synthetic,res=4", "--schedule", "cosine", "--steps", "1");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("unknown baseline schedule 'cosine' (expected warmup_cosine or constant)"), r[2]);
        r = run("train", "--help");
        assertTrue(r[1].contains("warmup over 1% of --steps"), r[1]);
        r = run("train", "--task", "dataset=fashion-mnist", "--data-dir", dir.toString(), "--steps", "1");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("Fashion-MNIST IDX files not found"), r[2]);
    }

    @Test
    void checkpointInspectImportExportAndTrainWithALearnedOptimizer() throws Exception {
        Path ck = dir.resolve("lo.safetensors");
        LearnedOptimizerKinds.of(SmallFcLopt.initial(LoptConfig.mulo(), 1), Provenance.of("cli test")).write(ck);
        String[] r = run("checkpoint", "inspect", ck.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("small_fc_lopt") && r[1].contains("2409 meta-parameters") && r[1].contains("checksum:  OK"),
                r[1]);

        Path folder = dir.resolve("pylo");
        r = run("checkpoint", "export-pylo", ck.toString(), folder.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(Files.exists(folder.resolve("config.json")) && Files.exists(folder.resolve("model.safetensors")));
        Path back = dir.resolve("back.safetensors");
        r = run("checkpoint", "import-pylo", folder.toString(), back.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(java.util.Arrays.equals(LearnedOptimizerCheckpoint.read(ck).theta(),
                LearnedOptimizerCheckpoint.read(back).theta()));

        r = run("train", "--task", "dataset=synthetic,res=6,width=32,depth=2,batch=32", "--lo", back.toString(),
                "--steps", "10", "--curve", dir.resolve("lo.jsonl").toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("mulo("), r[1]);

        byte[] b = Files.readAllBytes(ck);
        b[b.length - 1] ^= 1;
        Path damaged = dir.resolve("damaged.safetensors");
        Files.write(damaged, b);
        r = run("checkpoint", "inspect", damaged.toString());
        assertEquals("1", r[0]);
        assertTrue(r[1].contains("DAMAGED (CHECKSUM_MISMATCH)"), r[1]);
        r = run("train", "--task", "dataset=synthetic,res=6", "--lo", damaged.toString(), "--steps", "1");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("SHA-256"), r[2]);
    }
}
