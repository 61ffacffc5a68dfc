package io.lopt.benchmarks;

import io.lopt.kernels.Parallel;
import io.lopt.optim.Adam;
import io.lopt.optim.Optimizer;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optim.Role;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.lo.SmallFcLopt;
import io.lopt.optim.velo.Velo;
import io.lopt.optim.velo.VeloConfig;
import io.lopt.optimizees.models.Mlp;
import io.lopt.optimizees.models.Parametrization;
import io.lopt.util.Rng;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * One full learned-optimizer step (accumulators, features, MLP, update) with our fused kernel, against the same step
 * written operation by operation with DJL NDArrays (as a naive PyTorch port does it) and against Adam's step on the
 * same tensors: a 1024×1024 hidden matrix, and the whole parameter set of a width-1024, depth-3 MLP on 28×28 inputs
 * (2.9 M parameters).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dai.djl.offline=true", "-Xmx8g"})
public class LoStepBenchmark {
    /** matrixN or mlpN (see {@link #specs}); the smoke test runs a small one. */
    @Param({"matrix1024", "mlp1024"})
    String target;

    @Param({"1", "2"})
    int threads;

    List<ParamSpec> specs;
    List<Parameter> params;
    List<float[]> grads;
    Optimizer lo;
    Optimizer adam;
    Optimizer velo;
    Parallel par;
    DjlLoStep djl;

    @Setup(Level.Trial)
    public void setup() {
        par = Parallel.of(threads);
        specs = specs(target);
        params = new ArrayList<>();
        grads = new ArrayList<>();
        Rng rng = new Rng(1);
        for (ParamSpec s : specs) {
            Parameter p = Parameter.zeros(s);
            rng.fillNormal(p.values(), 0.05);
            params.add(p);
            float[] g = new float[s.size()];
            rng.fillNormal(g, 1e-3);
            grads.add(g);
        }
        LoptConfig cfg = LoptConfig.mulo();
        float[] theta = MetaParameters.of(cfg).init(3);
        lo = new SmallFcLopt(cfg, theta, SmallFcLopt.Implementation.FUSED, par).create(specs);
        adam = new Adam(Adam.Config.muAdam(1e-3), specs, par);
        VeloConfig vc = VeloConfig.muVelo();
        velo = new Velo(vc, vc.initialTheta(3), Velo.Implementation.FUSED, par).create(specs, 1000);
        djl = new DjlLoStep(cfg, theta, specs, threads);
    }

    /** {@code matrixN}: one N×N hidden matrix; {@code mlpN}: every tensor of a width-N, depth-3 MLP on 28×28 inputs. */
    static List<ParamSpec> specs(String target) {
        if (target.startsWith("matrix")) {
            int n = Integer.parseInt(target.substring("matrix".length()));
            return List.of(ParamSpec.mup("w", new int[] {n, n}, Role.HIDDEN, n, 1.0));
        }
        if (target.startsWith("mlp")) {
            return new Mlp(784, Integer.parseInt(target.substring("mlp".length())), 3, 10, Parametrization.MUP).specs();
        }
        throw new IllegalArgumentException("target: matrixN or mlpN, not " + target);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        djl.close();
        par.close();
    }

    @Benchmark
    public void loFused() {
        lo.step(params, grads);
    }

    @Benchmark
    public void adam() {
        adam.step(params, grads);
    }

    /** The VeLO-style learned optimizer's step (per-tensor LSTM + mixed 9→4→4→2 per-parameter MLP). */
    @Benchmark
    public void veloFused() {
        velo.step(params, grads, 1.0);
    }

    @Benchmark
    public void loDjlOpByOp() {
        djl.step(params, grads);
    }
}
