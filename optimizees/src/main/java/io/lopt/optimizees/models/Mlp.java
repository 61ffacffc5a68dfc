package io.lopt.optimizees.models;

import io.lopt.kernels.Parallel;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optim.Role;
import io.lopt.optimizees.kernels.Elementwise;
import io.lopt.optimizees.kernels.MatMul;
import io.lopt.optimizees.tasks.Evaluation;
import io.lopt.util.Rng;
import java.util.ArrayList;
import java.util.List;

/**
 * The optimizee MLP of docs/spec.md §1: {@code depth} hidden layers of {@code width} ReLU units and a softmax cross-entropy
 * readout, in μP or SP. Weights are {@code [fan_in, fan_out]}; tensors are, in order, {@code layer0.w, layer0.b, ...,
 * readout.w, readout.b}.
 *
 * <p>μP: input and hidden weights ~ truncated normal(σ = 1/sqrt(fan_in)), biases ~ N(0, 1), readout weights 0; the
 * readout result is multiplied by {@code outputMult / width}; hidden matrices get s_W = {@code hiddenLrMult / fan_in}.
 * SP: every weight ~ truncated normal(σ = 1/sqrt(fan_in)), biases 0, no multipliers, s_W = 1.
 *
 * <p>The forward and backward passes run on {@link io.lopt.optimizees.kernels.Gemm} (through {@link MatMul}); {@link MlpReference} is the double-precision twin.
 */
public final class Mlp {
    private final int inputs;
    private final int width;
    private final int depth;
    private final int classes;
    private final Parametrization param;
    private final double outputMult;
    private final double hiddenLrMult;
    private final List<ParamSpec> specs;

    public Mlp(int inputs, int width, int depth, int classes, Parametrization param) {
        this(inputs, width, depth, classes, param, 1.0, 1.0);
    }

    public Mlp(int inputs, int width, int depth, int classes, Parametrization param, double outputMult,
            double hiddenLrMult) {
        if (inputs < 1) {
            throw new IllegalArgumentException("MLP needs at least 1 input, got " + inputs);
        }
        if (width < 1) {
            throw new IllegalArgumentException("MLP width must be at least 1, got " + width);
        }
        if (depth < 1) {
            throw new IllegalArgumentException("MLP depth (hidden layers) must be at least 1, got " + depth);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("MLP needs at least 2 classes, got " + classes);
        }
        if (!(outputMult > 0) || !(hiddenLrMult > 0)) {
            throw new IllegalArgumentException("μP multipliers must be positive");
        }
        this.inputs = inputs;
        this.width = width;
        this.depth = depth;
        this.classes = classes;
        this.param = param;
        this.outputMult = outputMult;
        this.hiddenLrMult = hiddenLrMult;
        List<ParamSpec> s = new ArrayList<>();
        for (int l = 0; l < depth; l++) {
            int fanIn = l == 0 ? inputs : width;
            Role role = l == 0 ? Role.INPUT : Role.HIDDEN;
            s.add(spec("layer" + l + ".w", new int[] {fanIn, width}, role, fanIn));
            s.add(spec("layer" + l + ".b", new int[] {width}, Role.BIAS, 1));
        }
        s.add(spec("readout.w", new int[] {width, classes}, Role.OUTPUT, width));
        s.add(spec("readout.b", new int[] {classes}, Role.BIAS, 1));
        this.specs = List.copyOf(s);
    }

    private ParamSpec spec(String name, int[] shape, Role role, int fanIn) {
        return param == Parametrization.MUP ? ParamSpec.mup(name, shape, role, fanIn, hiddenLrMult)
                : ParamSpec.standard(name, shape, role, fanIn);
    }

    public int inputs() {
        return inputs;
    }

    public int width() {
        return width;
    }

    public int depth() {
        return depth;
    }

    public int classes() {
        return classes;
    }

    public Parametrization parametrization() {
        return param;
    }

    public List<ParamSpec> specs() {
        return specs;
    }

    public long parameterCount() {
        long n = 0;
        for (ParamSpec s : specs) {
            n += s.size();
        }
        return n;
    }

    /** The factor applied to the readout result: outputMult / width under μP, 1 under SP. */
    public float readoutMultiplier() {
        return param == Parametrization.MUP ? (float) (outputMult / width) : 1f;
    }

    /** Fresh parameters; tensor i draws from the stream (seed, i), so the result depends on the seed alone. */
    public List<Parameter> init(long seed) {
        List<Parameter> ps = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            ParamSpec s = specs.get(i);
            Parameter p = Parameter.zeros(s);
            Rng rng = Rng.derive(seed, Rng.hash("mlp/init"), i);
            switch (s.role()) {
                case INPUT, HIDDEN -> rng.fillTruncatedNormal(p.values(), 1.0 / Math.sqrt(s.fanIn()));
                case OUTPUT -> {
                    if (param == Parametrization.SP) {
                        rng.fillTruncatedNormal(p.values(), 1.0 / Math.sqrt(s.fanIn()));
                    }
                }
                case BIAS -> {
                    if (param == Parametrization.MUP) {
                        rng.fillNormal(p.values(), 1.0);
                    }
                }
            }
            ps.add(p);
        }
        return ps;
    }

    /** Zero-filled gradient buffers, one per tensor. */
    public List<float[]> newGradients() {
        List<float[]> g = new ArrayList<>(specs.size());
        for (ParamSpec s : specs) {
            g.add(new float[s.size()]);
        }
        return g;
    }

    /** Activation buffers for batches of up to {@code maxBatch} rows; one per thread of use. */
    public Workspace newWorkspace(int maxBatch) {
        return new Workspace(maxBatch);
    }

    /** Buffers reused across steps. Not thread-safe: one per concurrent user. */
    public final class Workspace {
        final int maxBatch;
        final float[][] h;
        final float[] logits;
        final float[] dLogits;
        final float[] dA;
        final float[] dB;

        Workspace(int maxBatch) {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("batch size must be positive, got " + maxBatch);
            }
            this.maxBatch = maxBatch;
            h = new float[depth][maxBatch * width];
            logits = new float[maxBatch * classes];
            dLogits = new float[maxBatch * classes];
            dA = new float[maxBatch * width];
            dB = new float[maxBatch * width];
        }
    }

    /** Computes the logits of {@code batch} rows of {@code x} into the workspace and returns them (row-major). */
    public float[] forward(List<Parameter> params, float[] x, int batch, Workspace ws, Parallel par) {
        checkBatch(params, x, batch, ws);
        float[] in = x;
        int fan = inputs;
        for (int l = 0; l < depth; l++) {
            float[] w = params.get(2 * l).values();
            float[] b = params.get(2 * l + 1).values();
            float[] out = ws.h[l];
            MatMul.gemm(batch, width, fan, in, fan, 1, w, width, out, width, false, par);
            Elementwise.biasRelu(out, batch, width, b);
            in = out;
            fan = width;
        }
        float[] w = params.get(2 * depth).values();
        float[] b = params.get(2 * depth + 1).values();
        MatMul.gemm(batch, classes, width, in, width, 1, w, classes, ws.logits, classes, false, par);
        float m = readoutMultiplier();
        for (int r = 0; r < batch; r++) {
            for (int c = 0; c < classes; c++) {
                ws.logits[r * classes + c] = (ws.logits[r * classes + c] + b[c]) * m;
            }
        }
        return ws.logits;
    }

    /**
     * Mean softmax cross-entropy of the batch and its exact gradient with respect to every tensor, written into
     * {@code grads} (overwritten, not accumulated).
     */
    public double lossAndGradient(List<Parameter> params, float[] x, int[] y, int batch, List<float[]> grads,
            Workspace ws, Parallel par) {
        forward(params, x, batch, ws, par);
        double loss = SoftmaxCrossEntropy.lossAndGradient(ws.logits, y, batch, classes, ws.dLogits);
        float m = readoutMultiplier();
        Elementwise.scale(ws.dLogits, batch * classes, m);
        // readout
        float[] hLast = ws.h[depth - 1];
        MatMul.gemm(width, classes, batch, hLast, 1, width, ws.dLogits, classes, grads.get(2 * depth), classes, false, par);
        Elementwise.columnSums(ws.dLogits, batch, classes, grads.get(2 * depth + 1));
        float[] dH = ws.dA;
        MatMul.gemmNT(batch, width, classes, ws.dLogits, classes, params.get(2 * depth).values(), classes, dH, width, par);
        for (int l = depth - 1; l >= 0; l--) {
            float[] h = ws.h[l];
            Elementwise.reluMask(h, dH, batch * width);
            float[] in = l == 0 ? x : ws.h[l - 1];
            int fan = l == 0 ? inputs : width;
            MatMul.gemm(fan, width, batch, in, 1, fan, dH, width, grads.get(2 * l), width, false, par);
            Elementwise.columnSums(dH, batch, width, grads.get(2 * l + 1));
            if (l > 0) {
                float[] next = dH == ws.dA ? ws.dB : ws.dA;
                MatMul.gemmNT(batch, width, width, dH, width, params.get(2 * l).values(), width, next, width, par);
                dH = next;
            }
        }
        return loss;
    }

    /** Loss and accuracy over a whole split (batches of up to the workspace size). */
    public Evaluation evaluate(List<Parameter> params, float[] x, int[] y, int n, Workspace ws, Parallel par) {
        double lossSum = 0;
        long correct = 0;
        float[] dummy = new float[ws.maxBatch * classes];
        for (int start = 0; start < n; start += ws.maxBatch) {
            int b = Math.min(ws.maxBatch, n - start);
            float[] xb = java.util.Arrays.copyOfRange(x, start * inputs, (start + b) * inputs);
            int[] yb = java.util.Arrays.copyOfRange(y, start, start + b);
            float[] logits = forward(params, xb, b, ws, par);
            lossSum += SoftmaxCrossEntropy.lossAndGradient(logits, yb, b, classes, dummy) * b;
            correct += SoftmaxCrossEntropy.correct(logits, yb, b, classes);
        }
        return new Evaluation(lossSum / n, (double) correct / n);
    }

    private void checkBatch(List<Parameter> params, float[] x, int batch, Workspace ws) {
        if (params.size() != specs.size()) {
            throw new IllegalArgumentException("MLP expects " + specs.size() + " tensors, got " + params.size());
        }
        for (int i = 0; i < specs.size(); i++) {
            if (params.get(i).size() != specs.get(i).size()) {
                throw new IllegalArgumentException("tensor " + specs.get(i).name() + " has " + params.get(i).size()
                        + " values, expected " + specs.get(i).size());
            }
        }
        if (batch < 1 || batch > ws.maxBatch) {
            throw new IllegalArgumentException("batch of " + batch + " rows does not fit a workspace of " + ws.maxBatch);
        }
        if (x.length < batch * inputs) {
            throw new IllegalArgumentException("input has " + x.length + " values, expected " + batch + " x " + inputs);
        }
    }
}
