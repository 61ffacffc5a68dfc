package io.lopt.evaluation.report;

import io.lopt.evaluation.runs.EvalOptimizer;
import io.lopt.evaluation.runs.RunResult;
import io.lopt.evaluation.runs.SuiteRunner;
import io.lopt.evaluation.stats.Stats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The numbers a report shows, computed from an evaluation's runs: per task and optimizer, summaries over seeds of
 * the final smoothed training loss, test loss and accuracy, divergence and time per step; ranks at fractions of the
 * horizon (averaged over tasks, like the paper's Table 1); and a paired test of each learned optimizer against the
 * best Adam variant per task.
 */
public final class Analysis {
    /**
     * Per task and optimizer; {@code meanCurve}: the training loss averaged over seeds, smoothed
     * ({@link CurveSmoothing}).
     */
    public record Cell(String task, String optimizer, Stats.Summary finalLoss, Stats.Summary testLoss,
            Stats.Summary testAccuracy, int runs, int diverged, double secondsPerStep, double[] meanCurve) {
    }

    /** A learned optimizer against the best Adam variant on one task. */
    public record Comparison(String task, String learned, String baseline, Stats.Paired test) {
    }

    public final SuiteRunner.Outcome outcome;
    public final List<String> tasks = new ArrayList<>();
    public final List<EvalOptimizer> optimizers;
    public final Map<String, Map<String, Cell>> cells = new LinkedHashMap<>();
    /** ranks[fraction index][task][optimizer index] */
    public final double[][][] ranks;
    public final double[][] meanRanks;
    public final List<Comparison> comparisons = new ArrayList<>();

    public Analysis(SuiteRunner.Outcome outcome) {
        this.outcome = outcome;
        this.optimizers = outcome.optimizers();
        for (RunResult r : outcome.runs()) {
            if (!tasks.contains(r.task())) {
                tasks.add(r.task());
            }
        }
        for (String t : tasks) {
            Map<String, Cell> row = new LinkedHashMap<>();
            for (EvalOptimizer o : optimizers) {
                List<RunResult> rs = runs(t, o.id());
                if (!rs.isEmpty()) {
                    row.put(o.id(), cell(t, o.id(), rs));
                }
            }
            cells.put(t, row);
        }
        List<Double> fractions = outcome.suite().ranksAt();
        ranks = new double[fractions.size()][tasks.size()][];
        meanRanks = new double[fractions.size()][optimizers.size()];
        for (int f = 0; f < fractions.size(); f++) {
            for (int t = 0; t < tasks.size(); t++) {
                double[] v = new double[optimizers.size()];
                for (int o = 0; o < optimizers.size(); o++) {
                    List<RunResult> rs = runs(tasks.get(t), optimizers.get(o).id());
                    double s = 0;
                    for (RunResult r : rs) {
                        s += r.lossAtFraction(fractions.get(f));
                    }
                    v[o] = rs.isEmpty() ? Double.NaN : s / rs.size(); // a diverged seed makes the mean NaN: ranked last
                }
                ranks[f][t] = Stats.ranks(v);
                for (int o = 0; o < optimizers.size(); o++) {
                    meanRanks[f][o] += ranks[f][t][o] / tasks.size();
                }
            }
        }
        for (String t : tasks) {
            String best = null;
            double bestLoss = Double.POSITIVE_INFINITY;
            for (EvalOptimizer o : optimizers) {
                Cell c = cells.get(t).get(o.id());
                if (!o.learned() && c != null && c.finalLoss().n() > 0) {
                    double l = c.finalLoss().diverged() > 0 ? Double.POSITIVE_INFINITY : c.finalLoss().mean();
                    if (best == null || l < bestLoss) {
                        best = o.id();
                        bestLoss = l;
                    }
                }
            }
            if (best == null) {
                continue;
            }
            for (EvalOptimizer o : optimizers) {
                if (o.learned()) {
                    double[] a = bySeed(t, o.id());
                    double[] b = bySeed(t, best);
                    comparisons.add(new Comparison(t, o.id(), best, Stats.paired(a, b)));
                }
            }
        }
    }

    public List<RunResult> runs(String task, String optimizer) {
        List<RunResult> out = new ArrayList<>();
        for (RunResult r : outcome.runs()) {
            if (r.task().equals(task) && r.optimizer().equals(optimizer)) {
                out.add(r);
            }
        }
        return out;
    }

    /** Final losses in seed order of the suite (NaN for a missing or diverged run). */
    double[] bySeed(String task, String optimizer) {
        List<Long> seeds = outcome.suite().seeds();
        double[] v = new double[seeds.size()];
        java.util.Arrays.fill(v, Double.NaN);
        for (RunResult r : runs(task, optimizer)) {
            int i = seeds.indexOf(r.seed());
            if (i >= 0) {
                v[i] = r.finalLoss();
            }
        }
        return v;
    }

    private static Cell cell(String task, String opt, List<RunResult> rs) {
        double[] fin = new double[rs.size()];
        double[] tl = new double[rs.size()];
        double[] ta = new double[rs.size()];
        double sps = 0;
        int div = 0;
        int shortest = Integer.MAX_VALUE;
        for (int i = 0; i < rs.size(); i++) {
            RunResult r = rs.get(i);
            fin[i] = r.finalLoss();
            tl[i] = r.testLoss() == null ? Double.NaN : r.testLoss();
            ta[i] = r.testAccuracy() == null ? Double.NaN : r.testAccuracy();
            sps += r.secondsPerStep() / rs.size();
            div += r.diverged() ? 1 : 0;
            shortest = Math.min(shortest, r.losses().length);
        }
        // mean curve over seeds, up to where every seed still runs, lightly smoothed (centred: no lag)
        double[] curve = new double[shortest];
        for (RunResult r : rs) {
            for (int s = 0; s < shortest; s++) {
                curve[s] += r.losses()[s] / rs.size();
            }
        }
        return new Cell(task, opt, Stats.summarize(fin), Stats.summarize(tl), Stats.summarize(ta), rs.size(), div, sps,
                CurveSmoothing.centredMovingAverage(curve, CurveSmoothing.halfWidth(rs.get(0).steps())));
    }

    /** The number of steps of a task's runs (its horizon). */
    public int horizon(String task) {
        return runsOfTask(task).get(0).steps();
    }

    /** The optimizer with the lowest mean final loss on a task among those with no diverged seed, or null. */
    public String best(String task) {
        String best = null;
        double bestLoss = Double.POSITIVE_INFINITY;
        for (Cell c : cells.get(task).values()) {
            if (c.diverged() == 0 && c.finalLoss().n() > 0 && c.finalLoss().mean() < bestLoss) {
                bestLoss = c.finalLoss().mean();
                best = c.optimizer();
            }
        }
        return best;
    }

    public EvalOptimizer optimizer(String id) {
        for (EvalOptimizer o : optimizers) {
            if (o.id().equals(id)) {
                return o;
            }
        }
        throw new IllegalArgumentException("no optimizer " + id);
    }

    /** The groups of the suite (summary plots) and their tasks that have runs. */
    public Map<String, List<String>> groups() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        SuiteRunner.groups(outcome.suite()).forEach((g, ts) -> {
            List<String> have = new ArrayList<>();
            for (String t : ts) {
                if (tasks.contains(t)) {
                    have.add(t);
                }
            }
            if (!have.isEmpty()) {
                out.put(g, have);
            }
        });
        return out;
    }

    /** The value of a group's axis for a task (from its first run's spec). */
    public String axisValue(String task, String group) {
        RunResult r = runsOfTask(task).get(0);
        io.lopt.optimizees.tasks.TaskSpec s = io.lopt.optimizees.tasks.TaskSpec.parse(r.spec());
        return switch (group) {
            case "width" -> String.valueOf(s.width());
            case "depth" -> String.valueOf(s.depth());
            case "steps" -> String.valueOf(r.steps());
            default -> "fashion-mnist".equals(s.dataset()) ? "fmnist " + s.resolution() + "x" + s.resolution()
                    : "synthetic".equals(s.dataset()) ? "synthetic " + s.resolution() * s.resolution() + "d"
                    : s.label();
        };
    }

    List<RunResult> runsOfTask(String task) {
        List<RunResult> out = new ArrayList<>();
        for (RunResult r : outcome.runs()) {
            if (r.task().equals(task)) {
                out.add(r);
            }
        }
        return out;
    }
}
