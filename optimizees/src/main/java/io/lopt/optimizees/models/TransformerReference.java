package io.lopt.optimizees.models;

import io.lopt.optim.Parameter;
import java.util.List;

/**
 * The transformer of {@link Transformer} written to read like docs/transformers.md, in double precision, one loop per
 * formula: the definition the fast {@link Transformer} is tested against, and what the finite-difference gradient
 * checks differentiate. Not a fast path.
 */
public final class TransformerReference {
    private final Transformer m;

    public TransformerReference(Transformer model) {
        this.m = model;
    }

    /** Tensors as doubles, in {@link Transformer#specs()} order. */
    private double[][] weights(List<Parameter> params) {
        double[][] w = new double[params.size()][];
        for (int i = 0; i < w.length; i++) {
            float[] v = params.get(i).values();
            w[i] = new double[v.length];
            for (int j = 0; j < v.length; j++) {
                w[i][j] = v[j];
            }
        }
        return w;
    }

    /** The mean cross-entropy of a batch; with {@code grads} non-null, its gradient too (one array per tensor). */
    public double lossAndGradient(List<Parameter> params, Transformer.Batch batch, double[][] grads) {
        return run(weights(params), batch, grads);
    }

    /** Same, on tensors already in double precision (for finite differences). */
    public double loss(double[][] w, Transformer.Batch batch) {
        return run(w, batch, null);
    }

    private static double[][] zeros(int rows, int cols) {
        return new double[rows][cols];
    }

    private static double gelu(double u) {
        return 0.5 * u * (1 + Math.tanh(Transformer.GELU_C * (u + 0.044715 * u * u * u)));
    }

    private static double geluGrad(double u) {
        double a = Transformer.GELU_C * (u + 0.044715 * u * u * u);
        double t = Math.tanh(a);
        return 0.5 * (1 + t) + 0.5 * u * (1 - t * t) * Transformer.GELU_C * (1 + 3 * 0.044715 * u * u);
    }

    /** y = x·W (+ b) for x [n][in], W [in × out] row-major. */
    private static double[][] linear(double[][] x, double[] w, double[] b, int out) {
        int n = x.length;
        int in = x[0].length;
        double[][] y = zeros(n, out);
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < out; j++) {
                double s = b == null ? 0 : b[j];
                for (int k = 0; k < in; k++) {
                    s += x[r][k] * w[k * out + j];
                }
                y[r][j] = s;
            }
        }
        return y;
    }

    /** dx = dy·Wᵀ, and dW += xᵀ·dy, db += Σ dy. */
    private static double[][] linearBack(double[][] x, double[] w, double[][] dy, double[] dw, double[] db) {
        int n = x.length;
        int in = x[0].length;
        int out = dy[0].length;
        double[][] dx = zeros(n, in);
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < in; k++) {
                double s = 0;
                for (int j = 0; j < out; j++) {
                    s += dy[r][j] * w[k * out + j];
                    if (dw != null) {
                        dw[k * out + j] += x[r][k] * dy[r][j];
                    }
                }
                dx[r][k] = s;
            }
            if (db != null) {
                for (int j = 0; j < out; j++) {
                    db[j] += dy[r][j];
                }
            }
        }
        return dx;
    }

    /** LayerNorm with gain g and bias b; xhat and 1/σ are returned through the arrays. */
    private static double[][] layerNorm(double[][] x, double[] g, double[] b, double[][] xhat, double[] rstd) {
        int n = x.length;
        int d = x[0].length;
        double[][] y = zeros(n, d);
        for (int r = 0; r < n; r++) {
            double mean = 0;
            for (double v : x[r]) {
                mean += v;
            }
            mean /= d;
            double var = 0;
            for (double v : x[r]) {
                var += (v - mean) * (v - mean);
            }
            var /= d;
            rstd[r] = 1 / Math.sqrt(var + Transformer.LN_EPS);
            for (int c = 0; c < d; c++) {
                xhat[r][c] = (x[r][c] - mean) * rstd[r];
                y[r][c] = xhat[r][c] * g[c] + b[c];
            }
        }
        return y;
    }

    private static double[][] layerNormBack(double[][] dy, double[] g, double[][] xhat, double[] rstd, double[] dg,
            double[] db) {
        int n = dy.length;
        int d = dy[0].length;
        double[][] dx = zeros(n, d);
        for (int r = 0; r < n; r++) {
            double mean1 = 0;
            double mean2 = 0;
            for (int c = 0; c < d; c++) {
                double dxh = dy[r][c] * g[c];
                mean1 += dxh;
                mean2 += dxh * xhat[r][c];
                dg[c] += dy[r][c] * xhat[r][c];
                db[c] += dy[r][c];
            }
            mean1 /= d;
            mean2 /= d;
            for (int c = 0; c < d; c++) {
                dx[r][c] = rstd[r] * (dy[r][c] * g[c] - mean1 - xhat[r][c] * mean2);
            }
        }
        return dx;
    }

    private double run(double[][] w, Transformer.Batch batch, double[][] grads) {
        Transformer.Layout lay = m.layout();
        int d = m.width();
        int t = m.seq();
        int nb = batch.size();
        int n = nb * t;
        int heads = m.heads();
        int dh = d / heads;
        double alpha = m.attentionScale();
        // embedding
        double[][] x = zeros(n, d);
        double[][] patches = null;
        if (m.tokens()) {
            double[] e = w[lay.embed()];
            for (int r = 0; r < n; r++) {
                int tok = batch.tokens()[r];
                for (int c = 0; c < d; c++) {
                    x[r][c] = e[tok * d + c];
                }
            }
        } else {
            int pd = m.inputs();
            patches = zeros(n, pd);
            for (int r = 0; r < n; r++) {
                for (int k = 0; k < pd; k++) {
                    patches[r][k] = batch.patches()[r * pd + k];
                }
            }
            x = linear(patches, w[lay.embed()], w[lay.embedBias()], d);
        }
        double[] pos = w[lay.pos()];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < d; c++) {
                x[r][c] += pos[(r % t) * d + c];
            }
        }
        int depth = m.depth();
        double[][][] xs = new double[depth + 1][][];
        double[][][] xhat1 = new double[depth][][];
        double[][] rstd1 = new double[depth][];
        double[][][] a1 = new double[depth][][];
        double[][][] q = new double[depth][][];
        double[][][] k = new double[depth][][];
        double[][][] v = new double[depth][][];
        double[][][][] p = new double[depth][][][];
        double[][][] o = new double[depth][][];
        double[][][] xhat2 = new double[depth][][];
        double[][] rstd2 = new double[depth][];
        double[][][] a2 = new double[depth][][];
        double[][][] u = new double[depth][][];
        double[][][] gl = new double[depth][][];
        xs[0] = x;
        for (int l = 0; l < depth; l++) {
            Transformer.Layout.Block bl = lay.block(l);
            xhat1[l] = zeros(n, d);
            rstd1[l] = new double[n];
            a1[l] = layerNorm(xs[l], w[bl.ln1g()], w[bl.ln1b()], xhat1[l], rstd1[l]);
            q[l] = linear(a1[l], w[bl.wq()], w[bl.bq()], d);
            k[l] = linear(a1[l], w[bl.wk()], w[bl.bk()], d);
            v[l] = linear(a1[l], w[bl.wv()], w[bl.bv()], d);
            p[l] = new double[nb * heads][t][t];
            o[l] = zeros(n, d);
            for (int b = 0; b < nb; b++) {
                for (int h = 0; h < heads; h++) {
                    double[][] pp = p[l][b * heads + h];
                    for (int i = 0; i < t; i++) {
                        double max = Double.NEGATIVE_INFINITY;
                        int last = m.causal() ? i : t - 1;
                        for (int j = 0; j <= last; j++) {
                            double s = 0;
                            for (int c = 0; c < dh; c++) {
                                s += q[l][b * t + i][h * dh + c] * k[l][b * t + j][h * dh + c];
                            }
                            pp[i][j] = s * alpha;
                            max = Math.max(max, pp[i][j]);
                        }
                        double z = 0;
                        for (int j = 0; j <= last; j++) {
                            pp[i][j] = Math.exp(pp[i][j] - max);
                            z += pp[i][j];
                        }
                        for (int j = 0; j <= last; j++) {
                            pp[i][j] /= z;
                        }
                        for (int c = 0; c < dh; c++) {
                            double s = 0;
                            for (int j = 0; j <= last; j++) {
                                s += pp[i][j] * v[l][b * t + j][h * dh + c];
                            }
                            o[l][b * t + i][h * dh + c] = s;
                        }
                    }
                }
            }
            double[][] y = linear(o[l], w[bl.wo()], w[bl.bo()], d);
            double[][] hres = zeros(n, d);
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < d; c++) {
                    hres[r][c] = xs[l][r][c] + y[r][c];
                }
            }
            xhat2[l] = zeros(n, d);
            rstd2[l] = new double[n];
            a2[l] = layerNorm(hres, w[bl.ln2g()], w[bl.ln2b()], xhat2[l], rstd2[l]);
            u[l] = linear(a2[l], w[bl.w1()], w[bl.b1()], m.mlpWidth());
            gl[l] = zeros(n, m.mlpWidth());
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < m.mlpWidth(); c++) {
                    gl[l][r][c] = gelu(u[l][r][c]);
                }
            }
            double[][] z = linear(gl[l], w[bl.w2()], w[bl.b2()], d);
            xs[l + 1] = zeros(n, d);
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < d; c++) {
                    xs[l + 1][r][c] = hres[r][c] + z[r][c];
                }
            }
        }
        // head
        double[][] xhatF = zeros(n, d);
        double[] rstdF = new double[n];
        double[][] af = layerNorm(xs[depth], w[lay.lnfG()], w[lay.lnfB()], xhatF, rstdF);
        double[][] feats = af;
        int rows = n;
        if (!m.tokens()) { // mean pooling over the sequence
            rows = nb;
            feats = zeros(nb, d);
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < d; c++) {
                    feats[r / t][c] += af[r][c] / t;
                }
            }
        }
        double mult = m.readoutMultiplier();
        int classes = m.classes();
        double[] wout = w[lay.readout()];
        double[][] logits = linear(feats, wout, null, classes);
        double[] bout = w[lay.readoutBias()];
        double loss = 0;
        double[][] dlogits = zeros(rows, classes);
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                logits[r][c] = (logits[r][c] + bout[c]) * mult;
                max = Math.max(max, logits[r][c]);
            }
            double z = 0;
            for (int c = 0; c < classes; c++) {
                z += Math.exp(logits[r][c] - max);
            }
            int y = batch.targets()[r];
            loss += (max + Math.log(z) - logits[r][y]) / rows;
            for (int c = 0; c < classes; c++) {
                dlogits[r][c] = (Math.exp(logits[r][c] - max) / z - (c == y ? 1 : 0)) / rows;
            }
        }
        if (grads == null) {
            return loss;
        }
        for (double[] gr : grads) {
            java.util.Arrays.fill(gr, 0);
        }
        // head backward: logits = mult · (feats·W + b)
        double[][] dlScaled = zeros(rows, classes);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < classes; c++) {
                dlScaled[r][c] = dlogits[r][c] * mult;
                grads[lay.readoutBias()][c] += dlScaled[r][c];
            }
        }
        double[][] dfeats = linearBack(feats, wout, dlScaled, grads[lay.readout()], null);
        double[][] daf = dfeats;
        if (!m.tokens()) {
            daf = zeros(n, d);
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < d; c++) {
                    daf[r][c] = dfeats[r / t][c] / t;
                }
            }
        }
        double[][] dx = layerNormBack(daf, w[lay.lnfG()], xhatF, rstdF, grads[lay.lnfG()], grads[lay.lnfB()]);
        for (int l = depth - 1; l >= 0; l--) {
            Transformer.Layout.Block bl = lay.block(l);
            // MLP: x_{l+1} = h + gelu(a2·W1 + b1)·W2 + b2
            double[][] dg = linearBack(gl[l], w[bl.w2()], dx, grads[bl.w2()], grads[bl.b2()]);
            double[][] du = zeros(n, m.mlpWidth());
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < m.mlpWidth(); c++) {
                    du[r][c] = dg[r][c] * geluGrad(u[l][r][c]);
                }
            }
            double[][] da2 = linearBack(a2[l], w[bl.w1()], du, grads[bl.w1()], grads[bl.b1()]);
            double[][] dres = layerNormBack(da2, w[bl.ln2g()], xhat2[l], rstd2[l], grads[bl.ln2g()], grads[bl.ln2b()]);
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < d; c++) {
                    dres[r][c] += dx[r][c];
                }
            }
            // attention: h = x + o·Wo
            double[][] dout = linearBack(o[l], w[bl.wo()], dres, grads[bl.wo()], grads[bl.bo()]);
            double[][] dq = zeros(n, d);
            double[][] dk = zeros(n, d);
            double[][] dv = zeros(n, d);
            for (int b = 0; b < nb; b++) {
                for (int h = 0; h < heads; h++) {
                    double[][] pp = p[l][b * heads + h];
                    for (int i = 0; i < t; i++) {
                        int last = m.causal() ? i : t - 1;
                        double[] dp = new double[t];
                        double dot = 0;
                        for (int j = 0; j <= last; j++) {
                            double s = 0;
                            for (int c = 0; c < dh; c++) {
                                s += dout[b * t + i][h * dh + c] * v[l][b * t + j][h * dh + c];
                                dv[b * t + j][h * dh + c] += pp[i][j] * dout[b * t + i][h * dh + c];
                            }
                            dp[j] = s;
                            dot += s * pp[i][j];
                        }
                        for (int j = 0; j <= last; j++) {
                            double ds = pp[i][j] * (dp[j] - dot) * alpha;
                            for (int c = 0; c < dh; c++) {
                                dq[b * t + i][h * dh + c] += ds * k[l][b * t + j][h * dh + c];
                                dk[b * t + j][h * dh + c] += ds * q[l][b * t + i][h * dh + c];
                            }
                        }
                    }
                }
            }
            double[][] da1 = linearBack(a1[l], w[bl.wq()], dq, grads[bl.wq()], grads[bl.bq()]);
            double[][] da1k = linearBack(a1[l], w[bl.wk()], dk, grads[bl.wk()], grads[bl.bk()]);
            double[][] da1v = linearBack(a1[l], w[bl.wv()], dv, grads[bl.wv()], grads[bl.bv()]);
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < d; c++) {
                    da1[r][c] += da1k[r][c] + da1v[r][c];
                }
            }
            double[][] dxl = layerNormBack(da1, w[bl.ln1g()], xhat1[l], rstd1[l], grads[bl.ln1g()], grads[bl.ln1b()]);
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < d; c++) {
                    dxl[r][c] += dres[r][c];
                }
            }
            dx = dxl;
        }
        // embedding backward
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < d; c++) {
                grads[lay.pos()][(r % t) * d + c] += dx[r][c];
            }
        }
        if (m.tokens()) {
            for (int r = 0; r < n; r++) {
                int tok = batch.tokens()[r];
                for (int c = 0; c < d; c++) {
                    grads[lay.embed()][tok * d + c] += dx[r][c];
                }
            }
        } else {
            linearBack(patches, w[lay.embed()], dx, grads[lay.embed()], grads[lay.embedBias()]);
        }
        return loss;
    }
}
