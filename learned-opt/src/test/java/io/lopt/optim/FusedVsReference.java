package io.lopt.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.util.Rng;
import java.util.ArrayList;
import java.util.List;

/** Random tensors for optimizer tests, and the comparison of a fused kernel's step with its scalar reference. */
public final class FusedVsReference {
    private FusedVsReference() {
    }

    public static List<float[]> randomGrads(List<ParamSpec> specs, Rng rng, double scale) {
        List<float[]> g = new ArrayList<>();
        for (ParamSpec s : specs) {
            float[] a = new float[s.size()];
            rng.fillNormal(a, scale);
            g.add(a);
        }
        return g;
    }

    public static List<Parameter> randomParams(List<ParamSpec> specs, long seed, double scale) {
        Rng rng = new Rng(seed);
        List<Parameter> ps = new ArrayList<>();
        for (ParamSpec s : specs) {
            Parameter p = Parameter.zeros(s);
            rng.fillNormal(p.values(), scale);
            ps.add(p);
        }
        return ps;
    }

    public static List<Parameter> copy(List<Parameter> ps) {
        List<Parameter> c = new ArrayList<>();
        for (Parameter p : ps) {
            c.add(p.copy());
        }
        return c;
    }

    /**
     * Asserts that every element the fused step produced is within 1e-5 of the reference's, relative to the reference
     * update floored at the tensor's RMS update (float rounding in the MLP is absolute at the scale of its activations,
     * so an update that cancels to ~0 keeps that error), or within one ulp. Then copies the reference parameters into
     * the fused ones, so that the two trajectories stay identical and errors do not compound.
     *
     * @param before the parameters before this step
     * @return the worst relative error among elements that differ by more than one ulp
     */
    public static double compareAndSync(List<ParamSpec> specs, List<Parameter> fused, List<Parameter> ref,
            List<Parameter> before, int step) {
        double worst = 0;
        for (int t = 0; t < specs.size(); t++) {
            float[] a = fused.get(t).values();
            float[] b = ref.get(t).values();
            float[] b0 = before.get(t).values();
            double rms = 0;
            for (int i = 0; i < b.length; i++) {
                rms += (double) (b[i] - b0[i]) * (b[i] - b0[i]);
            }
            rms = Math.sqrt(rms / b.length);
            for (int i = 0; i < a.length; i++) {
                double upd = b[i] - b0[i];
                double err = Math.abs(a[i] - b[i]);
                double rel = err / (Math.abs(upd) + rms + 1e-30);
                if (err > Math.ulp(b[i])) {
                    worst = Math.max(worst, rel);
                }
                assertTrue(rel <= 1e-5 || err <= Math.ulp(b[i]), "step " + step + " tensor " + specs.get(t)
                        + " element " + i + ": fused " + a[i] + " vs reference " + b[i] + " (update " + upd + ")");
            }
            System.arraycopy(b, 0, a, 0, a.length);
        }
        return worst;
    }
}
