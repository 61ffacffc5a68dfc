package io.lopt.util;

/**
 * A small, seeded, splittable random number generator (SplitMix64), whose whole state is one {@code long}.
 *
 * <p>Every random draw in lopt comes from an {@code Rng} derived from a run's seed by {@link #derive}: a stream is
 * named by the keys that identify its use (outer step, particle, task, ...), so results never depend on the order in
 * which threads ask for numbers, and the generator state written to a checkpoint is a single number.
 */
public final class Rng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    public Rng(long seed) {
        this.state = seed;
    }

    /** A generator for the stream named by {@code keys} under {@code seed}; independent of any other stream. */
    public static Rng derive(long seed, long... keys) {
        return new Rng(mixKeys(seed, keys));
    }

    /** A 64-bit hash of a seed and keys, with good avalanche (used to name independent streams). */
    public static long mixKeys(long seed, long... keys) {
        long h = mix64(seed ^ 0x5851F42D4C957F2DL);
        for (long k : keys) {
            h = mix64(h + GOLDEN + mix64(k + 0x2545F4914F6CDD1DL));
        }
        return h;
    }

    /** A stable 64-bit hash of a string (for naming streams by role). */
    public static long hash(String s) {
        long h = 0xCBF29CE484222325L;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001B3L;
        }
        return mix64(h);
    }

    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The whole state; {@code new Rng(r.state())} continues exactly where {@code r} is. */
    public long state() {
        return state;
    }

    /** A new generator, independent of this one's future output, keyed by {@code key}. Does not advance this one. */
    public Rng split(long key) {
        return new Rng(mixKeys(state, key));
    }

    public long nextLong() {
        state += GOLDEN;
        return mix64(state);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        // Lemire's method with rejection: unbiased.
        long m = (nextLong() >>> 32) * bound;
        long l = m & 0xFFFFFFFFL;
        if (l < bound) {
            long t = (0x1_0000_0000L - bound) % bound;
            while (l < t) {
                m = (nextLong() >>> 32) * bound;
                l = m & 0xFFFFFFFFL;
            }
        }
        return (int) (m >>> 32);
    }

    /** Standard normal draw (Box–Muller; two uniforms per draw, no cached state). */
    public double nextGaussian() {
        double u1;
        do {
            u1 = nextDouble();
        } while (u1 <= 0.0);
        double u2 = nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /** Normal draw truncated to ±2 standard deviations by resampling (no variance correction, docs/spec.md §1). */
    public double nextTruncatedGaussian() {
        double x;
        do {
            x = nextGaussian();
        } while (x < -2.0 || x > 2.0);
        return x;
    }

    /** Fills {@code out} with truncated normal draws of standard deviation {@code sigma}. */
    public void fillTruncatedNormal(float[] out, double sigma) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (sigma * nextTruncatedGaussian());
        }
    }

    /** Fills {@code out} with normal draws of standard deviation {@code sigma}. */
    public void fillNormal(float[] out, double sigma) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (sigma * nextGaussian());
        }
    }

    /** Log-uniform draw in [lo, hi]. */
    public double nextLogUniform(double lo, double hi) {
        return Math.exp(Math.log(lo) + nextDouble() * (Math.log(hi) - Math.log(lo)));
    }
}
