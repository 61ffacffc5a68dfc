package io.lopt.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.evaluation.runs.RunResult;
import io.lopt.evaluation.stats.Stats;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void summaryIsMeanAndStandardErrorOfTheFiniteValues() {
        Stats.Summary s = Stats.summarize(new double[] {1, 2, 3, Double.NaN});
        assertEquals(2.0, s.mean(), 1e-12);
        // sample standard deviation of {1, 2, 3} is 1; SE = 1/sqrt(3)
        assertEquals(1 / Math.sqrt(3), s.se(), 1e-12);
        assertEquals(3, s.n());
        assertEquals(1, s.diverged());
        assertEquals("2.0000 ± 0.5774 (1 div.)", s.format());
        assertEquals(0, Stats.summarize(new double[] {Double.NaN}).n());
        assertEquals("diverged", Stats.summarize(new double[] {Double.NaN}).format());
    }

    @Test
    void aSingleFiniteValueHasNoStandardError() {
        // one seed survived four divergences: a "± 0.0000" would claim a precision the data does not have
        Stats.Summary s = Stats.summarize(new double[] {Double.NaN, 0.3843, Double.NaN, Double.NaN, Double.NaN});
        assertEquals("0.3843 ± n/a (4 div.)", s.format());
        assertEquals("86.20% ± 1.00", Stats.summarize(new double[] {0.852, 0.872}).formatPercent());
    }

    @Test
    void ranksShareTiesAndPutNonFiniteLast() {
        assertArrayEquals(new double[] {2, 1, 3}, Stats.ranks(new double[] {0.5, 0.2, 0.9}));
        assertArrayEquals(new double[] {1.5, 1.5, 4, 3}, Stats.ranks(new double[] {0.2, 0.2, Double.NaN, 0.7}));
        assertArrayEquals(new double[] {2.5, 2.5, 1}, Stats.ranks(new double[] {Double.NaN, Double.POSITIVE_INFINITY, 3}));
    }

    @Test
    void pairedTestMatchesAHandComputedT() {
        double[] a = {1.0, 2.0, 3.0, 4.0, 5.5};
        double[] b = {1.5, 2.1, 3.9, 4.2, 5.9};
        // differences: -0.5, -0.1, -0.9, -0.2, -0.4; mean -0.42, sd 0.311448...; t = mean / (sd / sqrt 5)
        double mean = -0.42;
        double sd = Math.sqrt((0.0064 + 0.1024 + 0.2304 + 0.0484 + 0.0004) / 4);
        Stats.Paired p = Stats.paired(a, b);
        assertEquals(5, p.n());
        assertEquals(mean, p.meanDiff(), 1e-12);
        assertEquals(mean / (sd / Math.sqrt(5)), p.t(), 1e-9);
        // two-sided p of t = -3.0153 with 4 degrees of freedom (reference value from the t distribution)
        assertEquals(0.03937, p.p(), 5e-4);
        Stats.Paired partial = Stats.paired(new double[] {1, Double.NaN, 2}, new double[] {0, 1, 1.5});
        assertEquals(2, partial.n(), "pairs with a diverged member are dropped");
        assertTrue(Double.isNaN(Stats.paired(new double[] {1}, new double[] {2}).p()));
    }

    @Test
    void aTunedLearningRateAtTheEdgeOfItsGridIsFlagged() {
        var grid = java.util.List.of(new double[] {1e-3, 0.9}, new double[] {1e-2, 0.5}, new double[] {1e-1, 0.4});
        assertTrue(new io.lopt.evaluation.runs.Tuner.Result("muadam", grid, 1e-1, false, "f").atEdge());
        assertTrue(!new io.lopt.evaluation.runs.Tuner.Result("muadam", grid, 1e-2, false, "f").atEdge());
    }

    @Test
    void smoothedLossesUseTheFinalWindowAndRespectDivergence() {
        float[] l = new float[100];
        for (int i = 0; i < 100; i++) {
            l[i] = i;
        }
        assertEquals(10, RunResult.window(100));
        assertEquals(94.5, RunResult.smoothedAt(l, 100, false, 100), 1e-9);
        RunResult r = new RunResult("t", "s", "o", 0, 100, l, false, -1, 94.5, null, null, 0);
        assertEquals(14.5, r.lossAtFraction(0.2), 1e-9);
        RunResult d = new RunResult("t", "s", "o", 0, 100, java.util.Arrays.copyOf(l, 30), true, 29, Double.NaN, null,
                null, 0);
        assertTrue(Double.isNaN(d.lossAtFraction(0.6)), "diverged before 60%");
        assertEquals(14.5, d.lossAtFraction(0.2), 1e-9, "still running at 20%");
    }
}
