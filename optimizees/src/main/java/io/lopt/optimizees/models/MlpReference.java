package io.lopt.optimizees.models;

import java.util.List;

/**
 * A double-precision, plain-loop MLP with the same definition as {@link Mlp}: the oracle for its forward pass, and
 * the function whose finite differences check {@link Mlp}'s backward pass.
 */
public final class MlpReference {
    private final Mlp model;

    public MlpReference(Mlp model) {
        this.model = model;
    }

    /** Mean cross-entropy of the batch, in double precision, for parameters given as double arrays. */
    public double loss(List<double[]> params, float[] x, int[] y, int batch) {
        int in = model.inputs();
        int w = model.width();
        int cls = model.classes();
        double[] act = new double[batch * in];
        for (int i = 0; i < act.length; i++) {
            act[i] = x[i];
        }
        int fan = in;
        for (int l = 0; l < model.depth(); l++) {
            double[] wt = params.get(2 * l);
            double[] b = params.get(2 * l + 1);
            double[] out = new double[batch * w];
            for (int r = 0; r < batch; r++) {
                for (int j = 0; j < w; j++) {
                    double s = b[j];
                    for (int k = 0; k < fan; k++) {
                        s += act[r * fan + k] * wt[k * w + j];
                    }
                    out[r * w + j] = Math.max(0, s);
                }
            }
            act = out;
            fan = w;
        }
        double[] wt = params.get(2 * model.depth());
        double[] b = params.get(2 * model.depth() + 1);
        double m = model.readoutMultiplier();
        double total = 0;
        for (int r = 0; r < batch; r++) {
            double[] z = new double[cls];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cls; c++) {
                double s = b[c];
                for (int k = 0; k < w; k++) {
                    s += act[r * w + k] * wt[k * cls + c];
                }
                z[c] = s * m;
                max = Math.max(max, z[c]);
            }
            double sum = 0;
            for (int c = 0; c < cls; c++) {
                sum += Math.exp(z[c] - max);
            }
            total += Math.log(sum) + max - z[y[r]];
        }
        return total / batch;
    }
}
