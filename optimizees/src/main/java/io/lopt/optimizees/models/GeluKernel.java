package io.lopt.optimizees.models;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** {@link Gelu}'s loops on the Vector API (the tanh is the API's lane-wise TANH). */
final class GeluKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private GeluKernel() {
    }

    static void forward(float[] u, float[] y, int from, int to) {
        int i = from;
        for (; i + S.length() <= to; i += S.length()) {
            FloatVector x = FloatVector.fromArray(S, u, i);
            FloatVector t = x.mul(x).mul(Gelu.A).add(1f).mul(x).mul(Gelu.C).lanewise(VectorOperators.TANH);
            x.mul(0.5f).mul(t.add(1f)).intoArray(y, i);
        }
        Gelu.forwardScalar(u, y, i, to);
    }

    static void backward(float[] u, float[] g, int from, int to) {
        int i = from;
        for (; i + S.length() <= to; i += S.length()) {
            FloatVector x = FloatVector.fromArray(S, u, i);
            FloatVector x2 = x.mul(x);
            FloatVector t = x2.mul(Gelu.A).add(1f).mul(x).mul(Gelu.C).lanewise(VectorOperators.TANH);
            FloatVector left = t.add(1f).mul(0.5f);
            FloatVector right = x.mul(0.5f).mul(t.mul(t).neg().add(1f)).mul(Gelu.C).mul(x2.mul(3 * Gelu.A).add(1f));
            FloatVector.fromArray(S, g, i).mul(left.add(right)).intoArray(g, i);
        }
        Gelu.backwardScalar(u, g, i, to);
    }
}
