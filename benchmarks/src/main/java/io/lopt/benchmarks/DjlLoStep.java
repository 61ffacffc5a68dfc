package io.lopt.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import java.util.ArrayList;
import java.util.List;

/**
 * The learned-optimizer step written operation by operation with DJL NDArrays, the way a naive PyTorch port does it
 * (pylo's AdafacLO_naive): it materialises the [n, 39] feature matrix and the [n, 32] activations of every tensor.
 * It is the benchmark's peer, not part of the library; its arithmetic follows docs/spec.md §2.
 */
final class DjlLoStep implements AutoCloseable {
    private final NDManager m;
    private final List<ParamSpec> specs;
    private final float stepMult;
    private final float expMult;
    private final boolean mup;
    private final NDArray w0;
    private final NDArray b0;
    private final NDArray w1;
    private final NDArray b1;
    private final NDArray w2;
    private final NDArray b2;
    private final float[] betaM;
    private final float betaV;
    private final float[] betaA;
    private final List<NDArray[]> state = new ArrayList<>();
    private long step;

    DjlLoStep(LoptConfig cfg, float[] theta, List<ParamSpec> specs, int threads) {
        this.m = DjlSupport.manager(threads);
        this.specs = specs;
        this.stepMult = (float) cfg.stepMult();
        this.expMult = (float) cfg.expMult();
        this.mup = cfg.mup();
        MetaParameters lay = MetaParameters.of(cfg);
        w0 = m.create(lay.get(theta, "mlp/w0"), new Shape(39, 32));
        b0 = m.create(lay.get(theta, "mlp/b0"));
        w1 = m.create(lay.get(theta, "mlp/w1"), new Shape(32, 32));
        b1 = m.create(lay.get(theta, "mlp/b1"));
        w2 = m.create(lay.get(theta, "mlp/wout"), new Shape(32, 2));
        b2 = m.create(lay.get(theta, "mlp/bout"));
        MetaParameters.Decays d = lay.decays(theta);
        betaM = d.momentum();
        betaV = d.rms();
        betaA = d.adafactor();
        for (ParamSpec s : specs) {
            Shape sh = new Shape(toLong(s.shape()));
            NDArray[] st = new NDArray[10];
            for (int k = 0; k < 4; k++) {
                st[k] = m.zeros(sh);
            }
            for (int k = 0; k < 3; k++) {
                if (s.rank() == 2) {
                    int d0 = s.dim(0) > s.dim(1) ? 0 : 1;
                    st[4 + k] = m.zeros(new Shape(s.dim(1 - d0))); // vRow, mean over d0
                    st[7 + k] = m.zeros(new Shape(s.dim(d0))); // vCol, mean over d1
                } else {
                    st[4 + k] = m.zeros(sh);
                }
            }
            state.add(st);
        }
    }

    private static long[] toLong(int[] s) {
        long[] l = new long[s.length];
        for (int i = 0; i < s.length; i++) {
            l[i] = s[i];
        }
        return l;
    }

    void step(List<Parameter> params, List<float[]> grads) {
        float[] time = new float[11];
        double[] scales = io.lopt.optim.lo.SmallFcLoptReference.timeScales();
        for (int i = 0; i < 11; i++) {
            time[i] = (float) Math.tanh(step / scales[i] - 1);
        }
        for (int t = 0; t < specs.size(); t++) {
            ParamSpec s = specs.get(t);
            try (NDManager sub = m.newSubManager()) {
                Shape sh = new Shape(toLong(s.shape()));
                NDArray[] st = state.get(t);
                NDArray p = sub.create(params.get(t).values(), sh);
                NDArray g = sub.create(grads.get(t), sh);
                g = NDArrays.where(g.isNaN().logicalOr(g.isInfinite()), sub.zeros(sh), g);
                NDList feats = new NDList();
                NDArray gg = g.square();
                for (int k = 0; k < 3; k++) {
                    replace(st, k, st[k].mul(betaM[k]).add(g.mul(1 - betaM[k])));
                }
                replace(st, 3, st[3].mul(betaV).add(gg.mul(1 - betaV)));
                NDArray rs = st[3].add(io.lopt.optim.lo.SmallFcLoptReference.RMS_EPS).sqrt().pow(-1f);
                feats.add(g);
                feats.add(p);
                feats.add(st[0]);
                feats.add(st[1]);
                feats.add(st[2]);
                feats.add(st[3]);
                for (int k = 0; k < 3; k++) {
                    feats.add(st[k].mul(rs));
                }
                feats.add(rs);
                NDArray big = gg.add(io.lopt.optim.lo.SmallFcLoptReference.GRAD_SQ_EPS);
                NDList rowF = new NDList();
                NDList colF = new NDList();
                NDList facG = new NDList();
                NDList facM = new NDList();
                NDList rsR = new NDList();
                NDList rsC = new NDList();
                for (int k = 0; k < 3; k++) {
                    float b = betaA[k];
                    if (s.rank() == 2) {
                        int d0 = s.dim(0) > s.dim(1) ? 0 : 1;
                        int d1 = 1 - d0;
                        replace(st, 4 + k, st[4 + k].mul(b).add(big.mean(new int[] {d0}).mul(1 - b)));
                        replace(st, 7 + k, st[7 + k].mul(b).add(big.mean(new int[] {d1}).mul(1 - b)));
                        NDArray vr = st[4 + k].expandDims(d0).broadcast(sh);
                        NDArray vc = st[7 + k].expandDims(d1).broadcast(sh);
                        NDArray rf = st[4 + k].div(st[4 + k].mean().add(io.lopt.optim.lo.SmallFcLoptReference.ROW_MEAN_EPS)).maximum(io.lopt.optim.lo.SmallFcLoptReference.RSQRT_FLOOR).sqrt().pow(-1f)
                                .expandDims(d0);
                        NDArray cf = st[7 + k].maximum(io.lopt.optim.lo.SmallFcLoptReference.RSQRT_FLOOR).sqrt().pow(-1f).expandDims(d1);
                        facG.add(g.mul(rf).mul(cf));
                        facM.add(st[k].mul(rf).mul(cf));
                        rowF.add(vr);
                        colF.add(vc);
                        rsR.add(vr.add(io.lopt.optim.lo.SmallFcLoptReference.FACTORED_RSQRT_EPS).sqrt().pow(-1f));
                        rsC.add(vc.add(io.lopt.optim.lo.SmallFcLoptReference.FACTORED_RSQRT_EPS).sqrt().pow(-1f));
                    } else {
                        replace(st, 4 + k, st[4 + k].mul(b).add(big.mul(1 - b)));
                        NDArray v = st[4 + k];
                        facG.add(g.mul(v.add(io.lopt.optim.lo.SmallFcLoptReference.DIAG_EPS).maximum(io.lopt.optim.lo.SmallFcLoptReference.RSQRT_FLOOR).sqrt().pow(-1f)));
                        facM.add(st[k].mul(v.add(io.lopt.optim.lo.SmallFcLoptReference.RMS_EPS).sqrt().pow(-1f)));
                        rowF.add(v);
                        colF.add(v);
                        rsR.add(v.add(io.lopt.optim.lo.SmallFcLoptReference.FACTORED_RSQRT_EPS).sqrt().pow(-1f));
                        rsC.add(v.add(io.lopt.optim.lo.SmallFcLoptReference.FACTORED_RSQRT_EPS).sqrt().pow(-1f));
                    }
                }
                feats.addAll(facG);
                feats.addAll(rowF);
                feats.addAll(colF);
                feats.addAll(rsR);
                feats.addAll(rsC);
                feats.addAll(facM);
                long n = s.size();
                NDArray x = NDArrays.stack(new NDList(feats.stream().map(a -> a.reshape(n)).toList()), 1); // [n, 28]
                x = x.div(x.square().mean(new int[] {0}, true).add((float) io.lopt.optim.lo.SmallFcLoptReference.NORMALISE_EPS).sqrt());
                NDArray tf = sub.create(time).reshape(1, 11).broadcast(new Shape(n, 11));
                x = x.concat(tf, 1); // [n, 39]
                NDArray h = x.matMul(w0).add(b0).maximum(0f);
                h = h.matMul(w1).add(b1).maximum(0f);
                NDArray out = h.matMul(w2).add(b2);
                NDArray d = out.get(":, 0");
                NDArray mag = out.get(":, 1");
                float scale = stepMult * (mup ? s.updateScale() : 1f);
                NDArray upd = d.mul(mag.mul(expMult).exp()).mul(scale).reshape(sh);
                p.subi(upd);
                System.arraycopy(p.toFloatArray(), 0, params.get(t).values(), 0, s.size());
            }
        }
        step++;
    }

    private void replace(NDArray[] st, int i, NDArray v) {
        NDArray old = st[i];
        v.attach(m);
        st[i] = v;
        old.close();
    }

    @Override
    public void close() {
        m.close();
    }
}
