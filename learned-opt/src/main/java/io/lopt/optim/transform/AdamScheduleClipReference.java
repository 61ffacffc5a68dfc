package io.lopt.optim.transform;

import io.lopt.optim.ParamSpec;
import io.lopt.optim.schedule.Schedule;
import java.util.List;

/**
 * The μLO paper's baseline step written out in double precision, to read like its optax code
 * {@code optax.chain(optax.adamw(schedule), [scale by s_W,] optax.clip_by_global_norm(maxNorm))}: Adam's moments,
 * the AdamW direction with decoupled weight decay, times the scheduled learning rate, times s_W for μAdam, then the
 * update of all tensors together clipped to a global norm. It is the definition {@link ChainedOptimizer} around
 * {@link io.lopt.optim.Adam} with {@link ScaleBySchedule} and {@link ClipByGlobalNorm} is tested against, not a fast
 * path.
 */
public final class AdamScheduleClipReference {
    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean useUpdateScale;
    private final Schedule schedule;
    private final double maxNorm;
    private final double[][] m;
    private final double[][] v;
    private long count;

    /** {@code maxNorm ≤ 0}: no clipping. */
    public AdamScheduleClipReference(List<ParamSpec> specs, double lr, double beta1, double beta2, double eps,
            double weightDecay, boolean useUpdateScale, Schedule schedule, double maxNorm) {
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.useUpdateScale = useUpdateScale;
        this.schedule = schedule;
        this.maxNorm = maxNorm;
        this.m = new double[specs.size()][];
        this.v = new double[specs.size()][];
        for (int i = 0; i < specs.size(); i++) {
            m[i] = new double[specs.get(i).size()];
            v[i] = new double[specs.get(i).size()];
        }
    }

    /** One step on {@code params} (double copies of the tensors, updated in place). */
    public void step(List<ParamSpec> specs, List<double[]> params, List<float[]> grads) {
        long t = count + 1; // Adam's bias correction counts from 1
        double lrNow = lr * schedule.at(count); // the schedule counts from 0
        double[][] u = new double[specs.size()][];
        double sumSquares = 0;
        for (int k = 0; k < specs.size(); k++) {
            double[] p = params.get(k);
            float[] g = grads.get(k);
            double scale = useUpdateScale ? specs.get(k).updateScale() : 1.0;
            u[k] = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                m[k][i] = beta1 * m[k][i] + (1 - beta1) * g[i];
                v[k][i] = beta2 * v[k][i] + (1 - beta2) * g[i] * g[i];
                double mHat = m[k][i] / (1 - Math.pow(beta1, t));
                double vHat = v[k][i] / (1 - Math.pow(beta2, t));
                double direction = mHat / (Math.sqrt(vHat) + eps) + weightDecay * p[i];
                u[k][i] = -lrNow * scale * direction;
                sumSquares += u[k][i] * u[k][i];
            }
        }
        double norm = Math.sqrt(sumSquares);
        double clip = maxNorm > 0 && norm > maxNorm ? maxNorm / norm : 1.0;
        for (int k = 0; k < specs.size(); k++) {
            for (int i = 0; i < u[k].length; i++) {
                params.get(k)[i] += clip * u[k][i];
            }
        }
        count++;
    }
}
