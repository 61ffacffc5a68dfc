package io.lopt.optim.transform;

import io.lopt.kernels.Parallel;
import io.lopt.optim.ParamSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Scales the updates of all tensors together so that their global L2 norm is at most {@code maxNorm} (optax's
 * {@code clip_by_global_norm}): with N = √(Σ_tensors Σ_i u_i²), every u becomes u · maxNorm / N when N &gt; maxNorm
 * and stays as it is otherwise. The μLO paper chains it after AdamW (and after μAdam's s_W scaling) with maxNorm = 1:
 * it clips the update, learning rate included, not the gradient.
 *
 * <p>N is summed in double precision over fixed chunks of each tensor, reduced in chunk order, so it does not depend
 * on the number of threads. A non-finite N (a non-finite update) leaves the updates non-finite.
 */
public record ClipByGlobalNorm(double maxNorm) implements UpdateTransform {

    public ClipByGlobalNorm {
        if (!(maxNorm > 0) || !Double.isFinite(maxNorm)) {
            throw new IllegalArgumentException("clip_by_global_norm needs a positive, finite maximum norm, got "
                    + maxNorm);
        }
    }

    @Override
    public String kind() {
        return "clip_by_global_norm";
    }

    @Override
    public String describe() {
        return "clip_by_global_norm(" + maxNorm + ")";
    }

    @Override
    public void apply(long step, List<ParamSpec> specs, List<float[]> updates, Parallel parallel) {
        double norm = globalNorm(updates, parallel);
        if (!(norm <= maxNorm)) {
            ScaleBySchedule.scale(updates, maxNorm / norm, parallel);
        }
    }

    /** √(Σ u²) over every entry of every tensor, independent of the number of threads. */
    public static double globalNorm(List<float[]> tensors, Parallel parallel) {
        final int chunk = ScaleBySchedule.CHUNK;
        List<int[]> chunks = new ArrayList<>(); // {tensor, first index}
        for (int t = 0; t < tensors.size(); t++) {
            for (int s = 0; s < tensors.get(t).length; s += chunk) {
                chunks.add(new int[] {t, s});
            }
        }
        double[] partial = new double[chunks.size()];
        parallel.forEach(chunks.size(), c -> {
            float[] u = tensors.get(chunks.get(c)[0]);
            int start = chunks.get(c)[1];
            int end = Math.min(u.length, start + chunk);
            double s = 0;
            for (int i = start; i < end; i++) {
                s += (double) u[i] * u[i];
            }
            partial[c] = s;
        });
        double sum = 0;
        for (double p : partial) {
            sum += p;
        }
        return Math.sqrt(sum);
    }
}
