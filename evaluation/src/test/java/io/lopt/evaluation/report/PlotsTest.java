package io.lopt.evaluation.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.lopt.evaluation.runs.EvalOptimizer;
import io.lopt.evaluation.runs.RunResult;
import io.lopt.evaluation.runs.SuiteRunner;
import io.lopt.evaluation.suites.BaselineSchedule;
import io.lopt.evaluation.suites.SuiteConfig;
import io.lopt.evaluation.suites.Suites;
import io.lopt.optimizees.models.Parametrization;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;

class PlotsTest {
    static final String TASK = "synth4-w8-d2";

    /** One task run for {@code horizon} steps by a learned optimizer and AdamW, three seeds, noisy decaying losses. */
    static Analysis analysis(int horizon, int learnedStepsRun) throws Exception {
        SuiteConfig suite = Suites.bind(new ObjectMapper(new YAMLFactory()).readTree("""
                name: plots
                axis: width
                base: {dataset: synthetic, res: 4, width: 8, depth: 2, batch: 32}
                steps: %d
                seeds: [0, 1, 2]
                tasks: [{width: 8}]
                tuning: {steps: 30, seeds: [0], lr_min: 1.0e-3, lr_max: 1.0e-1, lr_count: 3, weight_decay: 1.0e-4}
                divergence_factor: 2.0
                ranks_at: [1.0]
                """.formatted(horizon)), "test");
        List<EvalOptimizer> opts = List.of(
                new EvalOptimizer("mulo", "μLO", "small_fc_lopt", Parametrization.MUP, null, "/lo", "0".repeat(64), null),
                EvalOptimizer.baseline("adamw", 1e-3, 1e-4, BaselineSchedule.WARMUP_COSINE));
        List<RunResult> runs = new ArrayList<>();
        for (EvalOptimizer o : opts) {
            for (long seed = 0; seed < 3; seed++) {
                int n = o.learned() ? learnedStepsRun : horizon;
                float[] l = new float[n];
                for (int s = 0; s < n; s++) {
                    l[s] = (float) (2.3 * Math.exp(-3.0 * s / horizon) + 0.05 * ((s * 7 + seed) % 5));
                }
                boolean div = n < horizon;
                runs.add(new RunResult(TASK, "dataset=synthetic,res=4,width=8,depth=2,param=sp,batch=32,seed=" + seed,
                        o.id(), seed, horizon, l, div, div ? n - 1 : -1, div ? Double.NaN : l[n - 1], null, null, 1e-3));
            }
        }
        return new Analysis(new SuiteRunner.Outcome(suite, opts, List.of(), runs, null));
    }

    /**
     * The x-axis tick labels XChart draws: those its tick calculator placed inside the axis's bounds (it computes one
     * more on either side and skips them when drawing). Read through XChart's package-private axis.
     */
    static List<String> xTicks(XYChart c) throws Exception {
        BitmapEncoder.getBitmapBytes(c, BitmapEncoder.BitmapFormat.PNG); // ticks are computed when painting
        Method axisOf = org.knowm.xchart.internal.chartpart.Chart.class.getDeclaredMethod("getXAxis");
        axisOf.setAccessible(true);
        Object axis = axisOf.invoke(c);
        Object calc = axis.getClass().getMethod("getAxisTickCalculator").invoke(axis);
        Method labelsOf = calc.getClass().getMethod("getTickLabels");
        Method locationsOf = calc.getClass().getMethod("getTickLocations");
        labelsOf.setAccessible(true);
        locationsOf.setAccessible(true);
        @SuppressWarnings("unchecked")
        List<String> labels = (List<String>) labelsOf.invoke(calc);
        @SuppressWarnings("unchecked")
        List<Double> locations = (List<Double>) locationsOf.invoke(calc);
        double width = ((java.awt.geom.Rectangle2D) axis.getClass().getMethod("getBounds").invoke(axis)).getWidth();
        List<String> drawn = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            if (labels.get(i) != null && locations.get(i) > 0 && locations.get(i) < width) {
                drawn.add(labels.get(i));
            }
        }
        return drawn;
    }

    static double parse(String label) {
        return label.endsWith("k") ? 1000 * Double.parseDouble(label.substring(0, label.length() - 1))
                : Double.parseDouble(label);
    }

    /** Ticks 0, d, 2d, … with d = 1, 2 or 5 × 10^k, up to at most the horizon. */
    static void assertRoundTicks(List<String> labels, int horizon) {
        assertTrue(labels.size() >= 4, "enough ticks: " + labels);
        assertEquals("0", labels.get(0), labels.toString());
        double d = parse(labels.get(1));
        double mantissa = d / Math.pow(10, Math.floor(Math.log10(d)));
        assertTrue(Math.abs(mantissa - 1) < 1e-9 || Math.abs(mantissa - 2) < 1e-9 || Math.abs(mantissa - 5) < 1e-9,
                "a round step: " + labels);
        for (int i = 0; i < labels.size(); i++) {
            assertEquals(i * d, parse(labels.get(i)), 1e-9, "evenly spaced: " + labels);
        }
        assertTrue(parse(labels.get(labels.size() - 1)) <= horizon, labels.toString());
        assertTrue(parse(labels.get(labels.size() - 1)) + d > horizon, "ticks reach the horizon: " + labels);
    }

    @Test
    void lossCurvesHaveRoundStepTicksALogLossAxisAndSayHowTheyAreSmoothed() throws Exception {
        for (int horizon : new int[] {300, 1000, 5000, 25_000}) {
            XYChart c = Plots.lossCurvesChart(analysis(horizon, horizon), TASK);
            assertRoundTicks(xTicks(c), horizon);
            assertTrue(c.getStyler().isYAxisLogarithmic());
        }
        XYChart c = Plots.lossCurvesChart(analysis(1000, 1000), TASK);
        assertTrue(c.getXAxisTitle().contains("centred moving average over 11 steps"), c.getXAxisTitle());
        assertTrue(c.getXAxisTitle().contains("mean over 3 seeds"), c.getXAxisTitle());
        List<String> thousands = xTicks(Plots.lossCurvesChart(analysis(25_000, 25_000), TASK));
        assertTrue(thousands.contains("10k") || thousands.contains("20k"), "25,000 steps in thousands: " + thousands);
    }

    @Test
    void ticksStayRoundWhenAnOptimizerStoppedEarly() throws Exception {
        // a learned optimizer that diverged one or a few steps before the end: its curve is shorter than the axis
        for (int ran : new int[] {999, 998, 640}) {
            assertRoundTicks(xTicks(Plots.lossCurvesChart(analysis(1000, ran), TASK)), 1000);
        }
    }

    @Test
    void theSmoothingIsACentredWindowCutAtTheEnds() {
        assertArrayEquals(new double[] {0, 0, 10 / 3.0, 10 / 3.0, 10 / 3.0, 0, 0},
                CurveSmoothing.centredMovingAverage(new double[] {0, 0, 0, 10, 0, 0, 0}, 1), 1e-12);
        assertArrayEquals(new double[] {1.5, 2, 2.5}, CurveSmoothing.centredMovingAverage(new double[] {1, 2, 3}, 1),
                1e-12);
        // centred: a ramp keeps its values inside (a trailing average would lag behind by h)
        double[] ramp = new double[50];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = i;
        }
        double[] sm = CurveSmoothing.centredMovingAverage(ramp, 5);
        for (int i = 5; i < 45; i++) {
            assertEquals(i, sm[i], 1e-12);
        }
        assertEquals(5, CurveSmoothing.halfWidth(1000));
        assertEquals("not smoothed", CurveSmoothing.describe(100));
    }
}
