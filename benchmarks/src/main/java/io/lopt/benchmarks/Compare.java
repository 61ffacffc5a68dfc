package io.lopt.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The summary of {@code benchmarks/compare}: for every benchmark and parameter set, the median over all measured
 * iterations of every round of the base build and of the current build, and the speed ratio (> 1: the current build
 * is faster). When the benchmark reports auxiliary counters {@code innerSteps} and {@code wallSeconds}
 * ({@link MetaTrainBenchmark}), it also prints inner steps per second.
 *
 * <p>{@code java -cp benchmarks.jar io.lopt.benchmarks.Compare BASE HEAD base=FILE head=FILE ...}
 */
public final class Compare {
    private Compare() {
    }

    /** Per (benchmark, parameters): raw iteration scores and counter sums of one side. */
    static final class Side {
        final List<Double> iterations = new ArrayList<>();
        double innerSteps;
        double wallSeconds;
        String unit;
        String mode;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: Compare BASE HEAD base=FILE head=FILE ...");
            System.exit(2);
        }
        Map<String, Side> base = new TreeMap<>();
        Map<String, Side> head = new TreeMap<>();
        for (int i = 2; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            read(Path.of(kv[1]), kv[0].equals("base") ? base : head);
        }
        System.out.printf("%-55s %14s %14s %8s%n", "benchmark [params]", args[0], args[1], "speed");
        for (Map.Entry<String, Side> e : head.entrySet()) {
            Side h = e.getValue();
            Side b = base.get(e.getKey());
            if (b == null) {
                System.out.printf("%-55s %14s %14.3f %8s%n", e.getKey(), "-", median(h.iterations), "-");
                continue;
            }
            double mb = median(b.iterations);
            double mh = median(h.iterations);
            double speed = h.mode.equals("thrpt") ? mh / mb : mb / mh;
            System.out.printf("%-55s %11.3f %s %11.3f %s %7.2fx%n", e.getKey(), mb, unitShort(b.unit), mh,
                    unitShort(h.unit), speed);
            if (b.wallSeconds > 0 && h.wallSeconds > 0) {
                System.out.printf("%-55s %14.0f %14.0f %7.2fx%n", "  inner steps/s (counters)",
                        b.innerSteps / b.wallSeconds, h.innerSteps / h.wallSeconds,
                        (h.innerSteps / h.wallSeconds) / (b.innerSteps / b.wallSeconds));
            }
        }
    }

    private static String unitShort(String unit) {
        return unit.length() > 2 ? unit.substring(0, 2) : unit;
    }

    static void read(Path file, Map<String, Side> into) throws IOException {
        for (JsonNode r : new ObjectMapper().readTree(Files.readString(file))) {
            Side s = into.computeIfAbsent(Ratios.name(r) + " " + Ratios.params(r), k -> new Side());
            JsonNode m = r.get("primaryMetric");
            s.unit = m.get("scoreUnit").asText();
            s.mode = r.get("mode").asText();
            for (JsonNode fork : m.get("rawData")) {
                for (JsonNode it : fork) {
                    s.iterations.add(it.asDouble());
                }
            }
            JsonNode sec = r.get("secondaryMetrics");
            if (sec != null && sec.has("innerSteps") && sec.has("wallSeconds")) {
                s.innerSteps += total(sec.get("innerSteps"));
                s.wallSeconds += total(sec.get("wallSeconds"));
            }
        }
    }

    /** The sum of an auxiliary counter over all iterations (JMH stores each iteration's value in rawData). */
    private static double total(JsonNode metric) {
        double t = 0;
        for (JsonNode fork : metric.get("rawData")) {
            for (JsonNode it : fork) {
                t += it.asDouble();
            }
        }
        return t;
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
