package io.lopt.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a JMH JSON result file ({@code -rf json}) and prints the same-run ratios BENCHMARKS.md quotes: ours against
 * the DJL peer (same benchmark class, same parameters), and 2 threads against 1. Exits 1, with one line on stderr, when
 * the file holds no result or a score that is not a finite number. Used by {@code benchmarks/run}:
 * {@code java -cp benchmarks.jar io.lopt.benchmarks.Ratios FILE}.
 */
public final class Ratios {
    /** A result: benchmark method ("MlpBenchmark.lopt"), its parameters, mean score, error, unit and mode. */
    record Score(String benchmark, Map<String, String> params, double score, double error, String unit, String mode) {
        String paramsWithout(String name) {
            Map<String, String> m = new TreeMap<>(params);
            m.remove(name);
            return m.toString();
        }

        /** The speed of this result relative to {@code other}'s (> 1: this one is faster). */
        double speedupOver(Score other) {
            return mode.equals("thrpt") ? score / other.score : other.score / score;
        }
    }

    /** Ours, then the peer measured in the same run, in the same benchmark class with the same parameters. */
    static final String[][] PAIRS = {
        {"MlpBenchmark.lopt", "MlpBenchmark.djl", "lopt vs DJL PyTorch autograd"},
        {"TransformerBenchmark.lopt", "TransformerBenchmark.djl", "transformer LM: lopt vs DJL PyTorch autograd"},
        {"LoStepBenchmark.loFused", "LoStepBenchmark.loDjlOpByOp", "fused small_fc_lopt step vs DJL op by op"},
        {"LoStepBenchmark.veloFused", "LoStepBenchmark.loFused", "VeLO step vs small_fc_lopt step"},
    };

    private Ratios() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Ratios JMH_RESULT.json");
            System.exit(2);
        }
        String problem;
        try {
            problem = report(read(Path.of(args[0])), System.out);
        } catch (IOException | RuntimeException e) {
            problem = "cannot read " + args[0] + ": " + e.getMessage();
        }
        if (problem != null) {
            System.err.println("benchmarks: " + problem);
            System.exit(1);
        }
    }

    static List<Score> read(Path file) throws IOException {
        List<Score> out = new ArrayList<>();
        for (JsonNode r : new ObjectMapper().readTree(Files.readString(file))) {
            JsonNode m = r.get("primaryMetric");
            out.add(new Score(name(r), params(r), number(m.get("score")), number(m.get("scoreError")),
                    m.get("scoreUnit").asText(), r.get("mode").asText()));
        }
        return out;
    }

    /** A JMH result's benchmark as Class.method ("MlpBenchmark.lopt"). */
    static String name(JsonNode result) {
        String name = result.get("benchmark").asText();
        return name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
    }

    /** A JMH result's parameters, sorted by name. */
    static Map<String, String> params(JsonNode result) {
        Map<String, String> params = new TreeMap<>();
        JsonNode p = result.get("params");
        if (p != null) {
            p.properties().forEach(e -> params.put(e.getKey(), e.getValue().asText()));
        }
        return params;
    }

    /** JMH writes "NaN" (a string) for a score it could not compute. */
    private static double number(JsonNode n) {
        return n == null ? Double.NaN : n.isNumber() ? n.asDouble() : Double.parseDouble(n.asText());
    }

    /** Prints the results and ratios; returns a one-line problem, or null when every result has a finite score. */
    static String report(List<Score> scores, PrintStream out) {
        if (scores.isEmpty()) {
            return "no benchmark result (did every benchmark fail, or did the pattern match none?)";
        }
        List<String> bad = new ArrayList<>();
        for (Score s : scores) {
            if (!Double.isFinite(s.score())) {
                bad.add(s.benchmark() + s.params());
            }
        }
        if (!bad.isEmpty()) {
            return "no finite score for " + String.join(", ", bad);
        }
        out.println("Same-run ratios (means of this run):");
        int printed = 0;
        for (String[] pair : PAIRS) {
            for (Score ours : scores) {
                if (!ours.benchmark().equals(pair[0])) {
                    continue;
                }
                for (Score peer : scores) {
                    if (peer.benchmark().equals(pair[1]) && peer.params().equals(ours.params())
                            && peer.mode().equals(ours.mode())) {
                        out.printf("  %-45s %-32s %.3g× (%s %s vs %s %s)%n", pair[2], ours.params(),
                                ours.speedupOver(peer), fmt(ours.score()), ours.unit(), fmt(peer.score()), peer.unit());
                        printed++;
                    }
                }
            }
        }
        // 2 threads vs 1 for every benchmark measured with both
        Map<String, Score> oneThread = new LinkedHashMap<>();
        for (Score s : scores) {
            if ("1".equals(s.params().get("threads"))) {
                oneThread.put(s.benchmark() + s.paramsWithout("threads"), s);
            }
        }
        for (Score s : scores) {
            Score one = oneThread.get(s.benchmark() + s.paramsWithout("threads"));
            if ("2".equals(s.params().get("threads")) && one != null && one.mode().equals(s.mode())) {
                out.printf("  %-45s %-32s %.3g× (%s vs %s %s)%n", s.benchmark() + ": 2 threads vs 1",
                        s.paramsWithout("threads"), s.speedupOver(one), fmt(s.score()), fmt(one.score()), s.unit());
                printed++;
            }
        }
        if (printed == 0) {
            out.println("  (no pair measured in this run: run both sides, e.g. the whole class)");
        }
        return null;
    }

    private static String fmt(double v) {
        return String.format(v >= 100 ? "%.1f" : v >= 1 ? "%.3f" : "%.4f", v);
    }
}
