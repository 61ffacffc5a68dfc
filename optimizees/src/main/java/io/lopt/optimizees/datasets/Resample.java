package io.lopt.optimizees.datasets;

/**
 * Down-sampling of square images by area averaging: each output pixel is the mean of the input area it covers,
 * with fractional overlaps weighted by their area (so 28→8, a factor of 3.5, is exact too).
 */
public final class Resample {
    private Resample() {
    }

    /**
     * Resamples {@code count} images of {@code in × in} pixels (values in any scale) to {@code out × out}.
     *
     * @return {@code count × out × out} floats, row-major
     */
    public static float[] areaAverage(float[] images, int count, int in, int out) {
        if (out <= 0 || out > in) {
            throw new IllegalArgumentException("can only down-sample: " + in + " -> " + out);
        }
        double[][] w = weights(in, out);
        float[] res = new float[count * out * out];
        double[] rowTmp = new double[out * in];
        for (int img = 0; img < count; img++) {
            int base = img * in * in;
            // resample along rows (vertical), then along columns (horizontal)
            java.util.Arrays.fill(rowTmp, 0);
            for (int o = 0; o < out; o++) {
                for (int r = 0; r < in; r++) {
                    double wr = w[o][r];
                    if (wr == 0) {
                        continue;
                    }
                    for (int c = 0; c < in; c++) {
                        rowTmp[o * in + c] += wr * images[base + r * in + c];
                    }
                }
            }
            for (int o = 0; o < out; o++) {
                for (int p = 0; p < out; p++) {
                    double s = 0;
                    for (int c = 0; c < in; c++) {
                        s += w[p][c] * rowTmp[o * in + c];
                    }
                    res[(img * out + o) * out + p] = (float) s;
                }
            }
        }
        return res;
    }

    /** weights[o][i] = fraction of output cell o covered by input cell i, normalised to sum 1 over i. */
    static double[][] weights(int in, int out) {
        double scale = (double) in / out;
        double[][] w = new double[out][in];
        for (int o = 0; o < out; o++) {
            double lo = o * scale;
            double hi = (o + 1) * scale;
            for (int i = (int) Math.floor(lo); i < Math.min(in, (int) Math.ceil(hi)); i++) {
                double overlap = Math.min(hi, i + 1) - Math.max(lo, i);
                if (overlap > 0) {
                    w[o][i] = overlap / scale;
                }
            }
        }
        return w;
    }
}
