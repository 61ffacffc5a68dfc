package io.lopt.optimizees.models;

import io.lopt.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Gelu}'s loops on the Vector API. With e = e^{2a} (a the tanh's argument), ½(1 + tanh a) = e/(e + 1) and
 * 1 − tanh² a = 4e/(e + 1)², which keep their precision where tanh a is near ±1; e comes from {@link VectorMath#exp}
 * (plain arithmetic), not from the API's lane-wise TANH or EXP: that one runs an intrinsic once the loop is compiled and a
 * per-lane fallback before, which differ in the last bit, so results would depend on when the JIT got there (seen as
 * runs that differed between 1 and 2 threads). Tails use masked vectors, so every element takes the same path.
 */
final class GeluKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private GeluKernel() {
    }

    /** e^{2a}; it saturates where exp clamps its input, which gives the limits 0 and 1 below. */
    private static FloatVector exp2a(FloatVector a) {
        return VectorMath.exp(a.add(a));
    }

    static void forward(float[] u, float[] y, int from, int to) {
        for (int i = from; i < to; i += S.length()) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector x = FloatVector.fromArray(S, u, i, m);
            FloatVector e = exp2a(x.mul(x).mul(Gelu.A).add(1f).mul(x).mul(Gelu.C));
            x.mul(e.div(e.add(1f))).intoArray(y, i, m); // ½·x·(1 + tanh a)
        }
    }

    static void backward(float[] u, float[] g, int from, int to) {
        for (int i = from; i < to; i += S.length()) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector x = FloatVector.fromArray(S, u, i, m);
            FloatVector x2 = x.mul(x);
            FloatVector e = exp2a(x2.mul(Gelu.A).add(1f).mul(x).mul(Gelu.C));
            FloatVector e1 = e.add(1f);
            FloatVector left = e.div(e1); // ½(1 + tanh a)
            FloatVector sech2 = left.mul(4f).div(e1); // 1 − tanh² a = 4e/(e + 1)², without overflowing
            FloatVector right = x.mul(0.5f).mul(sech2).mul(Gelu.C).mul(x2.mul(3 * Gelu.A).add(1f));
            FloatVector.fromArray(S, g, i, m).mul(left.add(right)).intoArray(g, i, m);
        }
    }
}
