package io.lopt.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lopt.checkpoints.LearnedOptimizerKinds;
import io.lopt.checkpoints.Provenance;
import io.lopt.evaluation.report.Analysis;
import io.lopt.evaluation.report.HeadlineResults;
import io.lopt.evaluation.report.Report;
import io.lopt.evaluation.runs.RunResult;
import io.lopt.evaluation.runs.SuiteRunner;
import io.lopt.evaluation.runs.Tuner;
import io.lopt.evaluation.suites.BaselineSchedule;
import io.lopt.evaluation.suites.SuiteConfig;
import io.lopt.evaluation.suites.Suites;
import io.lopt.kernels.Parallel;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.lo.SmallFcLopt;
import io.lopt.optimizees.tasks.TaskData;
import io.lopt.pretrained.Pretrained;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationEndToEndTest {
    @TempDir
    Path dir;

    static final String TINY = """
            name: tiny
            description: a tiny suite on the synthetic family
            axis: width
            base: {dataset: synthetic, res: 4, width: 8, depth: 2, batch: 32}
            steps: 30
            seeds: [0, 1, 2]
            tasks:
              - {group: width, width: 8}
              - {group: width, width: 24}
              - {group: depth, depth: 2}
              - {group: depth, depth: 4}
            baselines: [adamw, muadam]
            tuning: {steps: 30, seeds: [0], lr_min: 1.0e-3, lr_max: 1.0e-1, lr_count: 3, weight_decay: 1.0e-4}
            divergence_factor: 2.0
            ranks_at: [0.2, 0.6, 1.0]
            """;

    static SuiteConfig suite(String yaml) throws Exception {
        return Suites.bind(new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(yaml), "t");
    }

    String learned(boolean mup, float magnitudeBias) {
        LoptConfig cfg = mup ? LoptConfig.mulo() : LoptConfig.sp();
        float[] theta = MetaParameters.of(cfg).init(1);
        // a learned optimizer whose direction is dominated by the normalised gradient: it trains, slowly
        MetaParameters lay = MetaParameters.of(cfg);
        lay.set(theta, "mlp/bout", new float[] {0, magnitudeBias});
        Path p = dir.resolve((mup ? "mulo" : "splo") + ".safetensors");
        LearnedOptimizerKinds.of(new SmallFcLopt(cfg, theta), Provenance.of("test")).write(p);
        return p.toString();
    }

    @Test
    void aSuiteOfAnotherTaskFamilyRunsThroughTheSameRunnerAndReport() throws Exception {
        SuiteConfig s = suite("""
                name: tiny-vit
                description: a tiny ViT suite on the synthetic family
                axis: width
                base: {family: vit, options: {dataset: synthetic, res: 4, patch: 2, heads: 2}, width: 8, depth: 1, batch: 16}
                steps: 20
                seeds: [0, 1]
                tasks:
                  - {width: 8}
                  - {width: 16}
                baselines: [adamw]
                tuning: {steps: 20, seeds: [0], lr_min: 1.0e-3, lr_max: 1.0e-2, lr_count: 2, weight_decay: 1.0e-4}
                divergence_factor: 2.0
                ranks_at: [1.0]
                """);
        SuiteRunner.Outcome o = SuiteRunner.run(s, List.of(learned(true, 0f)), dir.resolve("vit"), dir.resolve("cache"),
                null, Parallel.of(2), new SuiteRunner.Listener() { });
        assertEquals(8, o.runs().size(), "2 widths × 2 optimizers × 2 seeds");
        assertTrue(o.runs().stream().allMatch(r -> r.spec().startsWith("family=vit,") && Double.isFinite(r.finalLoss())),
                o.runs().toString());
        assertTrue(o.runs().stream().anyMatch(r -> r.task().startsWith("vit-synth4p2-w16-d1-h2")), "task labels");
        new Report(new Analysis(o)).write(dir.resolve("vit"));
        assertTrue(Files.readString(dir.resolve("vit").resolve(Report.MARKDOWN)).contains("vit-synth4p2-w16"));
    }

    @Test
    void tinySuiteEndToEndWithReportsAndResume() throws Exception {
        SuiteConfig s = suite(TINY);
        Path out = dir.resolve("eval");
        List<String> los = List.of(learned(true, 0f), learned(false, 0f));
        AtomicInteger ran = new AtomicInteger();
        SuiteRunner.Listener count = new SuiteRunner.Listener() {
            @Override
            public void onRun(RunResult r, int done, int total) {
                ran.incrementAndGet();
            }
        };
        SuiteRunner.Outcome o = SuiteRunner.run(s, los, out, dir.resolve("cache"), null, Parallel.of(2), count);
        // 3 distinct tasks (width 8 depth 2 is listed twice) × 4 optimizers × 3 seeds
        assertEquals(36, o.runs().size());
        assertEquals(36, ran.get());
        Path html = new Report(new Analysis(o)).write(out);

        JsonNode results = new ObjectMapper().readTree(out.resolve(Report.RESULTS).toFile());
        assertEquals(36, results.get("runs").size());
        assertEquals(30, results.get("runs").get(0).get("losses").size(), "every number, the curves included");
        assertEquals(4, results.get("optimizers").size());
        assertTrue(results.get("optimizers").get(0).get("sha256").asText().length() == 64, "checkpoint checksums");
        assertTrue(results.get("provenance").has("lopt_version"));
        assertEquals(3, results.get("ranks").size());
        assertTrue(results.get("tuning").get(0).get("best_lr").isNumber());
        assertEquals(6, results.get("paired_tests").size(), "2 learned optimizers × 3 tasks");

        assertEquals("warmup_cosine", results.get("baselines").get("schedule").asText(), "the default");
        assertEquals(1.0, results.get("baselines").get("update_clip_global_norm").asDouble());
        assertTrue(results.get("optimizers").get(2).get("describe").asText().contains("clip_by_global_norm(1.0)"));
        assertEquals("warmup_cosine", results.get("optimizers").get(3).get("schedule").asText());
        assertTrue(results.get("divergence").asText().contains("last 20 minibatch losses"));

        String md = Files.readString(out.resolve(Report.MARKDOWN));
        assertTrue(md.contains("## Ranks") && md.contains("tuned lr") && md.contains("best lr"), md);
        assertTrue(md.contains("`baseline_schedule: warmup_cosine`") && md.contains("clipped to global norm 1.0"), md);
        assertTrue(md.contains("mean of the last 20 minibatch losses above 2.0× the first loss"), md);
        assertTrue(md.contains("Loss curves: training minibatch loss on a log scale"), md);
        String page = Files.readString(html);
        Matcher m = Pattern.compile("<img alt=\"([^\"]+)\" src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(page);
        List<String> plots = new java.util.ArrayList<>();
        while (m.find()) {
            plots.add(m.group(1));
            byte[] png = java.util.Base64.getDecoder().decode(m.group(2));
            assertEquals((byte) 0x89, png[0]);
            assertEquals('P', png[1], "embedded PNG");
        }
        for (String task : List.of("synth4-w8-d2", "synth4-w24-d2", "synth4-w8-d4")) {
            assertTrue(plots.contains("loss-" + task + ".png"), "a plot per task: " + plots);
        }
        assertTrue(plots.contains("final-loss-vs-width.png") && plots.contains("final-loss-vs-depth.png"), plots.toString());
        assertFalse(page.contains("src=\"plots/"), "self-contained");
        assertTrue(Files.size(out.resolve("plots").resolve("final-loss-vs-width.png")) > 1000);

        // resume: nothing is run twice; tuning comes from the cache
        ran.set(0);
        SuiteRunner.Outcome again = SuiteRunner.run(s, los, out, dir.resolve("cache"), null, Parallel.of(2), count);
        assertEquals(0, ran.get());
        assertTrue(again.tuning().get(0).fromCache());
        assertEquals(36, SuiteRunner.reload(out).runs().size());

        // another suite or other learned optimizers in the same directory are refused
        assertThrows(IllegalArgumentException.class, () -> SuiteRunner.run(s, List.of(los.get(0)), out,
                dir.resolve("cache"), null, Parallel.serial(), count));
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> SuiteRunner.run(
                s.withBaselineSchedule(BaselineSchedule.CONSTANT), los, out, dir.resolve("cache"), null,
                Parallel.serial(), count));
        assertTrue(other.getMessage().contains("another suite"), other.getMessage());

        // an evaluation recorded before baseline schedules: reported as constant-lr, and not resumed
        Path ev = out.resolve(SuiteRunner.EVALUATION);
        com.fasterxml.jackson.databind.node.ObjectNode old =
                (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(ev.toFile());
        old.put("format_version", 1);
        old.remove(List.of("baselines", "divergence"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) old.get("suite")).remove("baseline_schedule");
        Files.writeString(ev, old.toString());
        SuiteRunner.Outcome reloaded = SuiteRunner.reload(out);
        assertEquals(BaselineSchedule.CONSTANT, reloaded.suite().schedule());
        new Report(new Analysis(reloaded)).write(out);
        JsonNode oldResults = new ObjectMapper().readTree(out.resolve(Report.RESULTS).toFile());
        assertEquals("constant", oldResults.get("baselines").get("schedule").asText());
        assertTrue(oldResults.get("divergence").asText().contains("one minibatch loss above 2.0×"));
        IllegalArgumentException older = assertThrows(IllegalArgumentException.class, () -> SuiteRunner.run(s, los,
                out, dir.resolve("cache"), null, Parallel.serial(), count));
        assertTrue(older.getMessage().contains("older rules"), older.getMessage());
    }

    @Test
    void baselinesRunThePaperScheduleOverTheTaskHorizonAndTheTuningCacheKnowsTheSchedule() throws Exception {
        // the task runs 40 steps, the tuning 30: each uses its own horizon
        SuiteConfig s = suite(TINY.replace("baselines: [adamw, muadam]", "baselines: [adamw]")
                .replace("seeds: [0, 1, 2]", "seeds: [0]")
                .replaceAll("(?s)tasks:.*?baselines", "tasks:\n  - {width: 8, steps: 40}\nbaselines"));
        assertEquals(BaselineSchedule.WARMUP_COSINE, s.schedule(), "the default");
        Path cache = dir.resolve("cache-s");
        SuiteRunner.Outcome o = SuiteRunner.run(s, List.of(), dir.resolve("s"), cache, null, Parallel.of(2),
                new SuiteRunner.Listener() { });
        RunResult run = o.runs().get(0);
        double lr = o.tuning().get(0).bestLr();
        io.lopt.optimizees.tasks.Task task = io.lopt.optimizees.tasks.Task.build(
                io.lopt.optimizees.tasks.TaskSpec.parse(run.spec()), (Path) null);
        io.lopt.optim.OptimizerFactory paper = io.lopt.optim.transform.Chain.of(
                io.lopt.optim.Adam.Config.adamW(lr, 1e-4), io.lopt.optim.transform.ScaleByWarmupCosine.paper(),
                new io.lopt.optim.transform.ClipByGlobalNorm(1.0));
        java.util.function.IntFunction<float[]> withHorizon = h -> io.lopt.optimizees.tasks.Training.run(task, paper,
                new io.lopt.optimizees.tasks.Training.Options(h, 0, false), null, Parallel.serial()).losses();
        assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOf(withHorizon.apply(40), 40), run.losses()),
                "the evaluation's AdamW run is the paper's chain over the task's 40 steps");
        assertFalse(java.util.Arrays.equals(java.util.Arrays.copyOf(withHorizon.apply(30), 30),
                java.util.Arrays.copyOf(run.losses(), 30)), "not over the tuning's 30");

        Tuner.Result cosine = o.tuning().get(0);
        Tuner.Result constant = Tuner.tune("adamw", s.withBaselineSchedule(BaselineSchedule.CONSTANT), cache, new TaskData(null),
                Parallel.of(2));
        assertFalse(constant.fromCache(), "a tuning with another schedule is not reused");
        assertFalse(constant.cacheFile().equals(cosine.cacheFile()));
        assertTrue(Tuner.tune("adamw", s, cache, new TaskData(null), Parallel.of(2)).fromCache());
    }

    @Test
    void aDivergingOptimizerIsDetectedAndRankedLast() throws Exception {
        SuiteConfig s = suite(TINY.replace("baselines: [adamw, muadam]", "baselines: [muadam]")
                .replace("seeds: [0, 1, 2]", "seeds: [0, 1]"));
        // an absurd magnitude: every step is multiplied by exp(0.001 × 60000) = e^60 — the loss explodes
        String bad = learned(true, 60000f);
        Path out = dir.resolve("div");
        SuiteRunner.Outcome o = SuiteRunner.run(s, List.of(bad), out, dir.resolve("cache2"), null, Parallel.of(2),
                new SuiteRunner.Listener() { });
        Analysis a = new Analysis(o);
        for (String t : a.tasks) {
            Analysis.Cell c = a.cells.get(t).get("mulo");
            assertEquals(2, c.diverged(), t);
            assertTrue(Double.isNaN(c.finalLoss().mean()));
            for (RunResult r : a.runs(t, "mulo")) {
                assertTrue(r.diverged() && r.divergedAt() >= 0 && r.divergedAt() < 30);
                assertTrue(r.losses().length == r.divergedAt() + 1, "the run stopped where it diverged");
            }
        }
        assertEquals(2.0, a.meanRanks[2][0], "the diverged learned optimizer ranks last at 100%");
        new Report(a).write(out);
        assertTrue(Files.readString(out.resolve(Report.MARKDOWN)).contains("diverged: μLO 2/2"));
    }

    @Test
    void veloStyleOptimizersAreEvaluatedWithTheirHorizon() throws Exception {
        SuiteConfig s = suite(TINY.replace("baselines: [adamw, muadam]", "baselines: [adamw]")
                .replace("seeds: [0, 1, 2]", "seeds: [0]"));
        io.lopt.optim.velo.VeloConfig cfg = io.lopt.optim.velo.VeloConfig.muVelo();
        Path velo = dir.resolve("velo.safetensors");
        LearnedOptimizerKinds.of(cfg, cfg.initialTheta(2), Provenance.of("test")).write(velo);
        SuiteRunner.Outcome o = SuiteRunner.run(s, List.of(velo.toString(), velo.toString()), dir.resolve("v"),
                dir.resolve("cache3"), null, Parallel.of(2), new SuiteRunner.Listener() { });
        assertEquals("μVeLO", o.optimizers().get(0).display());
        assertEquals("μVeLO #2", o.optimizers().get(1).display(), "the same name twice is told apart");
        assertNotEquals(o.optimizers().get(0).id(), o.optimizers().get(1).id());
        assertEquals(io.lopt.optimizees.models.Parametrization.MUP, o.optimizers().get(0).param());
        for (RunResult r : o.runs()) {
            assertEquals(30, r.losses().length, r.optimizer() + " ran its 30 steps");
        }
    }

    @Test
    void aPretrainedOptimizerIsRecordedByNameWithItsChecksumAndGivesHeadlineResults() throws Exception {
        SuiteConfig s = suite(TINY.replace("baselines: [adamw, muadam]", "baselines: [muadam]")
                .replace("seeds: [0, 1, 2]", "seeds: [0, 1]"));
        String name = Pretrained.names().get(0);
        String sha = Pretrained.info(name).checkpointSha256();
        Path out = dir.resolve("pre");
        SuiteRunner.run(s, List.of("pretrained:" + name), out, dir.resolve("cache4"), null, Parallel.of(2),
                new SuiteRunner.Listener() { });
        JsonNode ev = new ObjectMapper().readTree(out.resolve(SuiteRunner.EVALUATION).toFile());
        assertEquals("pretrained:" + name, ev.get("optimizers").get(0).get("checkpoint").asText());
        assertTrue(ev.get("optimizers").get(0).get("display").asText().endsWith(" (pretrained:" + name + ")"),
                "a shipped optimizer is named by its reference: " + ev.get("optimizers").get(0));
        assertEquals(sha, ev.get("optimizers").get(0).get("sha256").asText());
        Analysis a = new Analysis(SuiteRunner.reload(out));
        new Report(a).write(out);
        String md = Files.readString(out.resolve(Report.MARKDOWN));
        assertTrue(md.contains("checkpoint `pretrained:" + name + "` (SHA-256 " + sha.substring(0, 16)), md);

        List<String> lines = HeadlineResults.of(out, sha);
        assertEquals(a.tasks.size() + 1, lines.size(), lines.toString());
        String task = a.tasks.get(0);
        Analysis.Cell c = a.cells.get(task).get(a.optimizers.get(0).id());
        assertTrue(lines.get(0).startsWith("tiny suite, " + task + ": final loss "), lines.get(0));
        assertTrue(c.finalLoss().n() == 0 ? lines.get(0).contains("diverged " + c.diverged() + "/2")
                : lines.get(0).contains(String.format(java.util.Locale.ROOT, "%.4f ± ", c.finalLoss().mean())), lines.get(0));
        assertTrue(lines.get(0).contains(" of 2; best baseline μAdam "), lines.get(0));
        assertTrue(lines.get(lines.size() - 1).startsWith("tiny suite: mean rank at 100% of training "),
                lines.get(lines.size() - 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HeadlineResults.of(out, "0".repeat(64)));
        assertTrue(e.getMessage().contains("did not evaluate this checkpoint"), e.getMessage());
    }

    @Test
    void suitesAreValidated() throws Exception {
        for (String n : Suites.NAMES) {
            assertEquals(n, Suites.load(n).name());
            assertEquals(BaselineSchedule.WARMUP_COSINE, Suites.load(n).schedule(), n);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> suite(TINY.replace("steps: 30\n", "stepz: 30\nsteps: 30\n")));
        assertTrue(e.getMessage().contains("unknown key 'stepz'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> suite(TINY.replace("group: depth, depth: 4",
                "group: colour, depth: 4")));
        assertTrue(e.getMessage().contains("group must be one of"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> suite(TINY.replace("[adamw, muadam]", "[sgd]")));
        assertTrue(e.getMessage().contains("unknown baseline 'sgd'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> suite(TINY.replace("divergence_factor",
                "baseline_schedule: cosine\ndivergence_factor")));
        assertTrue(e.getMessage().contains("baseline_schedule: unknown baseline schedule 'cosine'"), e.getMessage());
        assertEquals(BaselineSchedule.CONSTANT, suite(TINY.replace("divergence_factor",
                "baseline_schedule: constant\ndivergence_factor")).schedule());
        e = assertThrows(IllegalArgumentException.class, () -> suite(TINY.replace("width: 24", "width: 0")));
        assertTrue(e.getMessage().contains("width must be at least 1"), e.getMessage());
    }
}
