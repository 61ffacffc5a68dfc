package io.lopt.optim.velo;

import java.util.Arrays;

/**
 * VeLO's loss features (hyper_v2.py {@code BufferLossAccumulators}, docs/velo.md §2): bias-corrected EMAs of the
 * training loss over 10 half-lives spaced log-uniformly from 10 steps to the horizon, and their running minima. Each
 * of the 9 features compares one EMA with the next longer one relative to its minimum:
 * clip((ema_i − min_i) / max(1e-8, ema_{i+1} − min_i) − 1, −1, 1); all are 0 until the third step.
 *
 * <p>Before entering the buffer a loss is capped at twice the largest bias-corrected EMA. A non-finite loss counts as
 * that cap (and as 0 on the first step): VeLO itself has no such case, a NaN would poison every later feature.
 */
final class VeloLossFeatures {
    static final int EMAS = 10;
    static final int FEATURES = EMAS - 1;

    final float[] decays = new float[EMAS];
    float[] means = new float[EMAS];
    float[] runningMin = new float[EMAS];

    VeloLossFeatures(long horizon) {
        double top = Math.log10(horizon);
        for (int i = 0; i < EMAS; i++) {
            double halfLife = Math.pow(10, 1 + i * (top - 1) / (EMAS - 1));
            decays[i] = (float) Math.exp(-1 / halfLife);
        }
        Arrays.fill(runningMin, 999999999999.0f);
    }

    private float[] corrected(long t) {
        float[] cor = new float[EMAS];
        for (int i = 0; i < EMAS; i++) {
            cor[i] = means[i] / (1 - (float) Math.pow(decays[i], t));
        }
        return cor;
    }

    /** Adds the loss of step {@code t} (0 for the first step). */
    void update(double loss, long t) {
        float[] old = corrected(t + 1);
        float approxMax = Float.NEGATIVE_INFINITY;
        for (float v : old) {
            approxMax = Math.max(approxMax, v);
        }
        float l = (float) loss;
        if (t == 0) {
            approxMax = Float.isFinite(l) ? l : 0f;
        }
        l = Float.isFinite(l) ? Math.min(Math.abs(approxMax) * 2, l) : (t == 0 ? 0f : Math.abs(approxMax) * 2);
        for (int i = 0; i < EMAS; i++) {
            means[i] = means[i] * decays[i] + l * (1 - decays[i]);
        }
        float[] cor = corrected(t + 1);
        for (int i = 0; i < EMAS; i++) {
            runningMin[i] = Math.min(runningMin[i], cor[i]);
        }
    }

    /** The 9 features after {@code steps} losses were added. */
    float[] features(long steps) {
        float[] f = new float[FEATURES];
        if (steps <= 2) {
            return f;
        }
        float[] cor = corrected(steps);
        for (int i = 0; i < FEATURES; i++) {
            float den = Math.max(1e-8f, cor[i + 1] - runningMin[i]);
            f[i] = Math.max(-1f, Math.min(1f, (cor[i] - runningMin[i]) / den - 1));
        }
        return f;
    }
}
