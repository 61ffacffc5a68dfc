package io.lopt.evaluation.report;

import io.lopt.evaluation.runs.EvalOptimizer;
import io.lopt.evaluation.stats.Stats;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How each optimizer's final loss moves along each varied property of a suite (width, depth, steps, dataset): one
 * table per group of at least two tasks, an optimizer per row, the mean final training loss per task (or how many
 * seeds diverged), and a plain statement of what the row shows — lower or higher at the last task than at the first,
 * and which optimizer is best at the last task. This is how the quickstart's summary shows the paper's finding (μLO
 * improving with width, the SP learned optimizer degrading) as measured, whichever way it comes out.
 */
public final class Trends {
    private final Analysis a;

    public Trends(Analysis a) {
        this.a = a;
    }

    /** The tables as text lines, ready to print. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        int width = 14; // the optimizers' names, padded to the longest
        for (EvalOptimizer o : a.optimizers) {
            width = Math.max(width, o.display().length());
        }
        for (Map.Entry<String, List<String>> g : a.groups().entrySet()) {
            List<String> ts = g.getValue();
            if (ts.size() < 2) {
                continue;
            }
            StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-" + (width + 2) + "s", g.getKey()));
            for (String t : ts) {
                head.append(String.format(Locale.ROOT, " %12s", a.axisValue(t, g.getKey())));
            }
            out.add(head.toString());
            String first = ts.get(0);
            String last = ts.get(ts.size() - 1);
            for (EvalOptimizer o : a.optimizers) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-" + width + "s", o.display()));
                for (String t : ts) {
                    row.append(String.format(Locale.ROOT, " %12s", cellText(t, o.id())));
                }
                row.append("   ").append(verdict(o.id(), first, last, g.getKey()));
                out.add(row.toString());
            }
            String best = a.best(last);
            out.add("  best at " + g.getKey() + " " + a.axisValue(last, g.getKey()) + ": "
                    + (best == null ? "none (every optimizer diverged)" : a.optimizer(best).display()));
        }
        return out;
    }

    private Analysis.Cell cell(String task, String opt) {
        Map<String, Analysis.Cell> row = a.cells.get(task);
        return row == null ? null : row.get(opt);
    }

    private String cellText(String task, String opt) {
        Analysis.Cell c = cell(task, opt);
        if (c == null) {
            return "-";
        }
        if (c.diverged() > 0) {
            return "div " + c.diverged() + "/" + c.runs();
        }
        return String.format(Locale.ROOT, "%.4f", c.finalLoss().mean());
    }

    /** What the row shows, from the first to the last task of the group. */
    String verdict(String opt, String first, String last, String axis) {
        Analysis.Cell f = cell(first, opt);
        Analysis.Cell l = cell(last, opt);
        if (f == null || l == null) {
            return "";
        }
        String lv = a.axisValue(last, axis);
        String fv = a.axisValue(first, axis);
        if (l.diverged() > 0) {
            return "diverges at " + lv + " (" + l.diverged() + "/" + l.runs() + " seeds)";
        }
        if (f.diverged() > 0 || f.finalLoss().n() == 0 || l.finalLoss().n() == 0) {
            return "";
        }
        Stats.Summary sf = f.finalLoss();
        Stats.Summary sl = l.finalLoss();
        double noise = Math.sqrt(square(sf.se()) + square(sl.se()));
        double d = sl.mean() - sf.mean();
        if (Math.abs(d) <= 2 * noise) {
            return "about the same at " + lv + " as at " + fv;
        }
        return (d < 0 ? "lower" : "higher") + " at " + lv + " than at " + fv;
    }

    private static double square(double x) {
        return Double.isFinite(x) ? x * x : 0;
    }
}
