package io.lopt.benchmarks;

import io.lopt.kernels.Parallel;
import io.lopt.metatrain.MetaTrainer;
import io.lopt.metatrain.config.Presets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Meta-training throughput: one outer step of a preset — {@code mulo-s} (8 antithetic pairs × K = 50 inner steps of a
 * width-64, depth-3 μP MLP on 8×8 Fashion-MNIST, batch 128) or {@code mulo-m} (the same at widths 32, 64 and 128, one
 * estimator each) — with 1 and 2 threads. The auxiliary counters report inner steps per second and the time spent in
 * the forward/backward kernels and in the learned-optimizer kernel. {@code benchmarks/compare} runs it against an
 * older commit's library in the same session.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class MetaTrainBenchmark {
    @Param({"1", "2"})
    int threads;

    @Param({"mulo-s", "mulo-m"})
    String preset;

    MetaTrainer trainer;
    Parallel par;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Split {
        public long innerSteps;
        public double fwdBwdSeconds;
        public double optimizerSeconds;
        public double wallSeconds;
    }

    @Setup(Level.Trial)
    public void setup() {
        par = Parallel.of(threads);
        trainer = new MetaTrainer(Presets.load(preset).withOuterSteps(1_000_000), null, par);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        par.close();
    }

    @Benchmark
    public double outerStep(Split split) {
        MetaTrainer.StepMetrics m = trainer.step();
        split.innerSteps += m.innerSteps();
        split.fwdBwdSeconds += m.fwdBwdSeconds();
        split.optimizerSeconds += m.optimizerSeconds();
        split.wallSeconds += m.seconds();
        return m.metaLoss();
    }
}
