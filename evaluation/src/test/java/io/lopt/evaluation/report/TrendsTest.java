package io.lopt.evaluation.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.evaluation.runs.EvalOptimizer;
import io.lopt.evaluation.runs.RunResult;
import io.lopt.evaluation.runs.SuiteRunner;
import io.lopt.evaluation.suites.SuiteConfig;
import io.lopt.evaluation.suites.Suites;
import io.lopt.optimizees.models.Parametrization;
import io.lopt.optimizees.tasks.TaskSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrendsTest {

    /** Runs with final loss {@code loss + 0.001·seed} (or diverged) for every seed of a width variant. */
    static void add(List<RunResult> runs, SuiteConfig s, int width, String opt, double loss, int divergedSeeds) {
        for (int seed = 0; seed < 5; seed++) {
            TaskSpec spec = TaskSpec.mlp(s.base().dataset(), s.base().res(), width, s.base().depth(), Parametrization.MUP,
                    s.base().batch(), seed);
            boolean div = seed < divergedSeeds;
            runs.add(new RunResult(SuiteRunner.taskLabel(spec, s.steps(), s), spec.toString(), opt, seed, s.steps(),
                    new float[] {2.3f, (float) loss}, div, div ? 1 : -1, div ? Double.NaN : loss + 0.001 * seed, null, null,
                    0));
        }
    }

    @Test
    void eachRowSaysWhichWayTheLossMovesAndWhoIsBestAtTheLastTask() {
        SuiteConfig s = Suites.load("quick");
        List<RunResult> runs = new ArrayList<>();
        int[] widths = {32, 128, 512, 1024};
        double[] lo = {0.50, 0.47, 0.45, 0.44};
        double[] sp = {0.48, 0.52, 0.60, 0};
        for (int i = 0; i < widths.length; i++) {
            add(runs, s, widths[i], "mulo", lo[i], 0);
            add(runs, s, widths[i], "sp-lo", sp[i], i == 3 ? 4 : 0);
            add(runs, s, widths[i], "muadam", 0.49, 0);
        }
        List<EvalOptimizer> opts = List.of(
                new EvalOptimizer("mulo", "μLO (pretrained:mulo-s)", "small_fc_lopt", Parametrization.MUP, null, "a", "x", null),
                new EvalOptimizer("sp-lo", "SP LO", "small_fc_lopt", Parametrization.SP, null, "b", "y", null),
                EvalOptimizer.baseline("muadam", 0.1, 0, io.lopt.evaluation.suites.BaselineSchedule.WARMUP_COSINE));
        Analysis a = new Analysis(new SuiteRunner.Outcome(s, opts, List.of(), runs, null));
        List<String> lines = new Trends(a).lines();
        String text = String.join("\n", lines);
        assertTrue(lines.get(0).startsWith("width"), text);
        assertTrue(lines.get(0).contains("1024"), text);
        String mulo = lines.stream().filter(l -> l.trim().startsWith("μLO")).findFirst().orElseThrow();
        assertTrue(mulo.contains("0.4420") && mulo.endsWith("lower at 1024 than at 32"), mulo);
        String spLo = lines.stream().filter(l -> l.trim().startsWith("SP LO")).findFirst().orElseThrow();
        assertTrue(spLo.contains("div 4/5") && spLo.endsWith("diverges at 1024 (4/5 seeds)"), spLo);
        String adam = lines.stream().filter(l -> l.trim().startsWith("μAdam")).findFirst().orElseThrow();
        assertTrue(adam.endsWith("about the same at 1024 as at 32"), adam);
        assertEquals("  best at width 1024: μLO (pretrained:mulo-s)", lines.get(4), text);
        // a name longer than the others widens the name column: every row's numbers start where the header's do
        int col = lines.get(0).indexOf("32") + 2;
        for (String row : List.of(mulo, spLo, adam)) {
            assertTrue(Character.isDigit(row.charAt(col - 1)) && row.charAt(col) == ' ', row + " / " + lines.get(0));
        }
    }
}
