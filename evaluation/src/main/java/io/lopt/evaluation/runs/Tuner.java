package io.lopt.evaluation.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.checkpoints.AtomicFiles;
import io.lopt.evaluation.suites.SuiteConfig;
import io.lopt.kernels.Parallel;
import io.lopt.optimizees.tasks.Task;
import io.lopt.optimizees.tasks.TaskData;
import io.lopt.optimizees.tasks.TaskSpec;
import io.lopt.optimizees.tasks.Training;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * Tunes a baseline's learning rate once on the base task over a log-spaced grid (the paper's protocol, scaled down:
 * the learning rate only, β = (0.9, 0.999)), each grid point run with the suite's baseline schedule over the tuning's
 * own horizon ({@code tuning.steps}). Results are cached on disk, keyed by everything they depend on (the schedule,
 * and the version of the divergence rule, included), and reused by later evaluations.
 */
public final class Tuner {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The outcome: every grid point's mean final smoothed loss (NaN = diverged on some seed) and the winner. */
    public record Result(String baseline, List<double[]> grid, double bestLr, boolean fromCache, String cacheFile) {
        /** Whether the winner is the smallest or largest value tried (the grid may not contain the optimum). */
        public boolean atEdge() {
            return grid.size() > 1 && (bestLr == grid.get(0)[0] || bestLr == grid.get(grid.size() - 1)[0]);
        }
    }

    private Tuner() {
    }

    public static Result tune(String baseline, SuiteConfig suite, Path cacheDir, TaskData data, Parallel par) {
        SuiteConfig.Tuning t = suite.tuning();
        EvalOptimizer probe = EvalOptimizer.baseline(baseline, 1e-3, t.weightDecay(), suite.schedule());
        TaskSpec base = suite.base().spec(probe.param(), 0);
        ObjectNode key = JSON.createObjectNode();
        key.put("baseline", baseline);
        key.put("task", base.toString());
        key.set("tuning", JSON.valueToTree(t));
        key.put("divergence_factor", suite.divergenceFactor());
        key.put("baseline_schedule", suite.schedule().key());
        key.put("version", 2); // 2: baseline schedules; divergence = mean of the last 20 losses
        String hash = sha256(key.toString()).substring(0, 16);
        Path file = cacheDir.resolve(baseline + "-" + hash + ".json");
        if (Files.isRegularFile(file)) {
            try {
                JsonNode cached = JSON.readTree(file.toFile());
                if (cached.path("key").toString().equals(key.toString())) {
                    List<double[]> grid = new java.util.ArrayList<>();
                    for (JsonNode g : cached.get("grid")) {
                        grid.add(new double[] {g.get("lr").asDouble(), g.get("final_loss").asDouble(Double.NaN)});
                    }
                    return new Result(baseline, grid, cached.get("best_lr").asDouble(), true, file.toString());
                }
            } catch (IOException | RuntimeException ignored) {
                // a damaged cache entry is recomputed and rewritten
            }
        }
        List<Double> lrs = t.grid();
        int runs = lrs.size() * t.seeds().size();
        double[] finals = new double[runs];
        par.forEach(runs, i -> {
            double lr = lrs.get(i / t.seeds().size());
            long seed = t.seeds().get(i % t.seeds().size());
            Task task = Task.build(base.withSeed(seed), data);
            Training.Result r = Training.run(task,
                    EvalOptimizer.baseline(baseline, lr, t.weightDecay(), suite.schedule()).factory(),
                    new Training.Options(t.steps(), suite.divergenceFactor(), false), null, par);
            finals[i] = r.diverged() ? Double.NaN
                    : RunResult.smoothedAt(r.losses(), t.steps(), false, r.losses().length);
        });
        List<double[]> grid = new java.util.ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        double bestLr = lrs.get(0);
        ArrayNode g = JSON.createArrayNode();
        for (int l = 0; l < lrs.size(); l++) {
            double s = 0;
            for (int k = 0; k < t.seeds().size(); k++) {
                s += finals[l * t.seeds().size() + k];
            }
            double mean = s / t.seeds().size();
            grid.add(new double[] {lrs.get(l), mean});
            ObjectNode o = g.addObject();
            o.put("lr", lrs.get(l));
            o.put("final_loss", mean);
            if (mean < best) {
                best = mean;
                bestLr = lrs.get(l);
            }
        }
        ObjectNode out = JSON.createObjectNode();
        out.set("key", key);
        out.set("grid", g);
        out.put("best_lr", bestLr);
        try {
            Files.createDirectories(cacheDir);
            AtomicFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(out));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write the tuning cache " + file + ": " + e.getMessage(), e);
        }
        return new Result(baseline, grid, bestLr, false, file.toString());
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
