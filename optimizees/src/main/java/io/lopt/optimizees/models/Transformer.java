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
 * A pre-LayerNorm transformer in μP or SP (docs/transformers.md): an input stage (a token embedding for a language
 * model, a linear patch embedding for a ViT) plus learned position embeddings; {@code depth} blocks of multi-head
 * self-attention (causal for the language model) and a GELU MLP of 4·width units, each behind a LayerNorm and added to
 * the residual stream; a final LayerNorm, mean pooling over the sequence (ViT) and a linear readout with softmax
 * cross-entropy.
 *
 * <p>μP (Tensor Programs V, as the μLO paper's code sets it up): attention logits q·k / d_head instead of /√d_head,
 * query projection and readout initialised to zero, the readout's pre-activation (x·W + b) multiplied by 1/width,
 * hidden matrices with s_W = 1/fan_in; embeddings, biases and LayerNorm gains and offsets keep s_W = 1 and no width
 * scaling. SP: q·k/√d_head, every matrix ~ truncated normal(1/√fan_in), biases 0, no multipliers, s_W = 1.
 *
 * <p>The linear layers run on {@link io.lopt.optimizees.kernels.Gemm} (through {@link MatMul}), the attention of each
 * (sequence, head) on {@link AttentionKernel} (scalar definition: {@link Attention}), the GELU on {@link GeluKernel};
 * LayerNorm is a loop over rows. Each row and each (sequence, head) is computed by one task in a fixed order, so
 * results do not depend on the thread count. {@link TransformerReference} is the double-precision twin.
 */
public final class Transformer {
    static final double LN_EPS = 1e-5;
    static final double GELU_C = Math.sqrt(2 / Math.PI);
    /** The MLP's hidden units per width unit. */
    public static final int MLP_RATIO = 4;

    private final int inputs;
    private final boolean tokens;
    private final int seq;
    private final int width;
    private final int depth;
    private final int heads;
    private final int classes;
    private final boolean causal;
    private final Parametrization param;
    private final List<ParamSpec> specs;
    private final Layout layout;

    /**
     * @param inputs  the vocabulary (tokens) or the features of one patch
     * @param tokens  a language model (token embedding, causal attention, a prediction at every position) or a ViT
     *                (patch embedding, bidirectional attention, one prediction per sequence from the mean over it)
     * @param seq     tokens per sequence (context length, or patches per image)
     * @param classes the readout's outputs (the vocabulary, or the image classes)
     */
    public Transformer(int inputs, boolean tokens, int seq, int width, int depth, int heads, int classes,
            Parametrization param) {
        if (inputs < 1 || seq < 1 || width < 1 || depth < 1 || heads < 1 || classes < 2) {
            throw new IllegalArgumentException("transformer needs inputs, seq, width, depth, heads >= 1 and classes >= 2");
        }
        if (width % heads != 0) {
            throw new IllegalArgumentException("transformer width " + width + " is not a multiple of its " + heads
                    + " heads");
        }
        this.inputs = inputs;
        this.tokens = tokens;
        this.seq = seq;
        this.width = width;
        this.depth = depth;
        this.heads = heads;
        this.classes = classes;
        this.causal = tokens;
        this.param = param;
        List<ParamSpec> s = new ArrayList<>();
        int embed = add(s, "embed.w", new int[] {inputs, width}, Role.INPUT, inputs);
        int embedBias = tokens ? -1 : add(s, "embed.b", new int[] {width}, Role.BIAS, 1);
        int pos = add(s, "pos", new int[] {seq, width}, Role.INPUT, seq);
        List<Layout.Block> blocks = new ArrayList<>();
        int f = mlpWidth();
        for (int l = 0; l < depth; l++) {
            String p = "block" + l + ".";
            blocks.add(new Layout.Block(add(s, p + "ln1.g", new int[] {width}, Role.BIAS, 1),
                    add(s, p + "ln1.b", new int[] {width}, Role.BIAS, 1),
                    add(s, p + "attn.q.w", new int[] {width, width}, Role.HIDDEN, width),
                    add(s, p + "attn.q.b", new int[] {width}, Role.BIAS, 1),
                    add(s, p + "attn.k.w", new int[] {width, width}, Role.HIDDEN, width),
                    add(s, p + "attn.k.b", new int[] {width}, Role.BIAS, 1),
                    add(s, p + "attn.v.w", new int[] {width, width}, Role.HIDDEN, width),
                    add(s, p + "attn.v.b", new int[] {width}, Role.BIAS, 1),
                    add(s, p + "attn.o.w", new int[] {width, width}, Role.HIDDEN, width),
                    add(s, p + "attn.o.b", new int[] {width}, Role.BIAS, 1),
                    add(s, p + "ln2.g", new int[] {width}, Role.BIAS, 1),
                    add(s, p + "ln2.b", new int[] {width}, Role.BIAS, 1),
                    add(s, p + "mlp.1.w", new int[] {width, f}, Role.HIDDEN, width),
                    add(s, p + "mlp.1.b", new int[] {f}, Role.BIAS, 1),
                    add(s, p + "mlp.2.w", new int[] {f, width}, Role.HIDDEN, f),
                    add(s, p + "mlp.2.b", new int[] {width}, Role.BIAS, 1)));
        }
        int lnfG = add(s, "lnf.g", new int[] {width}, Role.BIAS, 1);
        int lnfB = add(s, "lnf.b", new int[] {width}, Role.BIAS, 1);
        int readout = add(s, "readout.w", new int[] {width, classes}, Role.OUTPUT, width);
        int readoutBias = add(s, "readout.b", new int[] {classes}, Role.BIAS, 1);
        this.specs = List.copyOf(s);
        this.layout = new Layout(embed, embedBias, pos, List.copyOf(blocks), lnfG, lnfB, readout, readoutBias);
    }

    private int add(List<ParamSpec> s, String name, int[] shape, Role role, int fanIn) {
        s.add(param == Parametrization.MUP ? ParamSpec.mup(name, shape, role, fanIn)
                : ParamSpec.standard(name, shape, role, fanIn));
        return s.size() - 1;
    }

    /** Where each tensor sits in {@link #specs()}. */
    public record Layout(int embed, int embedBias, int pos, List<Block> blocks, int lnfG, int lnfB, int readout,
            int readoutBias) {
        /** One block's tensors. */
        public record Block(int ln1g, int ln1b, int wq, int bq, int wk, int bk, int wv, int bv, int wo, int bo,
                int ln2g, int ln2b, int w1, int b1, int w2, int b2) {
        }

        public Block block(int l) {
            return blocks.get(l);
        }
    }

    /**
     * A minibatch: {@code tokens} (language model: batch × seq token ids) or {@code patches} (ViT: batch × seq ×
     * inputs features), and the targets (the next token at every position, or one class per sequence).
     */
    public record Batch(int size, int[] tokens, float[] patches, int[] targets) {
    }

    public Layout layout() {
        return layout;
    }

    public List<ParamSpec> specs() {
        return specs;
    }

    public int inputs() {
        return inputs;
    }

    public boolean tokens() {
        return tokens;
    }

    public boolean causal() {
        return causal;
    }

    public int seq() {
        return seq;
    }

    public int width() {
        return width;
    }

    public int depth() {
        return depth;
    }

    public int heads() {
        return heads;
    }

    public int classes() {
        return classes;
    }

    public int mlpWidth() {
        return MLP_RATIO * width;
    }

    public Parametrization parametrization() {
        return param;
    }

    /** The factor of the attention logits q·k: 1/d_head under μP, 1/√d_head under SP. */
    public double attentionScale() {
        int dh = width / heads;
        return param == Parametrization.MUP ? 1.0 / dh : 1.0 / Math.sqrt(dh);
    }

    /** The factor of the readout's result: 1/width under μP (as the MLP's), 1 under SP. */
    public double readoutMultiplier() {
        return param == Parametrization.MUP ? 1.0 / width : 1.0;
    }

    /**
     * Fresh parameters; tensor i draws from the stream (seed, i). Matrices and embeddings ~ truncated normal(σ =
     * 1/√fan_in) (an embedding's fan_in is its number of rows); LayerNorm gains 1 and offsets 0; under μP the query
     * projection and the readout start at 0 and the other biases ~ N(0, 1) (as the MLP's), under SP biases are 0.
     */
    public List<Parameter> init(long seed) {
        List<Parameter> ps = new ArrayList<>(specs.size());
        java.util.Set<Integer> gains = new java.util.HashSet<>(List.of(layout.lnfG()));
        java.util.Set<Integer> layerNormOffsets = new java.util.HashSet<>(List.of(layout.lnfB()));
        java.util.Set<Integer> zeroMup = new java.util.HashSet<>(List.of(layout.readout()));
        for (Layout.Block b : layout.blocks()) {
            gains.add(b.ln1g());
            gains.add(b.ln2g());
            layerNormOffsets.add(b.ln1b());
            layerNormOffsets.add(b.ln2b());
            zeroMup.add(b.wq());
        }
        for (int i = 0; i < specs.size(); i++) {
            ParamSpec s = specs.get(i);
            Parameter p = Parameter.zeros(s);
            Rng rng = Rng.derive(seed, Rng.hash("transformer/init"), i);
            if (gains.contains(i)) {
                java.util.Arrays.fill(p.values(), 1f);
            } else if (layerNormOffsets.contains(i)) {
                // LayerNorm offsets start at 0
                assert p.values().length == width;
            } else if (s.role() == Role.BIAS) {
                if (param == Parametrization.MUP) {
                    rng.fillNormal(p.values(), 1.0);
                }
            } else if (!(param == Parametrization.MUP && zeroMup.contains(i))) {
                rng.fillTruncatedNormal(p.values(), 1.0 / Math.sqrt(s.fanIn()));
            }
            ps.add(p);
        }
        return ps;
    }

    /** Gradient arrays, one per tensor. */
    public List<float[]> newGradients() {
        List<float[]> g = new ArrayList<>(specs.size());
        for (ParamSpec s : specs) {
            g.add(new float[s.size()]);
        }
        return g;
    }

    public Workspace newWorkspace(int maxBatch) {
        return new Workspace(maxBatch);
    }

    /** Activations of up to {@code maxBatch} sequences, kept between the forward and the backward pass. */
    public final class Workspace {
        final int maxBatch;
        final float[][] xs; // residual stream entering each block, and after the last
        final float[][] xhat1;
        final float[][] rstd1;
        final float[][] a1;
        final float[][] q;
        final float[][] k;
        final float[][] v;
        final float[][] p; // softmax probabilities, [batch · heads][seq][seq]
        final float[][] o;
        final float[][] h;
        final float[][] xhat2;
        final float[][] rstd2;
        final float[][] a2;
        final float[][] u;
        final float[][] gu;
        final float[] xhatF;
        final float[] rstdF;
        final float[] af;
        final float[] feats;
        final float[] logits;
        final float[] bufN; // n × width scratch
        final float[] bufN2;
        final float[] bufN3;
        final float[] bufF; // n × mlpWidth scratch

        Workspace(int maxBatch) {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("workspace needs at least one sequence");
            }
            this.maxBatch = maxBatch;
            long probabilities = (long) maxBatch * heads * seq * seq;
            long nfLong = (long) maxBatch * seq * mlpWidth();
            if (Math.max(probabilities, nfLong) > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a transformer workspace of " + maxBatch + " sequences of " + seq
                        + " tokens needs arrays of " + Math.max(probabilities, nfLong) + " floats, more than a Java array "
                        + "holds: use a shorter context, fewer heads, a smaller batch or a narrower model");
            }
            int n = maxBatch * seq;
            int nd = n * width;
            int nf = (int) nfLong;
            xs = new float[depth + 1][nd];
            xhat1 = new float[depth][nd];
            rstd1 = new float[depth][n];
            a1 = new float[depth][nd];
            q = new float[depth][nd];
            k = new float[depth][nd];
            v = new float[depth][nd];
            p = new float[depth][maxBatch * heads * seq * seq];
            o = new float[depth][nd];
            h = new float[depth][nd];
            xhat2 = new float[depth][nd];
            rstd2 = new float[depth][n];
            a2 = new float[depth][nd];
            u = new float[depth][nf];
            gu = new float[depth][nf];
            xhatF = new float[nd];
            rstdF = new float[n];
            af = new float[nd];
            int rows = tokens ? n : maxBatch;
            feats = tokens ? null : new float[maxBatch * width]; // the ViT's pooled features
            logits = new float[rows * classes];
            bufN = new float[nd];
            bufN2 = new float[nd];
            bufN3 = new float[nd];
            bufF = new float[nf];
        }
    }

    private void check(List<Parameter> params, Batch batch, Workspace ws) {
        if (params.size() != specs.size()) {
            throw new IllegalArgumentException("expected " + specs.size() + " tensors, got " + params.size());
        }
        if (batch.size() < 1 || batch.size() > ws.maxBatch) {
            throw new IllegalArgumentException("batch of " + batch.size() + " sequences does not fit a workspace of "
                    + ws.maxBatch);
        }
    }

    /** y[n × out] = x[n × in] · W (+ b). */
    private static void linear(float[] x, int n, int in, float[] w, float[] b, int out, float[] y, Parallel par) {
        MatMul.gemm(n, out, in, x, in, 1, w, out, y, out, false, par);
        if (b != null) {
            par.forEach(rowBlocks(n), blk -> {
                for (int r = blk * ROWS; r < Math.min(n, (blk + 1) * ROWS); r++) {
                    int off = r * out;
                    for (int j = 0; j < out; j++) {
                        y[off + j] += b[j];
                    }
                }
            });
        }
    }

    /** dW = xᵀ·dy (overwritten), db = Σ_rows dy (overwritten, if not null), dx = dy·Wᵀ (if not null). */
    private static void linearBack(float[] x, int n, int in, float[] w, float[] dy, int out, float[] dw, float[] db,
            float[] dx, Parallel par) {
        MatMul.gemm(in, out, n, x, 1, in, dy, out, dw, out, false, par);
        if (db != null) {
            Elementwise.columnSums(dy, n, out, db);
        }
        if (dx != null) {
            MatMul.gemmNT(n, in, out, dy, out, w, out, dx, in, par);
        }
    }

    private static final int ROWS = 64;

    private static int rowBlocks(int n) {
        return (n + ROWS - 1) / ROWS;
    }

    /** LayerNorm of every row: xhat, 1/σ and y = xhat·g + b. */
    private void layerNorm(float[] x, int n, float[] g, float[] b, float[] xhat, float[] rstd, float[] y,
            Parallel par) {
        int d = width;
        par.forEach(rowBlocks(n), blk -> {
            for (int r = blk * ROWS; r < Math.min(n, (blk + 1) * ROWS); r++) {
                int off = r * d;
                double mean = 0;
                for (int c = 0; c < d; c++) {
                    mean += x[off + c];
                }
                mean /= d;
                double var = 0;
                for (int c = 0; c < d; c++) {
                    double dv = x[off + c] - mean;
                    var += dv * dv;
                }
                float rs = (float) (1 / Math.sqrt(var / d + LN_EPS));
                rstd[r] = rs;
                float mf = (float) mean;
                for (int c = 0; c < d; c++) {
                    float xh = (x[off + c] - mf) * rs;
                    xhat[off + c] = xh;
                    y[off + c] = xh * g[c] + b[c];
                }
            }
        });
    }

    /** dx (+)= LayerNorm backward of dy; dg, db accumulate Σ_rows. */
    private void layerNormBack(float[] dy, int n, float[] g, float[] xhat, float[] rstd, float[] dg, float[] db,
            float[] dx, boolean accumulate, Parallel par) {
        int d = width;
        par.forEach(rowBlocks(n), blk -> {
            for (int r = blk * ROWS; r < Math.min(n, (blk + 1) * ROWS); r++) {
                int off = r * d;
                float m1 = 0;
                float m2 = 0;
                for (int c = 0; c < d; c++) {
                    float dxh = dy[off + c] * g[c];
                    m1 += dxh;
                    m2 += dxh * xhat[off + c];
                }
                m1 /= d;
                m2 /= d;
                float rs = rstd[r];
                for (int c = 0; c < d; c++) {
                    float v = rs * (dy[off + c] * g[c] - m1 - xhat[off + c] * m2);
                    dx[off + c] = accumulate ? dx[off + c] + v : v;
                }
            }
        });
        java.util.Arrays.fill(dg, 0f);
        java.util.Arrays.fill(db, 0f);
        for (int r = 0; r < n; r++) {
            int off = r * d;
            for (int c = 0; c < d; c++) {
                dg[c] += dy[off + c] * xhat[off + c];
                db[c] += dy[off + c];
            }
        }
    }

    /** Multi-head attention of every (sequence, head): p = softmax(α q·kᵀ) (causal mask), o = p·v. */
    private void attention(float[] q, float[] k, float[] v, float[] p, float[] o, int nb, Parallel par) {
        int t = seq;
        int d = width;
        int dh = d / heads;
        float alpha = (float) attentionScale();
        par.forEach(nb * heads, bh -> {
            float[] row = new float[t];
            if (io.lopt.kernels.VectorSupport.AVAILABLE) {
                AttentionKernel.forward(q, k, v, p, o, bh / heads, bh % heads, bh, t, d, dh, causal, alpha, row);
            } else {
                Attention.forward(q, k, v, p, o, bh / heads, bh % heads, bh, t, d, dh, causal, alpha, row);
            }
        });
    }

    /** The attention's backward pass: dq, dk, dv (overwritten) from do. */
    private void attentionBack(float[] q, float[] k, float[] v, float[] p, float[] dout, float[] dq, float[] dk,
            float[] dv, int nb, Parallel par) {
        int t = seq;
        int d = width;
        int dh = d / heads;
        float alpha = (float) attentionScale();
        par.forEach(nb * heads, bh -> {
            float[] dp = new float[t];
            if (io.lopt.kernels.VectorSupport.AVAILABLE) {
                AttentionKernel.backward(q, k, v, p, dout, dq, dk, dv, bh / heads, bh % heads, bh, t, d, dh, causal,
                        alpha, dp);
            } else {
                Attention.backward(q, k, v, p, dout, dq, dk, dv, bh / heads, bh % heads, bh, t, d, dh, causal, alpha,
                        dp);
            }
        });
    }

    /**
     * The mean cross-entropy of the batch, and its gradient into {@code grads} (overwritten); with {@code grads}
     * null, the loss only. {@code correct}, if not null, receives the number of correct argmax predictions.
     */
    public double lossAndGradient(List<Parameter> params, Batch batch, List<float[]> grads, Workspace ws, Parallel par) {
        return run(params, batch, grads, ws, par, null);
    }

    /** Loss and accuracy of one batch (no gradient). */
    public Evaluation evaluate(List<Parameter> params, Batch batch, Workspace ws, Parallel par) {
        int[] correct = new int[1];
        double loss = run(params, batch, null, ws, par, correct);
        int rows = tokens ? batch.size() * seq : batch.size();
        return new Evaluation(loss, (double) correct[0] / rows);
    }

    private double run(List<Parameter> params, Batch batch, List<float[]> grads, Workspace ws, Parallel par,
            int[] correct) {
        check(params, batch, ws);
        Layout lay = layout;
        int nb = batch.size();
        int t = seq;
        int n = nb * t;
        int d = width;
        int f = mlpWidth();
        float[][] w = new float[params.size()][];
        for (int i = 0; i < w.length; i++) {
            w[i] = params.get(i).values();
        }
        // embedding
        float[] x0 = ws.xs[0];
        if (tokens) {
            float[] e = w[lay.embed()];
            for (int r = 0; r < n; r++) {
                int tok = batch.tokens()[r];
                if (tok < 0 || tok >= inputs) {
                    throw new IllegalArgumentException("token " + tok + " is outside the vocabulary [0, " + inputs + ")");
                }
                System.arraycopy(e, tok * d, x0, r * d, d);
            }
        } else {
            linear(batch.patches(), n, inputs, w[lay.embed()], w[lay.embedBias()], d, x0, par);
        }
        float[] pos = w[lay.pos()];
        for (int r = 0; r < n; r++) {
            int po = (r % t) * d;
            int xo = r * d;
            for (int c = 0; c < d; c++) {
                x0[xo + c] += pos[po + c];
            }
        }
        for (int l = 0; l < depth; l++) {
            Layout.Block bl = lay.block(l);
            layerNorm(ws.xs[l], n, w[bl.ln1g()], w[bl.ln1b()], ws.xhat1[l], ws.rstd1[l], ws.a1[l], par);
            linear(ws.a1[l], n, d, w[bl.wq()], w[bl.bq()], d, ws.q[l], par);
            linear(ws.a1[l], n, d, w[bl.wk()], w[bl.bk()], d, ws.k[l], par);
            linear(ws.a1[l], n, d, w[bl.wv()], w[bl.bv()], d, ws.v[l], par);
            attention(ws.q[l], ws.k[l], ws.v[l], ws.p[l], ws.o[l], nb, par);
            float[] hres = ws.h[l];
            linear(ws.o[l], n, d, w[bl.wo()], w[bl.bo()], d, hres, par);
            float[] xl = ws.xs[l];
            for (int i = 0; i < n * d; i++) {
                hres[i] += xl[i];
            }
            layerNorm(hres, n, w[bl.ln2g()], w[bl.ln2b()], ws.xhat2[l], ws.rstd2[l], ws.a2[l], par);
            linear(ws.a2[l], n, d, w[bl.w1()], w[bl.b1()], f, ws.u[l], par);
            Gelu.forward(ws.u[l], ws.gu[l], n * f, par);
            float[] next = ws.xs[l + 1];
            linear(ws.gu[l], n, f, w[bl.w2()], w[bl.b2()], d, next, par);
            for (int i = 0; i < n * d; i++) {
                next[i] += hres[i];
            }
        }
        layerNorm(ws.xs[depth], n, w[lay.lnfG()], w[lay.lnfB()], ws.xhatF, ws.rstdF, ws.af, par);
        int rows = tokens ? n : nb;
        float[] feats = ws.af;
        if (!tokens) {
            feats = ws.feats;
            java.util.Arrays.fill(feats, 0, nb * d, 0f);
            float inv = 1f / t;
            for (int r = 0; r < n; r++) {
                int fo = (r / t) * d;
                int ao = r * d;
                for (int c = 0; c < d; c++) {
                    feats[fo + c] += ws.af[ao + c] * inv;
                }
            }
        }
        float[] logits = ws.logits;
        linear(feats, rows, d, w[lay.readout()], null, classes, logits, par);
        float mult = (float) readoutMultiplier();
        float[] bout = w[lay.readoutBias()];
        double[] rowLoss = new double[rows];
        int[] rowCorrect = new int[rows];
        float invRows = 1f / rows;
        par.forEach(rowBlocks(rows), blk -> {
            for (int r = blk * ROWS; r < Math.min(rows, (blk + 1) * ROWS); r++) {
                int off = r * classes;
                float max = Float.NEGATIVE_INFINITY;
                int arg = 0;
                for (int c = 0; c < classes; c++) {
                    float z = (logits[off + c] + bout[c]) * mult;
                    logits[off + c] = z;
                    if (z > max) {
                        max = z;
                        arg = c;
                    }
                }
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    sum += Math.exp(logits[off + c] - max);
                }
                int y = batch.targets()[r];
                if (y < 0 || y >= classes) {
                    throw new IllegalArgumentException("target " + y + " is outside [0, " + classes + ")");
                }
                rowLoss[r] = max + Math.log(sum) - logits[off + y];
                rowCorrect[r] = arg == y ? 1 : 0;
                if (grads != null) {
                    for (int c = 0; c < classes; c++) {
                        float pc = (float) (Math.exp(logits[off + c] - max) / sum);
                        logits[off + c] = (pc - (c == y ? 1f : 0f)) * invRows; // now d loss / d logit
                    }
                }
            }
        });
        double loss = 0;
        int right = 0;
        for (int r = 0; r < rows; r++) {
            loss += rowLoss[r];
            right += rowCorrect[r];
        }
        loss /= rows;
        if (correct != null) {
            correct[0] = right;
        }
        if (grads == null) {
            return loss;
        }
        // head backward: logits = mult · (feats·W + b)
        float[] dlog = logits;
        for (int i = 0; i < rows * classes; i++) {
            dlog[i] *= mult;
        }
        Elementwise.columnSums(dlog, rows, classes, grads.get(lay.readoutBias()));
        float[] dfeats = ws.bufN2;
        if (tokens) {
            linearBack(feats, rows, d, w[lay.readout()], dlog, classes, grads.get(lay.readout()), null, dfeats, par);
        } else {
            float[] df = new float[rows * d];
            linearBack(feats, rows, d, w[lay.readout()], dlog, classes, grads.get(lay.readout()), null, df, par);
            float inv = 1f / t;
            for (int r = 0; r < n; r++) {
                int fo = (r / t) * d;
                for (int c = 0; c < d; c++) {
                    dfeats[r * d + c] = df[fo + c] * inv;
                }
            }
        }
        float[] dx = ws.bufN;
        layerNormBack(dfeats, n, w[lay.lnfG()], ws.xhatF, ws.rstdF, grads.get(lay.lnfG()), grads.get(lay.lnfB()), dx,
                false, par);
        float[] dh = ws.bufN2;
        float[] tmp = ws.bufN3;
        for (int l = depth - 1; l >= 0; l--) {
            Layout.Block bl = lay.block(l);
            // MLP: x_{l+1} = h + gelu(a2·W1 + b1)·W2 + b2
            float[] dg = ws.bufF;
            linearBack(ws.gu[l], n, f, w[bl.w2()], dx, d, grads.get(bl.w2()), grads.get(bl.b2()), dg, par);
            Gelu.backward(ws.u[l], dg, n * f, par); // dg becomes du
            linearBack(ws.a2[l], n, d, w[bl.w1()], dg, f, grads.get(bl.w1()), grads.get(bl.b1()), tmp, par);
            System.arraycopy(dx, 0, dh, 0, n * d);
            layerNormBack(tmp, n, w[bl.ln2g()], ws.xhat2[l], ws.rstd2[l], grads.get(bl.ln2g()), grads.get(bl.ln2b()),
                    dh, true, par);
            // attention: h = x + o·Wo
            float[] dout = tmp;
            linearBack(ws.o[l], n, d, w[bl.wo()], dh, d, grads.get(bl.wo()), grads.get(bl.bo()), dout, par);
            float[] dq = ws.o[l]; // o is no longer needed: its gradient went into Wo
            float[] dk = ws.h[l];
            float[] dv = ws.a2[l];
            attentionBack(ws.q[l], ws.k[l], ws.v[l], ws.p[l], dout, dq, dk, dv, nb, par);
            float[] da1 = dx; // dx of this block is rebuilt below from da1 and dh
            linearBack(ws.a1[l], n, d, w[bl.wq()], dq, d, grads.get(bl.wq()), grads.get(bl.bq()), da1, par);
            linearBack(ws.a1[l], n, d, w[bl.wk()], dk, d, grads.get(bl.wk()), grads.get(bl.bk()), tmp, par);
            for (int i = 0; i < n * d; i++) {
                da1[i] += tmp[i];
            }
            linearBack(ws.a1[l], n, d, w[bl.wv()], dv, d, grads.get(bl.wv()), grads.get(bl.bv()), tmp, par);
            for (int i = 0; i < n * d; i++) {
                da1[i] += tmp[i];
            }
            System.arraycopy(da1, 0, tmp, 0, n * d);
            System.arraycopy(dh, 0, dx, 0, n * d);
            layerNormBack(tmp, n, w[bl.ln1g()], ws.xhat1[l], ws.rstd1[l], grads.get(bl.ln1g()), grads.get(bl.ln1b()),
                    dx, true, par);
        }
        // embedding backward
        float[] dpos = grads.get(lay.pos());
        java.util.Arrays.fill(dpos, 0f);
        for (int r = 0; r < n; r++) {
            int po = (r % t) * d;
            int xo = r * d;
            for (int c = 0; c < d; c++) {
                dpos[po + c] += dx[xo + c];
            }
        }
        if (tokens) {
            float[] de = grads.get(lay.embed());
            java.util.Arrays.fill(de, 0f);
            for (int r = 0; r < n; r++) {
                int eo = batch.tokens()[r] * d;
                int xo = r * d;
                for (int c = 0; c < d; c++) {
                    de[eo + c] += dx[xo + c];
                }
            }
        } else {
            linearBack(batch.patches(), n, inputs, w[lay.embed()], dx, d, grads.get(lay.embed()),
                    grads.get(lay.embedBias()), null, par);
        }
        return loss;
    }
}
