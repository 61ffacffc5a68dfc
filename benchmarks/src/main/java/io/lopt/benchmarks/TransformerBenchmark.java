package io.lopt.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.lopt.kernels.Parallel;
import io.lopt.optim.Parameter;
import io.lopt.optimizees.models.Parametrization;
import io.lopt.optimizees.models.Transformer;
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
 * Forward + backward (mean next-token cross-entropy, gradients of every tensor) of the μP transformer language model
 * of the {@code transformer} task family (docs/transformers.md): depth 2, 4 heads, context 64, batch 16, vocabulary
 * 96; ours against the same model written with DJL's PyTorch engine (autograd: the same embeddings, pre-LN blocks,
 * causal attention with q·k/d_head, tanh GELU, readout × 1/width), in the same run, with the same number of threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dai.djl.offline=true", "-Xmx6g"})
public class TransformerBenchmark {
    static final int BATCH = 16;
    static final int CTX = 64;
    static final int VOCAB = 96;
    static final int HEADS = 4;
    static final int DEPTH = 2;

    @Param({"64", "256"})
    int width;

    @Param({"2"})
    int threads;

    Transformer model;
    List<Parameter> params;
    List<float[]> grads;
    Transformer.Workspace ws;
    Transformer.Batch batch;
    Parallel par;

    NDManager djl;
    List<NDArray> p;
    NDArray oneHotIn;
    NDArray oneHotOut;
    NDArray mask;

    @Setup(Level.Trial)
    public void setup() {
        par = Parallel.of(threads);
        model = new Transformer(VOCAB, true, CTX, width, DEPTH, HEADS, VOCAB, Parametrization.MUP);
        params = model.init(1);
        Rng rng = new Rng(5);
        for (Parameter q : params) { // non-zero query and readout: every gradient is non-trivial
            if (q.spec().name().endsWith("attn.q.w") || q.spec().name().equals("readout.w")) {
                rng.fillNormal(q.values(), 0.05);
            }
        }
        grads = model.newGradients();
        ws = model.newWorkspace(BATCH);
        int n = BATCH * CTX;
        int[] tok = new int[n];
        int[] next = new int[n];
        float[] inHot = new float[n * VOCAB];
        float[] outHot = new float[n * VOCAB];
        for (int i = 0; i < n; i++) {
            tok[i] = rng.nextInt(VOCAB);
            next[i] = rng.nextInt(VOCAB);
            inHot[i * VOCAB + tok[i]] = 1;
            outHot[i * VOCAB + next[i]] = 1;
        }
        batch = new Transformer.Batch(BATCH, tok, null, next);
        djl = DjlSupport.manager(threads);
        p = new ArrayList<>();
        for (Parameter q : params) {
            int[] s = q.spec().shape();
            long[] shape = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                shape[i] = s[i];
            }
            NDArray a = DjlSupport.array(djl, q.values(), shape);
            a.setRequiresGradient(true);
            p.add(a);
        }
        oneHotIn = DjlSupport.array(djl, inHot, n, VOCAB);
        oneHotOut = DjlSupport.array(djl, outHot, n, VOCAB);
        float[] m = new float[CTX * CTX];
        for (int i = 0; i < CTX; i++) {
            for (int j = i + 1; j < CTX; j++) {
                m[i * CTX + j] = -1e9f;
            }
        }
        mask = DjlSupport.array(djl, m, CTX, CTX);
        double ours = lopt();
        float theirs = djl();
        if (!(Math.abs(ours - theirs) <= 1e-4 * Math.abs(ours))) {
            throw new IllegalStateException("the DJL model is not the same model: loss " + theirs + " vs ours " + ours);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        djl.close();
        par.close();
    }

    @Benchmark
    public double lopt() {
        return model.lossAndGradient(params, batch, grads, ws, par);
    }

    private static NDArray layerNorm(NDArray x, NDArray g, NDArray b) {
        NDArray mean = x.mean(new int[] {-1}, true);
        NDArray c = x.sub(mean);
        NDArray var = c.square().mean(new int[] {-1}, true);
        return c.div(var.add(1e-5f).sqrt()).mul(g).add(b);
    }

    private static NDArray gelu(NDArray u) {
        NDArray inner = u.add(u.pow(3).mul(0.044715f)).mul((float) Math.sqrt(2 / Math.PI));
        return u.mul(0.5f).mul(inner.tanh().add(1f));
    }

    @Benchmark
    public float djl() {
        Transformer.Layout lay = model.layout();
        int n = BATCH * CTX;
        int d = width;
        int dh = d / HEADS;
        try (NDManager sub = djl.newSubManager(); GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray x = oneHotIn.matMul(p.get(lay.embed())).reshape(BATCH, CTX, d).add(p.get(lay.pos()))
                    .reshape(n, d);
            for (Transformer.Layout.Block b : lay.blocks()) {
                NDArray a = layerNorm(x, p.get(b.ln1g()), p.get(b.ln1b()));
                NDArray q = a.matMul(p.get(b.wq())).add(p.get(b.bq())).reshape(BATCH, CTX, HEADS, dh).transpose(0, 2, 1, 3);
                NDArray k = a.matMul(p.get(b.wk())).add(p.get(b.bk())).reshape(BATCH, CTX, HEADS, dh).transpose(0, 2, 3, 1);
                NDArray v = a.matMul(p.get(b.wv())).add(p.get(b.bv())).reshape(BATCH, CTX, HEADS, dh).transpose(0, 2, 1, 3);
                NDArray att = q.matMul(k).mul((float) model.attentionScale()).add(mask).softmax(-1);
                NDArray o = att.matMul(v).transpose(0, 2, 1, 3).reshape(n, d);
                x = x.add(o.matMul(p.get(b.wo())).add(p.get(b.bo())));
                NDArray a2 = layerNorm(x, p.get(b.ln2g()), p.get(b.ln2b()));
                NDArray u = a2.matMul(p.get(b.w1())).add(p.get(b.b1()));
                x = x.add(gelu(u).matMul(p.get(b.w2())).add(p.get(b.b2())));
            }
            NDArray f = layerNorm(x, p.get(lay.lnfG()), p.get(lay.lnfB()));
            NDArray logits = f.matMul(p.get(lay.readout())).add(p.get(lay.readoutBias()))
                    .mul((float) model.readoutMultiplier());
            NDArray loss = logits.logSoftmax(1).mul(oneHotOut).sum().neg().div(n);
            gc.backward(loss);
            float val = loss.getFloat();
            sub.tempAttachAll(new NDList(loss, logits, x));
            return val;
        }
    }
}
