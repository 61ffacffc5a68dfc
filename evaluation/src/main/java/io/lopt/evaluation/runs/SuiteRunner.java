package io.lopt.evaluation.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.checkpoints.AtomicFiles;
import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import io.lopt.checkpoints.LearnedOptimizerKinds;
import io.lopt.checkpoints.Provenance;
import io.lopt.pretrained.CheckpointSource;
import io.lopt.evaluation.suites.SuiteConfig;
import io.lopt.evaluation.suites.Suites;
import io.lopt.kernels.Parallel;
import io.lopt.optimizees.models.Parametrization;
import io.lopt.optimizees.tasks.Task;
import io.lopt.optimizees.tasks.TaskData;
import io.lopt.optimizees.tasks.TaskSpec;
import io.lopt.optimizees.tasks.Training;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs an evaluation suite: tunes the baselines (cached), then trains every optimizer on every task with every seed,
 * in parallel over the cores. Each finished run is written to {@code runs/TASK/OPTIMIZER/seed-S.json} at once, so an
 * interrupted evaluation resumes where it stopped without redoing finished runs.
 */
public final class SuiteRunner {
    public static final String EVALUATION = "evaluation.json";
    /** 2: baselines with a schedule ({@code baseline_schedule}); divergence = mean of the last 20 losses. */
    static final int FORMAT_VERSION = 2;
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What an evaluation reports as it goes. */
    public interface Listener {
        default void onMessage(String message) {
        }

        default void onRun(RunResult r, int done, int total) {
        }
    }

    /**
     * Runs the seeds of one task and optimizer together on a device (a GPU through the DJL backend); null when
     * everything runs on the CPU kernels.
     */
    public interface BatchBackend {
        /** Whether this backend runs this optimizer; the others run on the CPU kernels. */
        boolean supports(io.lopt.optim.OptimizerFactory factory);

        /** One result per task (seed), in order. */
        List<Training.Result> run(List<Task> tasks, io.lopt.optim.OptimizerFactory factory, Training.Options options);
    }

    /** Everything an evaluation produced: the suite, optimizers, tuning, runs and provenance. */
    public record Outcome(SuiteConfig suite, List<EvalOptimizer> optimizers, List<Tuner.Result> tuning,
            List<RunResult> runs, ObjectNode evaluation) {
    }

    private SuiteRunner() {
    }

    /** One planned run. */
    record Planned(SuiteConfig.Variant variant, EvalOptimizer optimizer, long seed, int steps, TaskSpec spec, Path file,
            double cost) {
    }

    public static Outcome run(SuiteConfig suite, List<String> learned, Path out, Path tuningCache, Path dataDir,
            Parallel par, Listener listener) {
        return run(suite, learned, out, tuningCache, dataDir, par, listener, null);
    }

    /**
     * Runs the suite; the runs whose optimizer {@code backend} supports go to it, seeds batched. {@code learned} are
     * checkpoint references (files or {@code pretrained:NAME}, see {@link CheckpointSource#resolve}); the results
     * record each as {@code pretrained:NAME} or the file's absolute path, with its SHA-256.
     */
    public static Outcome run(SuiteConfig suite, List<String> learned, Path out, Path tuningCache, Path dataDir,
            Parallel par, Listener listener, BatchBackend backend) {
        List<EvalOptimizer> opts = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        Map<String, Integer> displays = new HashMap<>();
        for (String ref : learned) {
            CheckpointSource src = CheckpointSource.resolve(ref);
            LearnedOptimizerCheckpoint c = src.learnedOptimizer();
            io.lopt.optim.LearnedOptimizer family = LearnedOptimizerKinds.family(c);
            io.lopt.checkpoints.LearnedOptimizerKind kind = LearnedOptimizerKinds.of(family);
            boolean mup = family.mup();
            boolean shipped = ref.startsWith(io.lopt.pretrained.Pretrained.PREFIX);
            String base = kind.shortName(family) + (shipped ? "-pretrained" : "");
            int k = names.merge(base, 1, Integer::sum);
            String id = k == 1 ? base : base + "-" + k;
            // a shipped one is named by its reference (several may be evaluated together): "μLO (pretrained:mulo)"
            String named = kind.displayName(family) + (shipped ? " (" + ref + ")" : "");
            int d = displays.merge(named, 1, Integer::sum);
            String display = d == 1 ? named : named + " #" + d;
            opts.add(new EvalOptimizer(id, display, c.optimizer(), mup ? Parametrization.MUP : Parametrization.SP,
                    family.withTheta(c.theta()), src.location(), c.sha256(), null));
        }
        ObjectNode evaluation = describe(suite, opts);
        prepare(out, evaluation);
        TaskData data = new TaskData(dataDir); // each dataset loaded once for the whole suite, tuning included
        List<Tuner.Result> tuning = new ArrayList<>();
        for (String b : suite.baselines()) {
            listener.onMessage("tuning " + b + " (" + suite.schedule().key() + ") on "
                    + suite.base().spec(EvalOptimizer.baseline(b, 1, 0, suite.schedule()).param(), 0).label()
                    + " over " + suite.tuning().lrCount() + " learning rates...");
            Tuner.Result r = Tuner.tune(b, suite, tuningCache, data, par);
            listener.onMessage(String.format(Locale.ROOT, "  %s: best lr %.3g%s%s", b, r.bestLr(),
                    r.fromCache() ? " (cached in " + r.cacheFile() + ")" : "",
                    r.atEdge() ? " — at the edge of the grid (widen lr_min / lr_max)" : ""));
            tuning.add(r);
            opts.add(EvalOptimizer.baseline(b, r.bestLr(), suite.tuning().weightDecay(), suite.schedule()));
        }
        evaluation = describe(suite, opts);
        evaluation.set("tuning", tuningJson(tuning));
        write(out.resolve(EVALUATION), evaluation);

        List<Planned> plan = plan(suite, opts, out);
        List<Planned> todo = new ArrayList<>();
        for (Planned p : plan) {
            if (load(p.file, why -> listener.onMessage("damaged run file " + p.file + " (" + why
                    + "): running it again")) == null) {
                todo.add(p);
            }
        }
        listener.onMessage(plan.size() + " runs (" + (plan.size() - todo.size()) + " already done), "
                + par.threads() + " threads");
        todo.sort((a, b) -> Double.compare(b.cost, a.cost)); // longest first: better load balance
        AtomicInteger done = new AtomicInteger(plan.size() - todo.size());
        if (backend != null) {
            todo = runOnBackend(todo, suite, data, backend, done, plan.size(), listener);
        }
        List<Planned> cpuRuns = todo;
        par.forEach(cpuRuns.size(), i -> {
            Planned p = cpuRuns.get(i);
            RunResult r = runOne(p, suite, data, par);
            write(p.file, JSON.valueToTree(r));
            listener.onRun(r, done.incrementAndGet(), plan.size());
        });
        List<RunResult> runs = new ArrayList<>();
        for (Planned p : plan) {
            runs.add(load(p.file));
        }
        return new Outcome(suite, opts, tuning, runs, evaluation);
    }

    /** Runs the supported planned runs on the backend, seeds of a task and optimizer batched; returns the rest. */
    private static List<Planned> runOnBackend(List<Planned> todo, SuiteConfig suite, TaskData data,
            BatchBackend backend, AtomicInteger done, int total, Listener listener) {
        Map<String, List<Planned>> groups = new java.util.LinkedHashMap<>();
        List<Planned> rest = new ArrayList<>();
        for (Planned p : todo) {
            if (backend.supports(p.optimizer.factory())) {
                groups.computeIfAbsent(taskLabel(p.spec, p.steps, suite) + "|" + p.optimizer.id(), k -> new ArrayList<>())
                        .add(p);
            } else {
                rest.add(p);
            }
        }
        for (List<Planned> g : groups.values()) {
            Planned first = g.get(0);
            List<Task> tasks = new ArrayList<>();
            for (Planned p : g) {
                tasks.add(Task.build(p.spec, data));
            }
            List<Training.Result> rs = backend.run(tasks, first.optimizer.factory(),
                    new Training.Options(first.steps, suite.divergenceFactor(), true));
            for (int i = 0; i < g.size(); i++) {
                RunResult r = result(g.get(i), suite, rs.get(i));
                write(g.get(i).file, JSON.valueToTree(r));
                listener.onRun(r, done.incrementAndGet(), total);
            }
        }
        return rest;
    }

    static List<Planned> plan(SuiteConfig suite, List<EvalOptimizer> opts, Path out) {
        List<Planned> plan = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (SuiteConfig.Variant v : suite.tasks()) {
            int steps = v.steps(suite.steps());
            if (!seen.add(taskLabel(v.spec(suite.base(), Parametrization.MUP, 0), steps, suite))) {
                continue; // the same task listed in another group
            }
            for (EvalOptimizer o : opts) {
                for (long seed : suite.seeds()) {
                    TaskSpec spec = v.spec(suite.base(), o.param(), seed);
                    String task = taskLabel(spec, steps, suite);
                    Path f = out.resolve("runs").resolve(task).resolve(o.id()).resolve("seed-" + seed + ".json");
                    double cost = spec.taskFamily().flopsPerStep(spec) * steps * (o.learned() ? 8 : 1);
                    plan.add(new Planned(v, o, seed, steps, spec, f, cost));
                }
            }
        }
        return plan;
    }

    /**
     * The task's label without its parametrization (μP and SP versions of a task are "the same task"), with its
     * number of steps when it differs from the suite's.
     */
    public static String taskLabel(TaskSpec spec, int steps, SuiteConfig suite) {
        String l = spec.label().replaceAll("-(mup|sp)$", "");
        return steps != suite.steps() ? l + "-T" + steps : l;
    }

    /** The tasks of each group (summary plot), in suite order; a task may be in several groups. */
    public static java.util.Map<String, List<String>> groups(SuiteConfig suite) {
        java.util.Map<String, List<String>> g = new java.util.LinkedHashMap<>();
        for (SuiteConfig.Variant v : suite.tasks()) {
            String label = taskLabel(v.spec(suite.base(), Parametrization.MUP, 0), v.steps(suite.steps()), suite);
            List<String> l = g.computeIfAbsent(v.group(suite.axis()), k -> new ArrayList<>());
            if (!l.contains(label)) {
                l.add(label);
            }
        }
        return g;
    }

    static RunResult runOne(Planned p, SuiteConfig suite, TaskData data, Parallel par) {
        Task task = Task.build(p.spec, data);
        Training.Result r = Training.run(task, p.optimizer.factory(),
                new Training.Options(p.steps, suite.divergenceFactor(), true), null, par);
        return result(p, suite, r);
    }

    static RunResult result(Planned p, SuiteConfig suite, Training.Result r) {
        double fin = r.diverged() ? Double.NaN
                : RunResult.smoothedAt(r.losses(), p.steps, false, r.losses().length);
        return new RunResult(taskLabel(p.spec, p.steps, suite), p.spec.toString(), p.optimizer.id(), p.seed, p.steps,
                r.losses(), r.diverged(), r.diverged() ? (int) r.stepsRun() - 1 : -1, fin,
                r.test() == null ? null : r.test().loss(), r.test() == null ? null : r.test().accuracy(),
                r.secondsPerStep());
    }

    static RunResult load(Path f) {
        return load(f, why -> { });
    }

    /** A finished run's result, or null when it has none yet or its file is damaged (then {@code damaged} says why). */
    static RunResult load(Path f, java.util.function.Consumer<String> damaged) {
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return JSON.readValue(f.toFile(), RunResult.class);
        } catch (IOException e) {
            damaged.accept(io.lopt.metatrain.config.StrictYaml.describe(e));
            return null;
        }
    }

    static void write(Path f, JsonNode node) {
        try {
            AtomicFiles.write(f, JSON.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f + ": " + e.getMessage(), e);
        }
    }

    /** The suite and optimizers, with provenance: what a finished run's results depend on. */
    static ObjectNode describe(SuiteConfig suite, List<EvalOptimizer> opts) {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", "lopt.evaluation");
        o.put("format_version", FORMAT_VERSION);
        o.set("suite", Suites.toTree(suite));
        o.set("baselines", baselinesJson(suite));
        o.put("divergence", io.lopt.optimizees.tasks.Divergence.describe(suite.divergenceFactor()));
        ArrayNode arr = o.putArray("optimizers");
        for (EvalOptimizer e : opts) {
            ObjectNode x = arr.addObject();
            x.put("id", e.id());
            x.put("display", e.display());
            x.put("kind", e.kind());
            x.put("parametrization", e.param().label());
            x.put("describe", e.factory().describe());
            if (e.learned()) {
                x.put("checkpoint", e.checkpoint());
                x.put("sha256", e.sha256());
            } else {
                x.put("lr", e.lr());
                x.put("schedule", suite.schedule().key());
            }
        }
        ObjectNode prov = o.putObject("provenance");
        prov.put("lopt_version", Provenance.currentVersion());
        prov.put("java", System.getProperty("java.version"));
        prov.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        prov.put("cores", Runtime.getRuntime().availableProcessors());
        prov.put("created", Provenance.now());
        return o;
    }

    /** How the baselines run: {@code schedule}, {@code description}, {@code update_clip_global_norm} (null: none). */
    public static ObjectNode baselinesJson(SuiteConfig suite) {
        ObjectNode b = JSON.createObjectNode();
        b.put("schedule", suite.schedule().key());
        b.put("description", suite.schedule().describe());
        if (suite.schedule().clipNorm() != null) {
            b.put("update_clip_global_norm", suite.schedule().clipNorm());
        } else {
            b.putNull("update_clip_global_norm");
        }
        return b;
    }

    static ArrayNode tuningJson(List<Tuner.Result> tuning) {
        ArrayNode arr = JSON.createArrayNode();
        for (Tuner.Result t : tuning) {
            ObjectNode o = arr.addObject();
            o.put("baseline", t.baseline());
            o.put("best_lr", t.bestLr());
            o.put("best_at_grid_edge", t.atEdge());
            o.put("from_cache", t.fromCache());
            o.put("cache_file", t.cacheFile());
            ArrayNode g = o.putArray("grid");
            for (double[] p : t.grid()) {
                ObjectNode x = g.addObject();
                x.put("lr", p[0]);
                if (Double.isFinite(p[1])) {
                    x.put("final_loss", p[1]);
                } else {
                    x.putNull("final_loss");
                }
            }
        }
        return arr;
    }

    /**
     * Checks that {@code out} holds nothing or an evaluation of the same suite and optimizers (then its finished
     * runs are reused).
     */
    static void prepare(Path out, ObjectNode evaluation) {
        Path f = out.resolve(EVALUATION);
        if (Files.isRegularFile(f)) {
            try {
                JsonNode old = JSON.readTree(f.toFile());
                if (old.path("format_version").asInt(0) < FORMAT_VERSION) {
                    throw new IllegalArgumentException(out + " holds an evaluation made under older rules (constant-lr "
                            + "baselines, divergence at one loss above the factor); use another --out directory (or "
                            + "delete it)");
                }
                if (!sameSuite(old.path("suite"), evaluation.get("suite")) || !sameLearned(old, evaluation)) {
                    throw new IllegalArgumentException(out + " holds an evaluation of another suite or other learned "
                            + "optimizers; use another --out directory (or delete it)");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out + ": " + e.getMessage(), e);
        }
    }

    private static boolean sameSuite(JsonNode a, JsonNode b) {
        try {
            return Suites.bindRecorded(a, "evaluation.json").equals(Suites.bind(b, "suite"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean sameLearned(JsonNode a, JsonNode b) {
        List<String> x = new ArrayList<>();
        List<String> y = new ArrayList<>();
        a.path("optimizers").forEach(o -> {
            if (o.has("sha256")) {
                x.add(o.get("sha256").asText());
            }
        });
        b.path("optimizers").forEach(o -> {
            if (o.has("sha256")) {
                y.add(o.get("sha256").asText());
            }
        });
        return x.equals(y);
    }

    /** Reloads a finished (or partial) evaluation from its directory, for {@code lopt report}. */
    public static Outcome reload(Path out) {
        return reload(out, message -> { });
    }

    /**
     * Reloads an evaluation; each damaged run file is left out and reported to {@code skipped} with its path and the
     * reason.
     */
    public static Outcome reload(Path out, java.util.function.Consumer<String> skipped) {
        Path f = out.resolve(EVALUATION);
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException(out + " is not an evaluation directory (no " + EVALUATION + ")");
        }
        ObjectNode ev;
        try {
            ev = (ObjectNode) JSON.readTree(f.toFile());
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("cannot read " + f + ": " + e.getMessage(), e);
        }
        SuiteConfig suite = Suites.bindRecorded(ev.get("suite"), f.toString());
        List<EvalOptimizer> opts = new ArrayList<>();
        for (JsonNode o : ev.path("optimizers")) {
            Parametrization p = Parametrization.parse(o.get("parametrization").asText());
            opts.add(new EvalOptimizer(o.get("id").asText(), o.get("display").asText(), o.get("kind").asText(), p,
                    null, o.has("checkpoint") ? o.get("checkpoint").asText() : null,
                    o.has("sha256") ? o.get("sha256").asText() : null, o.has("lr") ? o.get("lr").asDouble() : null));
        }
        List<Tuner.Result> tuning = new ArrayList<>();
        for (JsonNode t : ev.path("tuning")) {
            List<double[]> grid = new ArrayList<>();
            for (JsonNode g : t.get("grid")) {
                grid.add(new double[] {g.get("lr").asDouble(), g.get("final_loss").isNull() ? Double.NaN
                        : g.get("final_loss").asDouble()});
            }
            tuning.add(new Tuner.Result(t.get("baseline").asText(), grid, t.get("best_lr").asDouble(),
                    t.get("from_cache").asBoolean(), t.get("cache_file").asText()));
        }
        List<RunResult> runs = new ArrayList<>();
        for (Planned p : plan(suite, opts, out)) {
            RunResult r = load(p.file, why -> skipped.accept("skipped damaged run file " + p.file + " (" + why + ")"));
            if (r != null) {
                runs.add(r);
            }
        }
        return new Outcome(suite, opts, tuning, runs, ev);
    }
}
