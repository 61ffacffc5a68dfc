package io.lopt.evaluation.report;

import io.lopt.evaluation.runs.EvalOptimizer;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's plots, rendered with XChart to PNG bytes. */
final class Plots {
    private static final Color[] COLORS = {new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C),
        new Color(0xFF7F0E), new Color(0x9467BD), new Color(0x8C564B), new Color(0xE377C2), new Color(0x7F7F7F)};

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {
    }

    static Color color(int i) {
        return COLORS[i % COLORS.length];
    }

    /**
     * Mean training-loss curve (over seeds, {@link CurveSmoothing smoothed}) of every optimizer on one task, like the
     * μLO paper's plots: the loss on a log axis, steps from 0 to the task's horizon with ticks at round step counts.
     */
    static byte[] lossCurves(Analysis a, String task) throws IOException {
        return png(lossCurvesChart(a, task));
    }

    static XYChart lossCurvesChart(Analysis a, String task) {
        int horizon = a.horizon(task);
        int seeds = a.outcome.suite().seeds().size();
        XYChart c = new XYChartBuilder().width(720).height(440).title("Training loss: " + task)
                .xAxisTitle("step  (mean over " + seeds + " seeds, " + CurveSmoothing.describe(horizon) + ")")
                .yAxisTitle("training loss (log scale)").build();
        style(c.getStyler());
        c.getStyler().setMarkerSize(0);
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setYAxisLogarithmicDecadeOnly(false); // label 0.3, 0.4, … too: losses span about one decade
        // a narrow padding around the data (XChart's default, 8%, drew the label of a tick past the horizon)
        c.getStyler().setPlotContentSize(0.97);
        double first = Double.NaN;
        double lowest = Double.POSITIVE_INFINITY;
        Map<String, Analysis.Cell> row = a.cells.get(task);
        for (int i = 0; i < a.optimizers.size(); i++) {
            EvalOptimizer o = a.optimizers.get(i);
            Analysis.Cell cell = row.get(o.id());
            if (cell == null || cell.meanCurve().length == 0) {
                continue;
            }
            double[] y = cell.meanCurve();
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int s : plottedSteps(y.length)) {
                if (Double.isFinite(y[s]) && y[s] > 0) {
                    xs.add((double) s);
                    ys.add(y[s]);
                }
            }
            if (xs.isEmpty()) {
                continue;
            }
            if (Double.isNaN(first) || ys.get(0) > first) {
                first = ys.get(0);
            }
            for (double v : ys) {
                lowest = Math.min(lowest, v);
            }
            String name = o.display() + (cell.diverged() > 0 ? " (" + cell.diverged() + "/" + cell.runs() + " diverged)" : "");
            XYSeries s = c.addSeries(name, xs, ys);
            s.setLineColor(color(i));
            s.setMarker(SeriesMarkers.NONE);
            s.setLineStyle(new BasicStroke(o.learned() ? 2.4f : 1.6f));
        }
        if (Double.isFinite(first)) {
            c.getStyler().setYAxisMax(first * 1.1);
            c.getStyler().setYAxisMin(Math.min(lowest, first) / 1.1);
        }
        c.getStyler().setXAxisMin(0.0);
        c.getStyler().setXAxisMax((double) horizon);
        c.getStyler().setxAxisTickLabelsFormattingFunction(v -> stepLabel(v, horizon >= 5000));
        return c;
    }

    /**
     * The steps of a curve of n points that are plotted: every k-th (k ≥ 2, at most ~500 points) and the last two.
     * XChart puts the ticks of an axis whose points are equally spaced on data points (0, 270, 540, … for 1000
     * steps); the step of 1 between the last two points breaks the spacing, so that it picks round values (0, 200,
     * 400, …) instead.
     */
    static List<Integer> plottedSteps(int n) {
        int k = Math.max(2, (n + 499) / 500);
        List<Integer> out = new ArrayList<>();
        for (int s = 0; s < n - 2; s += k) {
            out.add(s);
        }
        for (int s = Math.max(0, n - 2); s < n; s++) {
            out.add(s);
        }
        return out;
    }

    /** A step count for a tick: 250, or in thousands 5k, 12.5k. */
    static String stepLabel(double v, boolean thousands) {
        if (thousands && v != 0) {
            double k = v / 1000;
            return (k == Math.rint(k) ? String.valueOf((long) k) : String.valueOf(k)) + "k";
        }
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** Final smoothed training loss (mean ± standard error over seeds) against the suite's axis. */
    static byte[] finalLossVsAxis(Analysis a, String axis, List<String> tasks) throws IOException {
        if (axis.equals("dataset")) {
            CategoryChart c = new CategoryChartBuilder().width(720).height(420).title("Final training loss by task")
                    .xAxisTitle("task").yAxisTitle("final smoothed training loss").build();
            style(c.getStyler());
            for (int i = 0; i < a.optimizers.size(); i++) {
                EvalOptimizer o = a.optimizers.get(i);
                List<String> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (String t : tasks) {
                    Analysis.Cell cell = a.cells.get(t).get(o.id());
                    xs.add(a.axisValue(t, axis));
                    ys.add(cell == null || cell.finalLoss().n() == 0 ? 0.0 : cell.finalLoss().mean());
                }
                c.addSeries(o.display(), xs, ys).setFillColor(color(i));
            }
            return png(c);
        }
        String label = switch (axis) {
            case "width" -> "width (hidden units)";
            case "depth" -> "depth (hidden layers)";
            default -> "training steps";
        };
        XYChart c = new XYChartBuilder().width(720).height(480).title("Final training loss vs " + axis)
                .xAxisTitle(label).yAxisTitle("final smoothed training loss").build();
        style(c.getStyler());
        // below the plot: a legend inside it hid the highest points (those of an optimizer that fails to transfer)
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setXAxisLogarithmic(!axis.equals("depth"));
        for (int i = 0; i < a.optimizers.size(); i++) {
            EvalOptimizer o = a.optimizers.get(i);
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            List<Double> es = new ArrayList<>();
            List<String> diverged = new ArrayList<>();
            for (String t : tasks) {
                Analysis.Cell cell = a.cells.get(t).get(o.id());
                if (cell != null && cell.finalLoss().n() > 0 && cell.diverged() == 0) {
                    xs.add(Double.parseDouble(a.axisValue(t, axis)));
                    ys.add(cell.finalLoss().mean());
                    es.add(cell.finalLoss().se());
                } else if (cell != null && cell.diverged() > 0) {
                    diverged.add(a.axisValue(t, axis) + " (" + cell.diverged() + "/" + cell.runs() + ")");
                }
            }
            // a point with diverged seeds has no mean: say so in the legend instead of silently dropping it
            String name = o.display() + (diverged.isEmpty() ? "" : " — diverged at " + String.join(", ", diverged));
            if (xs.isEmpty()) {
                xs.add(Double.NaN);
                ys.add(Double.NaN);
                es.add(0.0);
            }
            XYSeries s = c.addSeries(name, xs, ys, es);
            s.setLineColor(color(i));
            s.setMarkerColor(color(i));
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        if (c.getSeriesMap().isEmpty()) {
            c.addSeries("(every optimizer diverged)", new double[] {1}, new double[] {0});
        }
        return png(c);
    }

    private static void style(org.knowm.xchart.style.AxesChartStyler s) {
        s.setLegendPosition(Styler.LegendPosition.InsideNE);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotGridLinesColor(new Color(0xDDDDDD));
        s.setLegendBorderColor(new Color(0xCCCCCC));
        s.setAntiAlias(true);
    }

    private static byte[] png(Chart<?, ?> c) throws IOException {
        return BitmapEncoder.getBitmapBytes(c, BitmapEncoder.BitmapFormat.PNG);
    }
}
