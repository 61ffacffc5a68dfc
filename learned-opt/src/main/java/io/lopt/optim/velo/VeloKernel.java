package io.lopt.optim.velo;

import io.lopt.kernels.Parallel;
import io.lopt.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * VeLO's per-parameter part as fused, multi-threaded Vector API passes — what {@link VeloReference} computes, without
 * materialising the features: one pass updates the accumulators and sums the squares of the 9 feature channels;
 * the second builds the features vector by vector, runs the mixed 9→4→4→2 MLP (the per-channel normalisation folded
 * into its first layer) and writes the update. Chunks depend on the tensor size only and partial sums are combined in
 * chunk order, so results do not depend on the thread count.
 */
final class VeloKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int CHUNK = 16384;
    static final int CH = VeloLayout.IN;

    private VeloKernel() {
    }

    private static int chunks(int n) {
        return (n + CHUNK - 1) / CHUNK;
    }

    private static FloatVector sanitize(FloatVector g) {
        return g.blend(0f, g.test(VectorOperators.IS_FINITE).not());
    }

    private static FloatVector rsqrt(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(x.sqrt());
    }

    static VeloTensor.Stats accumulate(VeloTensor st, float[] p, float[] g, Parallel par) {
        int n = p.length;
        int nc = chunks(n);
        double[][] part = new double[nc][CH + 1];
        par.forEach(nc, ci -> accumulateChunk(st, p, g, ci * CHUNK, Math.min(n, (ci + 1) * CHUNK), part[ci]));
        double[] sq = new double[CH];
        double sumV = 0;
        for (double[] pc : part) {
            for (int c = 0; c < CH; c++) {
                sq[c] += pc[c];
            }
            sumV += pc[CH];
        }
        return new VeloTensor.Stats(sq, sumV, n);
    }

    private static void accumulateChunk(VeloTensor st, float[] p, float[] g, int from, int to, double[] out) {
        final float b1 = VeloTensor.MOMENTUM[0];
        final float b2 = VeloTensor.MOMENTUM[1];
        final float b3 = VeloTensor.MOMENTUM[2];
        final float b4 = VeloTensor.RMS;
        final float[] m1 = st.m[0];
        final float[] m2 = st.m[1];
        final float[] m3 = st.m[2];
        final float[] v = st.v;
        FloatVector z = FloatVector.zero(S);
        FloatVector s0 = z, s1 = z, s2 = z, s3 = z, s4 = z, s5 = z, s6 = z, s7 = z, s8 = z, sv = z;
        int since = 0;
        for (int i = from; i < to; i += L) {
            VectorMask<Float> mk = S.indexInRange(i, to);
            FloatVector gv = sanitize(FloatVector.fromArray(S, g, i, mk));
            FloatVector pv = FloatVector.fromArray(S, p, i, mk);
            FloatVector x1 = FloatVector.fromArray(S, m1, i, mk).mul(b1).add(gv.mul(1 - b1));
            FloatVector x2 = FloatVector.fromArray(S, m2, i, mk).mul(b2).add(gv.mul(1 - b2));
            FloatVector x3 = FloatVector.fromArray(S, m3, i, mk).mul(b3).add(gv.mul(1 - b3));
            FloatVector vv = FloatVector.fromArray(S, v, i, mk).mul(b4).add(gv.mul(gv).mul(1 - b4));
            x1.intoArray(m1, i, mk);
            x2.intoArray(m2, i, mk);
            x3.intoArray(m3, i, mk);
            vv.intoArray(v, i, mk);
            FloatVector r = rsqrt(vv.add(1e-6f)).blend(0f, mk.not());
            s0 = gv.fma(gv, s0);
            s1 = pv.fma(pv, s1);
            s2 = x1.fma(x1, s2);
            s3 = x2.fma(x2, s3);
            s4 = x3.fma(x3, s4);
            FloatVector t = x1.mul(r);
            s5 = t.fma(t, s5);
            t = x2.mul(r);
            s6 = t.fma(t, s6);
            t = x3.mul(r);
            s7 = t.fma(t, s7);
            s8 = r.fma(r, s8);
            sv = sv.add(vv);
            if (++since == 16 || i + L >= to) { // float partial sums go to double every 16 vectors
                since = 0;
                out[0] += VectorMath.sum(s0);
                out[1] += VectorMath.sum(s1);
                out[2] += VectorMath.sum(s2);
                out[3] += VectorMath.sum(s3);
                out[4] += VectorMath.sum(s4);
                out[5] += VectorMath.sum(s5);
                out[6] += VectorMath.sum(s6);
                out[7] += VectorMath.sum(s7);
                out[8] += VectorMath.sum(s8);
                out[9] += VectorMath.sum(sv);
                s0 = z;
                s1 = z;
                s2 = z;
                s3 = z;
                s4 = z;
                s5 = z;
                s6 = z;
                s7 = z;
                s8 = z;
                sv = z;
            }
        }
    }

    /** The update of every element; see {@link VeloReference#apply}. */
    static void apply(VeloTensor st, float[] p, float[] g, VeloTensor.Stats stats, float[] w, float scale,
            Parallel par) {
        int n = p.length;
        // fold the normalisation into the first layer: w1'[c][j] = w1[c][j] / rms_c
        float[] w1 = new float[CH * VeloLayout.H1];
        for (int c = 0; c < CH; c++) {
            float norm = (float) (1.0 / Math.sqrt(1e-5 + stats.sumSquares()[c] / n));
            for (int j = 0; j < VeloLayout.H1; j++) {
                w1[c * VeloLayout.H1 + j] = w[c * VeloLayout.H1 + j] * norm;
            }
        }
        par.forEach(chunks(n), ci -> applyChunk(st, p, g, w1, w, scale, ci * CHUNK, Math.min(n, (ci + 1) * CHUNK)));
    }

    private static void applyChunk(VeloTensor st, float[] p, float[] g, float[] w1, float[] w, float scale, int from,
            int to) {
        final int ob1 = CH * VeloLayout.H1;
        final int ow2 = ob1 + VeloLayout.H1;
        final int ob2 = ow2 + VeloLayout.H1 * VeloLayout.H2;
        final int ow3 = ob2 + VeloLayout.H2;
        final int ob3 = ow3 + VeloLayout.H2 * VeloLayout.OUT;
        final float[] m1 = st.m[0];
        final float[] m2 = st.m[1];
        final float[] m3 = st.m[2];
        for (int i = from; i < to; i += L) {
            VectorMask<Float> mk = S.indexInRange(i, to);
            FloatVector gv = sanitize(FloatVector.fromArray(S, g, i, mk));
            FloatVector pv = FloatVector.fromArray(S, p, i, mk);
            FloatVector x1 = FloatVector.fromArray(S, m1, i, mk);
            FloatVector x2 = FloatVector.fromArray(S, m2, i, mk);
            FloatVector x3 = FloatVector.fromArray(S, m3, i, mk);
            FloatVector r = rsqrt(FloatVector.fromArray(S, st.v, i, mk).add(1e-6f));
            FloatVector x5 = x1.mul(r);
            FloatVector x6 = x2.mul(r);
            FloatVector x7 = x3.mul(r);
            FloatVector h0 = layer1(w1, w, ob1, 0, gv, pv, x1, x2, x3, x5, x6, x7, r);
            FloatVector h1 = layer1(w1, w, ob1, 1, gv, pv, x1, x2, x3, x5, x6, x7, r);
            FloatVector h2 = layer1(w1, w, ob1, 2, gv, pv, x1, x2, x3, x5, x6, x7, r);
            FloatVector h3 = layer1(w1, w, ob1, 3, gv, pv, x1, x2, x3, x5, x6, x7, r);
            FloatVector k0 = layer(w, ow2, ob2, VeloLayout.H2, 0, h0, h1, h2, h3, true);
            FloatVector k1 = layer(w, ow2, ob2, VeloLayout.H2, 1, h0, h1, h2, h3, true);
            FloatVector k2 = layer(w, ow2, ob2, VeloLayout.H2, 2, h0, h1, h2, h3, true);
            FloatVector k3 = layer(w, ow2, ob2, VeloLayout.H2, 3, h0, h1, h2, h3, true);
            FloatVector d = layer(w, ow3, ob3, VeloLayout.OUT, 0, k0, k1, k2, k3, false);
            FloatVector m = layer(w, ow3, ob3, VeloLayout.OUT, 1, k0, k1, k2, k3, false);
            FloatVector step = d.mul(scale).mul(VectorMath.exp(m.mul(0.001f)));
            pv.sub(step).intoArray(p, i, mk);
        }
    }

    private static FloatVector relu(FloatVector x) {
        return x.blend(0f, x.lt(0f));
    }

    /** Hidden unit j of the first layer: b1[j] + Σ_c x_c · w1'[c][j], ReLU. */
    private static FloatVector layer1(float[] w1, float[] w, int ob1, int j, FloatVector x0, FloatVector x1,
            FloatVector x2, FloatVector x3, FloatVector x4, FloatVector x5, FloatVector x6, FloatVector x7,
            FloatVector x8) {
        final int h = VeloLayout.H1;
        FloatVector s = FloatVector.broadcast(S, w[ob1 + j]);
        s = x0.fma(FloatVector.broadcast(S, w1[j]), s);
        s = x1.fma(FloatVector.broadcast(S, w1[h + j]), s);
        s = x2.fma(FloatVector.broadcast(S, w1[2 * h + j]), s);
        s = x3.fma(FloatVector.broadcast(S, w1[3 * h + j]), s);
        s = x4.fma(FloatVector.broadcast(S, w1[4 * h + j]), s);
        s = x5.fma(FloatVector.broadcast(S, w1[5 * h + j]), s);
        s = x6.fma(FloatVector.broadcast(S, w1[6 * h + j]), s);
        s = x7.fma(FloatVector.broadcast(S, w1[7 * h + j]), s);
        s = x8.fma(FloatVector.broadcast(S, w1[8 * h + j]), s);
        return relu(s);
    }

    /** Unit j of a 4-input layer with {@code out} units: b[j] + Σ_k x_k · w[k][j]. */
    private static FloatVector layer(float[] w, int ow, int ob, int out, int j, FloatVector x0, FloatVector x1,
            FloatVector x2, FloatVector x3, boolean relu) {
        FloatVector s = FloatVector.broadcast(S, w[ob + j]);
        s = x0.fma(FloatVector.broadcast(S, w[ow + j]), s);
        s = x1.fma(FloatVector.broadcast(S, w[ow + out + j]), s);
        s = x2.fma(FloatVector.broadcast(S, w[ow + 2 * out + j]), s);
        s = x3.fma(FloatVector.broadcast(S, w[ow + 3 * out + j]), s);
        return relu ? relu(s) : s;
    }
}
