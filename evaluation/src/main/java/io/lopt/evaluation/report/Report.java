package io.lopt.evaluation.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.checkpoints.AtomicFiles;
import io.lopt.evaluation.runs.EvalOptimizer;
import io.lopt.evaluation.runs.RunResult;
import io.lopt.evaluation.runs.SuiteRunner;
import io.lopt.evaluation.runs.Tuner;
import io.lopt.evaluation.stats.Stats;
import io.lopt.evaluation.suites.BaselineSchedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes an evaluation's outputs into its directory: {@code results.json} (every number, with provenance),
 * {@code report.md}, a self-contained {@code report.html} with the plots embedded, and the plots as PNG files in
 * {@code plots/}.
 */
public final class Report {
    public static final String RESULTS = "results.json";
    public static final String MARKDOWN = "report.md";
    public static final String HTML = "report.html";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Analysis a;
    private final Map<String, byte[]> plots = new LinkedHashMap<>();
    private final List<String> plotErrors = new ArrayList<>();

    public Report(Analysis a) {
        this.a = a;
    }

    /** Writes every output and returns the path of report.html. */
    public Path write(Path dir) {
        render();
        try {
            Files.createDirectories(dir.resolve("plots"));
            for (Map.Entry<String, byte[]> p : plots.entrySet()) {
                AtomicFiles.write(dir.resolve("plots").resolve(p.getKey()), p.getValue());
            }
            AtomicFiles.write(dir.resolve(RESULTS), JSON.writeValueAsBytes(results()));
            AtomicFiles.write(dir.resolve(MARKDOWN), markdown().getBytes(StandardCharsets.UTF_8));
            AtomicFiles.write(dir.resolve(HTML), html().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report into " + dir + ": " + e.getMessage(), e);
        }
        return dir.resolve(HTML);
    }

    static String groupPlot(String group) {
        return "final-loss-vs-" + group + ".png";
    }

    static String fileName(String task) {
        return "loss-" + task.replaceAll("[^A-Za-z0-9._-]", "_") + ".png";
    }

    private void render() {
        for (String t : a.tasks) {
            try {
                plots.put(fileName(t), Plots.lossCurves(a, t));
            } catch (IOException | RuntimeException | Error e) {
                plotErrors.add("loss curves of " + t + ": " + e);
            }
        }
        for (Map.Entry<String, List<String>> g : a.groups().entrySet()) {
            try {
                plots.put(groupPlot(g.getKey()), Plots.finalLossVsAxis(a, g.getKey(), g.getValue()));
            } catch (IOException | RuntimeException | Error e) {
                plotErrors.add("final loss vs " + g.getKey() + ": " + e);
            }
        }
    }

    private static void num(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) {
            o.put(k, v);
        } else {
            o.putNull(k);
        }
    }

    private static ObjectNode summary(Stats.Summary s) {
        ObjectNode o = JSON.createObjectNode();
        num(o, "mean", s.mean());
        num(o, "se", s.se());
        o.put("n", s.n());
        o.put("diverged", s.diverged());
        return o;
    }

    ObjectNode results() {
        ObjectNode root = a.outcome.evaluation().deepCopy();
        root.put("format", "lopt.evaluation-results");
        if (!root.has("baselines")) { // recorded before baselines had schedules
            root.set("baselines", SuiteRunner.baselinesJson(a.outcome.suite()));
        }
        root.put("divergence", divergenceText());
        root.put("loss_curves", curvesText());
        ArrayNode cells = root.putArray("cells");
        for (String t : a.tasks) {
            for (Analysis.Cell c : a.cells.get(t).values()) {
                ObjectNode o = cells.addObject();
                o.put("task", t);
                o.put("optimizer", c.optimizer());
                o.set("final_loss", summary(c.finalLoss()));
                o.set("test_loss", summary(c.testLoss()));
                o.set("test_accuracy", summary(c.testAccuracy()));
                o.put("runs", c.runs());
                o.put("diverged", c.diverged());
                o.put("seconds_per_step", c.secondsPerStep());
            }
        }
        ObjectNode ranks = root.putObject("ranks");
        List<Double> fr = a.outcome.suite().ranksAt();
        for (int f = 0; f < fr.size(); f++) {
            ObjectNode at = ranks.putObject(String.format(Locale.ROOT, "%.0f%%", 100 * fr.get(f)));
            ObjectNode mean = at.putObject("mean_over_tasks");
            for (int o = 0; o < a.optimizers.size(); o++) {
                mean.put(a.optimizers.get(o).id(), a.meanRanks[f][o]);
            }
            ObjectNode per = at.putObject("per_task");
            for (int t = 0; t < a.tasks.size(); t++) {
                ObjectNode x = per.putObject(a.tasks.get(t));
                for (int o = 0; o < a.optimizers.size(); o++) {
                    x.put(a.optimizers.get(o).id(), a.ranks[f][t][o]);
                }
            }
        }
        ArrayNode comp = root.putArray("paired_tests");
        for (Analysis.Comparison c : a.comparisons) {
            ObjectNode o = comp.addObject();
            o.put("task", c.task());
            o.put("learned", c.learned());
            o.put("best_adam", c.baseline());
            o.put("pairs", c.test().n());
            num(o, "mean_difference", c.test().meanDiff());
            num(o, "t", c.test().t());
            num(o, "p_value", c.test().p());
        }
        ArrayNode runs = root.putArray("runs");
        for (RunResult r : a.outcome.runs()) {
            ObjectNode o = runs.addObject();
            o.put("task", r.task());
            o.put("spec", r.spec());
            o.put("optimizer", r.optimizer());
            o.put("seed", r.seed());
            o.put("steps", r.steps());
            o.put("diverged", r.diverged());
            o.put("diverged_at", r.divergedAt());
            num(o, "final_loss", r.finalLoss());
            num(o, "test_loss", r.testLoss() == null ? Double.NaN : r.testLoss());
            num(o, "test_accuracy", r.testAccuracy() == null ? Double.NaN : r.testAccuracy());
            o.put("seconds_per_step", r.secondsPerStep());
            ArrayNode l = o.putArray("losses");
            for (float v : r.losses()) {
                if (Float.isFinite(v)) {
                    l.add(v);
                } else {
                    l.addNull();
                }
            }
        }
        if (!plotErrors.isEmpty()) {
            ArrayNode pe = root.putArray("plot_errors");
            plotErrors.forEach(pe::add);
        }
        return root;
    }

    /** One line per task: which optimizer reached the lowest final training loss. */
    public List<String> winners() {
        List<String> out = new ArrayList<>();
        for (String t : a.tasks) {
            String best = a.best(t);
            double bestLoss = best == null ? Double.NaN : a.cells.get(t).get(best).finalLoss().mean();
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-28s ", t));
            sb.append(best == null ? "every optimizer diverged" : String.format(Locale.ROOT, "best: %-8s %.4f",
                    a.optimizer(best).display(), bestLoss));
            List<String> div = new ArrayList<>();
            for (Analysis.Cell c : a.cells.get(t).values()) {
                if (c.diverged() > 0) {
                    div.add(a.optimizer(c.optimizer()).display() + " " + c.diverged() + "/" + c.runs());
                }
            }
            if (!div.isEmpty()) {
                sb.append("   diverged: ").append(String.join(", ", div));
            }
            out.add(sb.toString());
        }
        return out;
    }

    private String rankTableMd() {
        StringBuilder sb = new StringBuilder("| optimizer |");
        List<Double> fr = a.outcome.suite().ranksAt();
        for (double f : fr) {
            sb.append(String.format(Locale.ROOT, " rank at %.0f%% |", 100 * f));
        }
        sb.append("\n|---|").append("---|".repeat(fr.size())).append('\n');
        for (int o = 0; o < a.optimizers.size(); o++) {
            sb.append("| ").append(a.optimizers.get(o).display()).append(" |");
            for (int f = 0; f < fr.size(); f++) {
                sb.append(String.format(Locale.ROOT, " %.2f |", a.meanRanks[f][o]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private String taskTableMd(String t) {
        StringBuilder sb = new StringBuilder(
                "| optimizer | final train loss | test loss | test accuracy | diverged | ms/step |\n|---|---|---|---|---|---|\n");
        for (Analysis.Cell c : a.cells.get(t).values()) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %d/%d | %.2f |%n",
                    a.optimizer(c.optimizer()).display(), c.finalLoss().format(), c.testLoss().format(),
                    c.testAccuracy().n() == 0 ? "-" : c.testAccuracy().formatPercent(),
                    c.diverged(), c.runs(), 1e3 * c.secondsPerStep()));
        }
        return sb.toString();
    }

    private String optimizersMd() {
        StringBuilder sb = new StringBuilder("| optimizer | networks | details |\n|---|---|---|\n");
        for (EvalOptimizer o : a.optimizers) {
            String d = o.learned() ? "checkpoint `" + o.checkpoint() + "` (SHA-256 " + o.sha256().substring(0, 16) + "…)"
                    : String.format(Locale.ROOT, "tuned lr = %.3g%s", o.lr(), switch (schedule()) {
                        case WARMUP_COSINE -> " (peak), warmup + cosine to 10%, update clipped to global norm 1.0";
                        case CONSTANT -> ", constant, no clipping";
                    });
            sb.append("| ").append(o.display()).append(" | ").append(o.param().label()).append(" | ").append(d).append(" |\n");
        }
        return sb.toString();
    }

    private BaselineSchedule schedule() {
        return a.outcome.suite().schedule();
    }

    /** How the baselines were run: their schedule and clipping, on every task and in the tuning. */
    String baselinesText() {
        var s = a.outcome.suite();
        return String.format(Locale.ROOT, "Baselines (%s) ran with `baseline_schedule: %s`: %s. The tuning runs used "
                + "the same schedule over their own horizon (%d steps).", String.join(", ", s.baselines()),
                schedule().key(), schedule().describe(), s.tuning().steps());
    }

    /** The divergence rule the runs were judged by (evaluations recorded before it changed say so). */
    String divergenceText() {
        var ev = a.outcome.evaluation();
        if (ev != null && ev.has("divergence")) {
            return ev.get("divergence").asText();
        }
        if (ev != null && ev.path("format_version").asInt(0) < 2) {
            return String.format(Locale.ROOT, "a non-finite minibatch loss, or one minibatch loss above %s× the first "
                    + "loss (the rule of the lopt that recorded this evaluation)", a.outcome.suite().divergenceFactor());
        }
        return io.lopt.optimizees.tasks.Divergence.describe(a.outcome.suite().divergenceFactor());
    }

    /** The caption of the loss-curve plots. */
    String curvesText() {
        return String.format(Locale.ROOT, "Loss curves: training minibatch loss on a log scale, averaged over the seeds "
                + "and smoothed by a centred moving average over 2⌊T/200⌋ + 1 steps of a T-step run (%d for %d "
                + "steps); a curve ends where the first of its seeds diverged.",
                2 * CurveSmoothing.halfWidth(a.outcome.suite().steps()) + 1, a.outcome.suite().steps());
    }

    private String tuningMd() {
        StringBuilder sb = new StringBuilder();
        for (Tuner.Result t : a.outcome.tuning()) {
            sb.append(String.format(Locale.ROOT, "- **%s**: best lr %.3g%s%s. Grid (lr → mean final loss): ", t.baseline(),
                    t.bestLr(), t.fromCache() ? " (from the tuning cache)" : "",
                    t.atEdge() ? " — at the edge of the grid: the optimum may lie outside it (widen lr_min / lr_max)"
                            : ""));
            List<String> g = new ArrayList<>();
            for (double[] p : t.grid()) {
                g.add(String.format(Locale.ROOT, "%.2g → %s", p[0], Double.isFinite(p[1])
                        ? String.format(Locale.ROOT, "%.4f", p[1]) : "diverged"));
            }
            sb.append(String.join(", ", g)).append('\n');
        }
        return sb.toString();
    }

    private String pairedMd() {
        if (a.comparisons.isEmpty()) {
            return "No learned optimizer was evaluated.\n";
        }
        StringBuilder sb = new StringBuilder(
                "| task | learned | best Adam variant | pairs | mean difference | t | p |\n|---|---|---|---|---|---|---|\n");
        for (Analysis.Comparison c : a.comparisons) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %s | %s | %s |%n", c.task(),
                    a.optimizer(c.learned()).display(), a.optimizer(c.baseline()).display(), c.test().n(),
                    fmt(c.test().meanDiff()), fmt(c.test().t()), fmt(c.test().p())));
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4g", v) : "n/a";
    }

    String markdown() {
        var s = a.outcome.suite();
        StringBuilder sb = new StringBuilder();
        sb.append("# Evaluation: suite `").append(s.name()).append("`\n\n").append(s.description()).append("\n\n");
        sb.append(String.format(Locale.ROOT, "%d tasks × %d optimizers × %d seeds, %d steps (unless a task says "
                + "otherwise). Metric: training minibatch loss; *final* = mean over the last %d steps. A run diverges "
                + "(it stops there and ranks last) at %s.%n%n%s%n%n",
                a.tasks.size(), a.optimizers.size(), s.seeds().size(), s.steps(), RunResult.window(s.steps()),
                divergenceText(), baselinesText()));
        sb.append("## Summary\n\n```\n").append(String.join("\n", winners())).append("\n```\n\n");
        sb.append("## Final training loss along each varied property\n\n```\n")
                .append(String.join("\n", new Trends(a).lines())).append("\n```\n\n");
        sb.append("## Optimizers\n\n").append(optimizersMd()).append("\n## Tuning of the baselines\n\n")
                .append(tuningMd());
        sb.append("\n## Ranks (mean over tasks, 1 = best)\n\n").append(rankTableMd());
        for (String g : a.groups().keySet()) {
            sb.append("\n## Final loss vs ").append(g).append("\n\n![final loss vs ").append(g).append("](plots/")
                    .append(groupPlot(g)).append(")\n");
        }
        sb.append("\n## Learned optimizers vs the best Adam variant (paired t-test over seeds, final loss)\n\n")
                .append(pairedMd());
        sb.append("\n## Tasks\n\n").append(curvesText()).append('\n');
        for (String t : a.tasks) {
            sb.append("\n### ").append(t).append("\n\n").append(taskTableMd(t)).append("\n![loss curves](plots/")
                    .append(fileName(t)).append(")\n");
        }
        if (!plotErrors.isEmpty()) {
            sb.append("\n## Plot errors\n\n");
            plotErrors.forEach(e -> sb.append("- ").append(e).append('\n'));
        }
        sb.append("\n## Provenance\n\n```json\n").append(a.outcome.evaluation().get("provenance").toPrettyString())
                .append("\n```\n");
        return sb.toString();
    }

    private String img(String name) {
        byte[] b = plots.get(name);
        return b == null ? "<p><em>plot unavailable</em></p>"
                : "<img alt=\"" + esc(name) + "\" src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(b) + "\">";
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** The Markdown tables turned into HTML tables, plots embedded: one file with no outside references. */
    String html() {
        var s = a.outcome.suite();
        StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.append("<title>lopt evaluation: ").append(esc(s.name())).append("</title><style>")
                .append("body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}")
                .append("table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;")
                .append("text-align:left}th{background:#f4f4f4}pre{background:#f7f7f7;padding:.6em;overflow:auto}")
                .append("img{max-width:100%}</style></head><body>\n");
        sb.append("<h1>Evaluation: suite <code>").append(esc(s.name())).append("</code></h1>\n<p>")
                .append(esc(s.description())).append("</p>\n");
        sb.append("<p>").append(esc(baselinesText()).replaceAll("`([^`]+)`", "<code>$1</code>"))
                .append("</p><p>A run diverges (it stops there and ranks last) at ").append(esc(divergenceText()))
                .append(".</p>\n");
        sb.append("<h2>Summary</h2><pre>").append(esc(String.join("\n", winners()))).append("</pre>\n");
        sb.append("<h2>Final training loss along each varied property</h2><pre>")
                .append(esc(String.join("\n", new Trends(a).lines()))).append("</pre>\n");
        sb.append("<h2>Optimizers</h2>").append(mdTable(optimizersMd()));
        sb.append("<h2>Tuning of the baselines</h2><ul>");
        for (String line : tuningMd().split("\n")) {
            if (!line.isBlank()) {
                sb.append("<li>").append(esc(line.substring(2)).replaceAll("\\*\\*(.+?)\\*\\*", "<b>$1</b>")).append("</li>");
            }
        }
        sb.append("</ul><h2>Ranks (mean over tasks, 1 = best)</h2>").append(mdTable(rankTableMd()));
        for (String g : a.groups().keySet()) {
            sb.append("<h2>Final loss vs ").append(esc(g)).append("</h2>").append(img(groupPlot(g)));
        }
        sb.append("<h2>Learned optimizers vs the best Adam variant</h2><p>Paired t-test over seeds of the final "
                + "training loss (negative difference: the learned optimizer is lower).</p>").append(mdTable(pairedMd()));
        sb.append("<h2>Tasks</h2><p>").append(esc(curvesText())).append("</p>");
        for (String t : a.tasks) {
            sb.append("<h3>").append(esc(t)).append("</h3>").append(mdTable(taskTableMd(t))).append(img(fileName(t)));
        }
        if (!plotErrors.isEmpty()) {
            sb.append("<h2>Plot errors</h2><ul>");
            plotErrors.forEach(e -> sb.append("<li>").append(esc(e)).append("</li>"));
            sb.append("</ul>");
        }
        sb.append("<h2>Provenance</h2><pre>").append(esc(a.outcome.evaluation().get("provenance").toPrettyString()))
                .append("</pre></body></html>\n");
        return sb.toString();
    }

    /** A Markdown table (as produced above) as an HTML table; plain text otherwise. */
    static String mdTable(String md) {
        String[] lines = md.strip().split("\n");
        if (lines.length < 2 || !lines[0].startsWith("|")) {
            return "<p>" + esc(md) + "</p>";
        }
        StringBuilder sb = new StringBuilder("<table>");
        for (int i = 0; i < lines.length; i++) {
            if (i == 1) {
                continue;
            }
            String[] cells = lines[i].substring(1, lines[i].length() - 1).split("\\|");
            sb.append("<tr>");
            for (String c : cells) {
                String tag = i == 0 ? "th" : "td";
                sb.append('<').append(tag).append('>').append(esc(c.trim()).replaceAll("`([^`]+)`", "<code>$1</code>"))
                        .append("</").append(tag).append('>');
            }
            sb.append("</tr>");
        }
        return sb.append("</table>\n").toString();
    }
}
