package io.lopt.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Every JMH benchmark runs once, in this JVM, on its smallest inputs, and produces a finite score: a benchmark that
 * throws, or that JMH cannot run, fails {@code ./mvnw test} instead of leaving a hole in the next real run's table.
 */
class BenchmarksSmokeTest {
    @Test
    void everyBenchmarkRunsOnceAndScores() throws Exception {
        Set<String> expected = new TreeSet<>();
        for (BenchmarkListEntry e : BenchmarkList.defaultList()
                .getAll(OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT), java.util.List.of())) {
            expected.add(e.getUsername());
        }
        assertFalse(expected.isEmpty(), "no benchmark in META-INF/BenchmarkList (annotation processor not run?)");

        Options opt = new OptionsBuilder()
                .include("io\\.lopt\\.benchmarks\\..*")
                .forks(0) // in this JVM: it already has the Vector API module and -Dai.djl.offline=true
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(50))
                .param("target", "matrix64")
                .param("width", "64")
                .param("threads", "1")
                .param("preset", "mulo-s")
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();
        Collection<RunResult> results = new Runner(opt).run();

        TreeMap<String, Double> scores = new TreeMap<>();
        for (RunResult r : results) {
            scores.put(r.getParams().getBenchmark(), r.getPrimaryResult().getScore());
        }
        scores.forEach((name, score) -> System.out.println(name + ": " + score));
        assertEquals(expected, scores.keySet(), "benchmarks that produced no result");
        scores.forEach((name, score) -> assertTrue(Double.isFinite(score) && score > 0, name + " scored " + score));
    }
}
