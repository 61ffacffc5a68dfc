package io.lopt.evaluation.report;

import io.lopt.evaluation.runs.EvalOptimizer;
import io.lopt.evaluation.runs.SuiteRunner;
import io.lopt.evaluation.stats.Stats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The headline numbers of one learned optimizer in an evaluation directory, one line per task plus one line of mean
 * ranks: what {@code lopt pretrained add --suite-results DIR} writes into the pretrained index. The optimizer is found
 * by its checkpoint's SHA-256, so a checkpoint evaluated from a file is recognised after it was copied.
 */
public final class HeadlineResults {
    private HeadlineResults() {
    }

    /** The lines for the learned optimizer whose checkpoint SHA-256 is {@code checkpointSha256}. */
    public static List<String> of(Path evaluationDir, String checkpointSha256) {
        Analysis a = new Analysis(SuiteRunner.reload(evaluationDir));
        String suite = a.outcome.suite().name();
        int me = -1;
        List<String> learned = new ArrayList<>();
        for (int i = 0; i < a.optimizers.size(); i++) {
            EvalOptimizer o = a.optimizers.get(i);
            if (o.learned()) {
                learned.add(o.display() + " " + o.sha256().substring(0, 12) + "…");
                if (o.sha256().equals(checkpointSha256)) {
                    me = i;
                }
            }
        }
        if (me < 0) {
            throw new IllegalArgumentException(evaluationDir + " did not evaluate this checkpoint (SHA-256 "
                    + checkpointSha256.substring(0, 12) + "…; it evaluated " + (learned.isEmpty() ? "no learned optimizer"
                            : String.join(", ", learned)) + ")");
        }
        EvalOptimizer self = a.optimizers.get(me);
        int f = a.outcome.suite().ranksAt().indexOf(1.0);
        f = f < 0 ? a.outcome.suite().ranksAt().size() - 1 : f;
        int n = a.optimizers.size();
        List<String> out = new ArrayList<>();
        for (int t = 0; t < a.tasks.size(); t++) {
            String task = a.tasks.get(t);
            Analysis.Cell c = a.cells.get(task).get(self.id());
            if (c == null) {
                continue;
            }
            Analysis.Cell best = null;
            for (EvalOptimizer o : a.optimizers) {
                Analysis.Cell b = a.cells.get(task).get(o.id());
                if (!o.learned() && b != null && b.diverged() == 0 && b.finalLoss().n() > 0
                        && (best == null || b.finalLoss().mean() < best.finalLoss().mean())) {
                    best = b;
                }
            }
            out.add(String.format(Locale.ROOT, "%s suite, %s: final loss %s, rank %s of %d; best baseline %s", suite,
                    task, loss(c),
                    rank(a.ranks[f][t][me]), n, best == null ? "none (all diverged)"
                            : a.optimizer(best.optimizer()).display() + " " + loss(best)));
        }
        List<String> others = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (i != me) {
                others.add(a.optimizers.get(i).display() + " " + rank(a.meanRanks[f][i]));
            }
        }
        out.add(String.format(Locale.ROOT, "%s suite: mean rank at %.0f%% of training %s%s", suite,
                100 * a.outcome.suite().ranksAt().get(f), rank(a.meanRanks[f][me]),
                others.isEmpty() ? "" : " (" + String.join(", ", others) + ")"));
        return out;
    }

    /** Mean ± standard error of the final loss over the seeds that did not diverge, and how many diverged. */
    private static String loss(Analysis.Cell c) {
        Stats.Summary s = c.finalLoss();
        if (s.n() == 0) {
            return "diverged " + c.diverged() + "/" + c.runs();
        }
        String v = new Stats.Summary(s.mean(), s.se(), s.n(), 0).format();
        return c.diverged() > 0 ? v + " (" + c.diverged() + "/" + c.runs() + " diverged)" : v;
    }

    private static String rank(double r) {
        return r == Math.rint(r) ? String.valueOf((long) r) : String.format(Locale.ROOT, "%.1f", r);
    }
}
