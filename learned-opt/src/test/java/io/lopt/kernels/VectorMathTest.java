package io.lopt.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class VectorMathTest {
    @Test
    void expIsWithinTwoUlpOfMathExp() {
        int l = VectorMath.S.length();
        float[] x = new float[l];
        float[] out = new float[l];
        double worstUlps = 0;
        for (int i = -20000; i <= 20000; i += l) {
            for (int j = 0; j < l; j++) {
                x[j] = (i + j) * 0.0043f; // covers [-86, 86]
            }
            VectorMath.exp(FloatVector.fromArray(VectorMath.S, x, 0)).intoArray(out, 0);
            for (int j = 0; j < l; j++) {
                double e = Math.exp(x[j]);
                double ulps = Math.abs(out[j] - e) / Math.ulp((float) e);
                worstUlps = Math.max(worstUlps, ulps);
            }
        }
        assertTrue(worstUlps <= 2.5, "worst error " + worstUlps + " ulp");
    }

    @Test
    void expHandlesExtremesAndNaN() {
        float[] x = new float[VectorMath.S.length()];
        x[0] = -1000f;
        x[1] = 1000f;
        x[2] = Float.NaN;
        x[3] = 0f;
        float[] out = new float[x.length];
        VectorMath.exp(FloatVector.fromArray(VectorMath.S, x, 0)).intoArray(out, 0);
        assertTrue(out[0] >= 0 && out[0] < 1e-37f);
        assertTrue(Float.isFinite(out[1]) && out[1] > 1e38f);
        assertTrue(Float.isNaN(out[2]));
        assertEquals(1f, out[3]);
    }

    @Test
    void sumAddsLanesAsAFixedTree() {
        float[] x = new float[VectorMath.S.length()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.pow(-1.7, i);
        }
        // the butterfly: pairs (i, i ^ L/2) first, then (i, i ^ L/4), ...
        float[] t = x.clone();
        for (int k = t.length / 2; k >= 1; k /= 2) {
            float[] n = new float[t.length];
            for (int i = 0; i < t.length; i++) {
                n[i] = t[i] + t[i ^ k];
            }
            t = n;
        }
        assertEquals(t[0], VectorMath.sum(FloatVector.fromArray(VectorMath.S, x, 0)));
        assertEquals(t[0], VectorMath.sumReference(x, x.length));
    }

    @Test
    void sumMatchesItsScalarDefinitionBitForBitOnceCompiled() {
        // enough calls for the JIT to compile sum, so the intrinsified path is the one compared
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        float[] x = new float[VectorMath.S.length()];
        for (int it = 0; it < 200_000; it++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-6, 7)));
            }
            float got = VectorMath.sum(FloatVector.fromArray(VectorMath.S, x, 0));
            float want = VectorMath.sumReference(x, x.length);
            if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(want)) {
                assertEquals(want, got, "iteration " + it);
            }
        }
    }
}
