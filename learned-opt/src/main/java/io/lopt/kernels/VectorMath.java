package io.lopt.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector helpers whose results are the same bit for bit whether the code runs interpreted or JIT-compiled.
 *
 * <p>The Vector API leaves two things open that matter for reproducibility: {@code reduceLanes(ADD)} on floats may
 * add the lanes in any order, and transcendental lanewise operations such as {@code EXP} may use different
 * approximations in the interpreter and in compiled code. Both would make results depend on JIT timing, hence on the
 * thread count. The helpers here use only exactly rounded operations (add, mul, fma, compare, conversions) in a
 * fixed order.
 */
public final class VectorMath {
    public static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;

    private VectorMath() {
    }

    private static final int LANES = S.length();
    // The butterfly's shuffles as constants (lane i with lane i ^ k): C2 intrinsifies rearrange only when it knows
    // the shuffle's class, which a load from a VectorShuffle[] array hides, and then every add of the sum ran
    // through the Vector API's Java fallback (12% of a meta-training step, JFR).
    private static final VectorShuffle<Float> SWAP_1 = butterfly(LANES >> 1);
    private static final VectorShuffle<Float> SWAP_2 = butterfly(LANES >> 2);
    private static final VectorShuffle<Float> SWAP_3 = butterfly(LANES >> 3);
    private static final VectorShuffle<Float> SWAP_4 = butterfly(LANES >> 4);
    private static final VectorShuffle<Float> SWAP_5 = butterfly(LANES >> 5);

    private static VectorShuffle<Float> butterfly(int k) {
        return k == 0 ? null : VectorShuffle.fromOp(S, i -> i ^ k);
    }

    /**
     * The sum of the lanes, added as a fixed butterfly tree (lane i with lane i ^ L/2, then i ^ L/4, ...), the same
     * tree for every species; {@link #sumReference} is its scalar definition.
     */
    public static float sum(FloatVector v) {
        if (LANES >= 2) {
            v = v.add(v.rearrange(SWAP_1));
        }
        if (LANES >= 4) {
            v = v.add(v.rearrange(SWAP_2));
        }
        if (LANES >= 8) {
            v = v.add(v.rearrange(SWAP_3));
        }
        if (LANES >= 16) {
            v = v.add(v.rearrange(SWAP_4));
        }
        if (LANES >= 32) {
            v = v.add(v.rearrange(SWAP_5));
        }
        if (LANES > 32) {
            throw new IllegalStateException("vectors of " + LANES + " floats are not supported");
        }
        return v.lane(0);
    }

    /**
     * {@link #sum} of each of the {@code count} vectors stored one after another in {@code buf} (vector i at
     * {@code i·L}), into {@code out[0..count)}. Kernels with many accumulators store them and call this instead of
     * calling {@link #sum} on each: in a large loop body C2 stops inlining at its node budget, and a sum it no longer
     * inlines boxes its vector on every call (measured: a quarter of small_fc_lopt's non-MLP time).
     */
    public static void sums(float[] buf, int count, float[] out) {
        for (int i = 0; i < count; i++) {
            out[i] = sum(FloatVector.fromArray(S, buf, i * LANES));
        }
    }

    /** The scalar definition of {@link #sum}: the same butterfly tree over the lanes {@code x[0..n)}, n a power of 2. */
    public static float sumReference(float[] x, int n) {
        float[] y = java.util.Arrays.copyOf(x, n);
        for (int k = n >> 1; k > 0; k >>= 1) {
            float[] z = new float[n];
            for (int i = 0; i < n; i++) {
                z[i] = y[i] + y[i ^ k];
            }
            y = z;
        }
        return y[0];
    }

    /**
     * e^x, lanewise, to about 2 ulp: range reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 polynomial for e^r
     * (the classic single-precision minimax coefficients), and 2^n built in the exponent bits. Inputs are clamped to
     * [−87.3, 88.3] (outputs stay finite and positive); NaN gives NaN.
     */
    public static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(-87.3f).min(88.3f);
        FloatVector t = xc.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, 0.5f));
        IntVector ti = (IntVector) t.convert(VectorOperators.F2I, 0);
        FloatVector tf = (FloatVector) ti.convert(VectorOperators.I2F, 0);
        // F2I truncates toward zero: step down where that rounded up (negative non-integers)
        var up = tf.compare(VectorOperators.GT, t);
        FloatVector n = tf.sub(FloatVector.broadcast(S, 1f), up);
        IntVector ni = ti.sub(IntVector.broadcast(IntVector.SPECIES_PREFERRED, 1), up.cast(IntVector.SPECIES_PREFERRED));
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f);
        p = p.fma(r, FloatVector.broadcast(S, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        FloatVector rr = r.mul(r);
        FloatVector e = p.fma(rr, r.add(1f));
        FloatVector scale = ni.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector res = e.mul(scale);
        return res.blend(x, x.test(VectorOperators.IS_NAN));
    }
}
