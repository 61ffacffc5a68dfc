package io.lopt.optimizees.datasets;

import io.lopt.util.Rng;

/**
 * A seeded stream of minibatches over a split: epoch e visits the examples in a permutation drawn from
 * {@code (seed, e)}, cut into {@code n / batchSize} full batches (the remainder of each epoch is dropped). Batch t is a
 * pure function of (seed, t), so a stream can be resumed at any position and is independent of thread count.
 */
public final class Minibatches {
    private final Split split;
    private final int batchSize;
    private final long seed;
    private final int batchesPerEpoch;
    private long cachedEpoch = -1;
    private int[] cachedPerm;

    public Minibatches(Split split, int batchSize, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (batchSize > split.n()) {
            throw new IllegalArgumentException("batch size " + batchSize + " is larger than the " + split.n()
                    + " examples of the data");
        }
        this.split = split;
        this.batchSize = batchSize;
        this.seed = seed;
        this.batchesPerEpoch = split.n() / batchSize;
    }

    public int batchSize() {
        return batchSize;
    }

    public int features() {
        return split.features();
    }

    /** Copies batch number {@code t} (t ≥ 0) into {@code x} ({@code batchSize × features}) and {@code y}. */
    public void batch(long t, float[] x, int[] y) {
        if (t < 0) {
            throw new IllegalArgumentException("batch index must be non-negative, got " + t);
        }
        long epoch = t / batchesPerEpoch;
        int within = (int) (t % batchesPerEpoch);
        int[] perm = permutation(epoch);
        int f = split.features();
        for (int b = 0; b < batchSize; b++) {
            int idx = perm[within * batchSize + b];
            System.arraycopy(split.x(), idx * f, x, b * f, f);
            y[b] = split.y()[idx];
        }
    }

    private synchronized int[] permutation(long epoch) {
        if (epoch != cachedEpoch) {
            int n = split.n();
            int[] p = new int[n];
            for (int i = 0; i < n; i++) {
                p[i] = i;
            }
            Rng rng = Rng.derive(seed, Rng.hash("minibatches"), epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int tmp = p[i];
                p[i] = p[j];
                p[j] = tmp;
            }
            cachedPerm = p;
            cachedEpoch = epoch;
        }
        return cachedPerm;
    }
}
