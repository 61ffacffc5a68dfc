package io.lopt.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.lopt.kernels.Parallel;
import io.lopt.optim.Parameter;
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
 * Forward + backward (softmax cross-entropy, gradients of every tensor) of a depth-3 μP MLP on 28×28 inputs at batch
 * 128: our Vector API kernels against the same computation through DJL's PyTorch engine (autograd), in the same run,
 * with the same number of threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dai.djl.offline=true", "-Xmx6g"})
public class MlpBenchmark {
    static final int BATCH = 128;
    static final int INPUTS = 784;
    static final int CLASSES = 10;

    @Param({"128", "1024"})
    int width;

    @Param({"2"})
    int threads;

    Mlp mlp;
    List<Parameter> params;
    List<float[]> grads;
    Mlp.Workspace ws;
    Parallel par;
    float[] x;
    int[] y;

    NDManager djl;
    List<NDArray> djlParams;
    NDArray djlX;
    NDArray djlOneHot;

    @Setup(Level.Trial)
    public void setup() {
        par = Parallel.of(threads);
        mlp = new Mlp(INPUTS, width, 3, CLASSES, Parametrization.MUP);
        params = mlp.init(1);
        // a non-zero readout, so that every layer's gradient is non-trivial
        new Rng(5).fillNormal(params.get(params.size() - 2).values(), 0.1);
        grads = mlp.newGradients();
        ws = mlp.newWorkspace(BATCH);
        x = new float[BATCH * INPUTS];
        new Rng(2).fillNormal(x, 1);
        y = new int[BATCH];
        float[] onehot = new float[BATCH * CLASSES];
        for (int i = 0; i < BATCH; i++) {
            y[i] = i % CLASSES;
            onehot[i * CLASSES + y[i]] = 1;
        }
        djl = DjlSupport.manager(threads);
        djlParams = new ArrayList<>();
        for (Parameter p : params) {
            int[] s = p.spec().shape();
            long[] shape = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                shape[i] = s[i];
            }
            NDArray a = DjlSupport.array(djl, p.values(), shape);
            a.setRequiresGradient(true);
            djlParams.add(a);
        }
        djlX = DjlSupport.array(djl, x, BATCH, INPUTS);
        djlOneHot = DjlSupport.array(djl, onehot, BATCH, CLASSES);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        djl.close();
        par.close();
    }

    @Benchmark
    public double lopt() {
        return mlp.lossAndGradient(params, x, y, BATCH, grads, ws, par);
    }

    @Benchmark
    public float djl() {
        try (NDManager sub = djl.newSubManager(); GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray h = djlX;
            int d = mlp.depth();
            for (int l = 0; l < d; l++) {
                h = h.matMul(djlParams.get(2 * l)).add(djlParams.get(2 * l + 1)).maximum(0f);
            }
            NDArray logits = h.matMul(djlParams.get(2 * d)).add(djlParams.get(2 * d + 1)).mul(mlp.readoutMultiplier());
            NDArray loss = logits.logSoftmax(1).mul(djlOneHot).sum().neg().div(BATCH);
            gc.backward(loss);
            float v = loss.getFloat();
            sub.tempAttachAll(loss, logits, h);
            return v;
        }
    }
}
