package io.lopt.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.lopt.optim.OptimizerState;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.lo.SmallFcLopt;
import io.lopt.optim.lo.SmallFcLoptReference;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small_fc_lopt step (docs/spec.md §2) for P particles at once, each with its own θ and step count, as batched NDArray
 * operations: what {@link SmallFcLopt} computes, written the way a GPU wants it (it materialises the [P, n, 39]
 * features, which a GPU does not mind). Its state is laid out exactly like the CPU optimizer's exported state, so a
 * particle can move between the CPU kernels and this backend.
 */
final class BatchedSmallFcLopt {
    private final LoptConfig config;
    private final MetaParameters layout;
    private final List<ParamSpec> specs;
    private final int particles;
    private final NDManager manager;
    /** Per tensor: m1, m2, m3, v, then vrow1..3, vcol1..3 (matrices) or vfull1..3 (vectors). */
    private final NDArray[][] state;
    private final long[] steps;
    /** Each particle's run length (read only when the time features are relative to it). */
    private final long[] horizons;
    private final NDArray w1;
    private final NDArray b1;
    private final NDArray w2;
    private final NDArray b2;
    private final NDArray w3;
    private final NDArray b3;
    private final NDArray wTime;
    /** Decays per particle, [P, 7]: momentum 1..3, rms, adafactor 1..3. */
    private final NDArray decays;

    /**
     * @param thetas one θ per particle
     * @param states the particles' exported CPU states (null entries: fresh, all zero)
     * @param horizons each particle's run length in steps
     */
    BatchedSmallFcLopt(LoptConfig config, List<ParamSpec> specs, List<float[]> thetas, List<OptimizerState> states,
            long[] horizons, NDManager manager) {
        if (config.hiddenSizes().size() != 2) {
            throw new IllegalArgumentException("the DJL backend runs small_fc_lopt with two hidden layers (the paper's); got "
                    + config.hiddenSizes());
        }
        if (config.adamInputs()) {
            throw new IllegalArgumentException("the DJL backend runs the paper's 39-input small_fc_lopt; this one has the "
                    + "un-normalised Adam inputs (adam_inputs: true): meta-train it with the CPU backend");
        }
        this.config = config;
        this.layout = MetaParameters.of(config);
        this.specs = specs;
        this.particles = thetas.size();
        this.manager = manager;
        if (horizons.length != particles) {
            throw new IllegalArgumentException(horizons.length + " horizons for " + particles + " particles");
        }
        for (long h : horizons) {
            config.checkHorizon(h); // a relative clock and a decay need every horizon
        }
        this.horizons = horizons.clone();
        int size = layout.size();
        float[] all = new float[particles * size];
        float[] dec = new float[particles * 7];
        for (int p = 0; p < particles; p++) {
            float[] th = thetas.get(p);
            System.arraycopy(th, 0, all, p * size, size);
            MetaParameters.Decays d = layout.decays(th);
            for (int k = 0; k < 3; k++) {
                dec[p * 7 + k] = d.momentum()[k];
                dec[p * 7 + 4 + k] = d.adafactor()[k];
            }
            dec[p * 7 + 3] = d.rms();
        }
        NDArray theta = manager.create(all, new Shape(particles, size));
        int h1 = layout.layerOutputs(0);
        int h2 = layout.layerOutputs(1);
        int acc = MetaParameters.ACC_FEATURES;
        int w0 = layout.weightOffset(0);
        w1 = slice(theta, w0, acc * h1).reshape(particles, acc, h1);
        wTime = slice(theta, w0 + acc * h1, MetaParameters.TIME_FEATURES * h1)
                .reshape(particles, MetaParameters.TIME_FEATURES, h1);
        b1 = slice(theta, layout.biasOffset(0), h1).reshape(particles, 1, h1);
        w2 = slice(theta, layout.weightOffset(1), h1 * h2).reshape(particles, h1, h2);
        b2 = slice(theta, layout.biasOffset(1), h2).reshape(particles, 1, h2);
        w3 = slice(theta, layout.weightOffset(2), h2 * 2).reshape(particles, h2, 2);
        b3 = slice(theta, layout.biasOffset(2), 2).reshape(particles, 1, 2);
        decays = manager.create(dec, new Shape(particles, 7));
        steps = new long[particles];
        state = new NDArray[specs.size()][];
        for (int t = 0; t < specs.size(); t++) {
            ParamSpec s = specs.get(t);
            String[] names = names(s);
            state[t] = new NDArray[names.length];
            for (int i = 0; i < names.length; i++) {
                int len = length(s, i);
                float[] data = new float[particles * len];
                for (int p = 0; p < particles; p++) {
                    OptimizerState st = states.get(p);
                    if (st != null) {
                        System.arraycopy(st.tensor(names[i], len), 0, data, p * len, len);
                    }
                }
                state[t][i] = manager.create(data, new Shape(particles, len));
            }
        }
        for (int p = 0; p < particles; p++) {
            OptimizerState st = states.get(p);
            steps[p] = st == null ? 0 : st.step();
        }
    }

    private static NDArray slice(NDArray theta, int from, int len) {
        return theta.get(":, " + from + ":" + (from + len));
    }

    private static int d0(ParamSpec s) {
        return s.dim(0) > s.dim(1) ? 0 : 1;
    }

    /** State tensor names, as {@code SmallFcLopt} exports them. */
    private static String[] names(ParamSpec s) {
        String n = s.name();
        if (s.rank() == 2) {
            return new String[] {"m1/" + n, "m2/" + n, "m3/" + n, "v/" + n, "vrow1/" + n, "vcol1/" + n, "vrow2/" + n,
                "vcol2/" + n, "vrow3/" + n, "vcol3/" + n};
        }
        return new String[] {"m1/" + n, "m2/" + n, "m3/" + n, "v/" + n, "vfull1/" + n, "vfull2/" + n, "vfull3/" + n};
    }

    /** Length of state array i of tensor s (per particle). */
    private static int length(ParamSpec s, int i) {
        if (i < 4 || s.rank() != 2) {
            return s.size();
        }
        boolean row = (i - 4) % 2 == 0;
        int d0 = d0(s);
        return row ? s.dim(1 - d0) : s.dim(d0); // vRow is indexed by the d1 axis, vCol by the d0 axis
    }

    private NDArray beta(int k, int rank) {
        NDArray b = decays.get(":, " + k);
        long[] shape = new long[rank + 1];
        java.util.Arrays.fill(shape, 1);
        shape[0] = particles;
        return b.reshape(new Shape(shape));
    }

    /** Replaces a persistent array by a value computed inside the current {@link NDScope}, which then keeps it. */
    private static void keep(NDArray[] arr, int i, NDArray value) {
        NDArray old = arr[i];
        NDScope.unregister(value);
        arr[i] = value;
        old.close();
    }

    /**
     * One step for every particle: params[t] ([P, n_t], flat per particle) are replaced by their updated values.
     */
    void step(NDArray[] params, NDArray[] grads) {
        float[] tf = new float[particles * MetaParameters.TIME_FEATURES];
        for (int p = 0; p < particles; p++) {
            float[] time = SmallFcLoptReference.timeFeatures(config.clock(steps[p], horizons[p]));
            System.arraycopy(time, 0, tf, p * time.length, time.length);
        }
        // every intermediate array of the step is closed with the scope; what persists is unregistered from it
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray time = manager.create(tf, new Shape(particles, 1, MetaParameters.TIME_FEATURES));
            NDArray bias1 = b1.add(time.matMul(wTime)); // the time features are equal for every element
            NDArray decay = null;
            if (config.scalesStep()) {
                float[] f = new float[particles];
                for (int p = 0; p < particles; p++) {
                    f[p] = (float) config.stepFactor(steps[p], horizons[p]);
                }
                decay = manager.create(f, new Shape(particles, 1));
            }
            for (int t = 0; t < specs.size(); t++) {
                keep(params, t, step(t, params[t], grads[t], bias1, decay));
            }
        }
        for (int p = 0; p < particles; p++) {
            steps[p]++;
        }
    }

    /** @param decay each particle's step factor [P, 1] over its run, or null (no decay) */
    private NDArray step(int t, NDArray pFlat, NDArray gFlat, NDArray bias1, NDArray decay) {
        ParamSpec s = specs.get(t);
        NDArray[] st = state[t];
        boolean matrix = s.rank() == 2;
        Shape shape = matrix ? new Shape(particles, s.dim(0), s.dim(1)) : new Shape(particles, s.size());
        int rank = matrix ? 2 : 1;
        long n = s.size();
        NDArray p = pFlat.reshape(shape);
        NDArray g0 = gFlat.reshape(shape);
        NDArray g = NDArrays.where(g0.isNaN().logicalOr(g0.isInfinite()), manager.zeros(shape), g0);
        NDArray[] m = new NDArray[3];
        for (int k = 0; k < 3; k++) {
            NDArray b = beta(k, rank);
            m[k] = b.mul(st[k].reshape(shape)).add(b.neg().add(1f).mul(g));
        }
        NDArray gg = g.square();
        NDArray b4 = beta(3, rank);
        NDArray v = b4.mul(st[3].reshape(shape)).add(b4.neg().add(1f).mul(gg));
        NDArray big = gg.add(SmallFcLoptReference.GRAD_SQ_EPS);
        NDList feats = new NDList();
        NDArray r = v.add(SmallFcLoptReference.RMS_EPS).pow(-0.5f);
        feats.add(g);
        feats.add(p);
        feats.add(m[0]);
        feats.add(m[1]);
        feats.add(m[2]);
        feats.add(v);
        for (int k = 0; k < 3; k++) {
            feats.add(m[k].mul(r));
        }
        feats.add(r);
        NDArray[] facG = new NDArray[3];
        NDArray[] rowF = new NDArray[3];
        NDArray[] colF = new NDArray[3];
        NDArray[] rsR = new NDArray[3];
        NDArray[] rsC = new NDArray[3];
        NDArray[] facM = new NDArray[3];
        NDArray[] newFac = new NDArray[6];
        for (int k = 0; k < 3; k++) {
            NDArray b = beta(4 + k, 1);
            if (matrix) {
                int d0 = d0(s);
                NDArray overRows = big.mean(new int[] {1}); // [P, C]
                NDArray overCols = big.mean(new int[] {2}); // [P, R]
                NDArray rowStat = d0 == 0 ? overRows : overCols;
                NDArray colStat = d0 == 0 ? overCols : overRows;
                NDArray vr = b.mul(st[4 + 2 * k]).add(b.neg().add(1f).mul(rowStat));
                NDArray vc = b.mul(st[5 + 2 * k]).add(b.neg().add(1f).mul(colStat));
                newFac[2 * k] = vr;
                newFac[2 * k + 1] = vc;
                NDArray rf = vr.div(vr.mean(new int[] {1}, true).add(SmallFcLoptReference.ROW_MEAN_EPS)).maximum(SmallFcLoptReference.RSQRT_FLOOR).pow(-0.5f);
                NDArray cf = vc.maximum(SmallFcLoptReference.RSQRT_FLOOR).pow(-0.5f);
                // vRow is indexed by the d1 axis (broadcast along d0), vCol by the d0 axis
                int rowAxis = d0 == 0 ? 1 : 2;
                int colAxis = d0 == 0 ? 2 : 1;
                NDArray vrB = vr.expandDims(rowAxis).broadcast(shape);
                NDArray vcB = vc.expandDims(colAxis).broadcast(shape);
                NDArray rfB = rf.expandDims(rowAxis);
                NDArray cfB = cf.expandDims(colAxis);
                facG[k] = g.mul(rfB).mul(cfB);
                facM[k] = m[k].mul(rfB).mul(cfB);
                rowF[k] = vrB;
                colF[k] = vcB;
                rsR[k] = vrB.add(SmallFcLoptReference.FACTORED_RSQRT_EPS).pow(-0.5f);
                rsC[k] = vcB.add(SmallFcLoptReference.FACTORED_RSQRT_EPS).pow(-0.5f);
            } else {
                NDArray vf = b.mul(st[4 + k]).add(b.neg().add(1f).mul(big));
                newFac[k] = vf;
                facG[k] = g.mul(vf.add(SmallFcLoptReference.DIAG_EPS).maximum(SmallFcLoptReference.RSQRT_FLOOR).pow(-0.5f));
                rowF[k] = vf;
                colF[k] = vf;
                rsR[k] = vf.add(SmallFcLoptReference.FACTORED_RSQRT_EPS).pow(-0.5f);
                rsC[k] = rsR[k];
                facM[k] = m[k].mul(vf.add(SmallFcLoptReference.RMS_EPS).pow(-0.5f));
            }
        }
        for (NDArray[] group : new NDArray[][] {facG, rowF, colF, rsR, rsC, facM}) {
            for (NDArray a : group) {
                feats.add(a);
            }
        }
        NDList flat = new NDList();
        for (NDArray f : feats) {
            flat.add(f.reshape(particles, n));
        }
        NDArray x = NDArrays.stack(flat, 2); // [P, n, 28]
        x = x.div(x.square().mean(new int[] {1}, true).add((float) SmallFcLoptReference.NORMALISE_EPS).sqrt());
        NDArray h = x.matMul(w1).add(bias1).maximum(0f);
        h = h.matMul(w2).add(b2).maximum(0f);
        NDArray out = h.matMul(w3).add(b3); // [P, n, 2]
        NDArray d = out.get(":, :, 0");
        NDArray mg = out.get(":, :, 1");
        float scale = (float) (config.stepMult() * (config.mup() ? s.updateScale() : 1.0));
        NDArray step = d.mul(mg.mul((float) config.expMult()).exp()).mul(scale);
        if (decay != null) {
            step = step.mul(decay);
        }
        NDArray newP = pFlat.sub(step);
        for (int k = 0; k < 3; k++) {
            keep(st, k, m[k].reshape(particles, n));
        }
        keep(st, 3, v.reshape(particles, n));
        for (int i = 0; i < (matrix ? 6 : 3); i++) {
            keep(st, 4 + i, newFac[i]);
        }
        return newP;
    }

    /** The particles' states, exported like the CPU optimizer's. */
    List<OptimizerState> exportStates() {
        List<OptimizerState> out = new java.util.ArrayList<>();
        float[][][] host = new float[specs.size()][][];
        for (int t = 0; t < specs.size(); t++) {
            host[t] = new float[state[t].length][];
            for (int i = 0; i < state[t].length; i++) {
                host[t][i] = state[t][i].toFloatArray();
            }
        }
        for (int p = 0; p < particles; p++) {
            Map<String, float[]> tensors = new LinkedHashMap<>();
            for (int t = 0; t < specs.size(); t++) {
                String[] names = names(specs.get(t));
                for (int i = 0; i < names.length; i++) {
                    int len = length(specs.get(t), i);
                    tensors.put(names[i], java.util.Arrays.copyOfRange(host[t][i], p * len, (p + 1) * len));
                }
            }
            // SmallFcLopt exports m1..3 and v first, then the factored accumulators; keep its order
            out.add(new OptimizerState(SmallFcLopt.KIND, steps[p], order(tensors)));
        }
        return out;
    }

    private Map<String, float[]> order(Map<String, float[]> t) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (ParamSpec s : specs) {
            String n = s.name();
            for (String prefix : new String[] {"m1/", "m2/", "m3/", "v/"}) {
                out.put(prefix + n, t.get(prefix + n));
            }
            for (int k = 1; k <= 3; k++) {
                if (s.rank() == 2) {
                    out.put("vrow" + k + "/" + n, t.get("vrow" + k + "/" + n));
                    out.put("vcol" + k + "/" + n, t.get("vcol" + k + "/" + n));
                } else {
                    out.put("vfull" + k + "/" + n, t.get("vfull" + k + "/" + n));
                }
            }
        }
        return out;
    }
}
