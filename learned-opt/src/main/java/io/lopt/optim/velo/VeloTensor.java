package io.lopt.optim.velo;

import io.lopt.optim.OptimizerState;
import io.lopt.optim.ParamSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/** VeLO's state for one tensor: per-element momenta and second moment, and the tensor's LSTM state (h, c). */
final class VeloTensor {
    static final float[] MOMENTUM = {0.5f, 0.9f, 0.99f};
    static final float RMS = 0.999f;

    final ParamSpec spec;
    final float[][] m = new float[3][];
    final float[] v;
    final float[] h;
    final float[] c;

    VeloTensor(ParamSpec spec, int hidden) {
        this.spec = spec;
        for (int k = 0; k < 3; k++) {
            m[k] = new float[spec.size()];
        }
        v = new float[spec.size()];
        h = new float[hidden];
        c = new float[hidden];
    }

    Map<String, float[]> arrays() {
        Map<String, float[]> out = new LinkedHashMap<>();
        String n = spec.name();
        for (int k = 0; k < 3; k++) {
            out.put("m" + (k + 1) + "/" + n, m[k]);
        }
        out.put("v/" + n, v);
        out.put("lstm_h/" + n, h);
        out.put("lstm_c/" + n, c);
        return out;
    }

    void restore(OptimizerState s) {
        for (Map.Entry<String, float[]> e : arrays().entrySet()) {
            float[] src = s.tensor(e.getKey(), e.getValue().length);
            System.arraycopy(src, 0, e.getValue(), 0, src.length);
        }
    }

    /** What the per-parameter pass gathered for the tensor features and the normalisation. */
    record Stats(double[] sumSquares, double sumV, long n) {
        double rms(int channel) {
            return Math.sqrt(sumSquares[channel] / n);
        }
    }
}
