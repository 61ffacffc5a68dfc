package io.lopt.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lopt.kernels.Parallel;
import io.lopt.optim.Optimizer;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optim.Role;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.lo.SmallFcLopt;
import io.lopt.util.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmarks' DJL peers compute what we compute: otherwise the comparison would be meaningless. */
class DjlPeersTest {
    @Test
    void djlLearnedOptimizerStepMatchesTheReference() {
        LoptConfig cfg = LoptConfig.mulo();
        float[] theta = MetaParameters.of(cfg).init(4);
        List<ParamSpec> specs = List.of(ParamSpec.mup("w", new int[] {7, 5}, Role.HIDDEN, 7, 1.0),
                ParamSpec.mup("t", new int[] {4, 9}, Role.INPUT, 4, 1.0), ParamSpec.mup("b", new int[] {6}, Role.BIAS, 1, 1.0));
        Optimizer ref = new SmallFcLopt(cfg, theta, SmallFcLopt.Implementation.REFERENCE, Parallel.serial()).create(specs);
        List<Parameter> a = new ArrayList<>();
        List<Parameter> b = new ArrayList<>();
        Rng rng = new Rng(3);
        for (ParamSpec s : specs) {
            Parameter p = Parameter.zeros(s);
            rng.fillNormal(p.values(), 0.1);
            a.add(p);
            b.add(p.copy());
        }
        try (DjlLoStep djl = new DjlLoStep(cfg, theta, specs, 1)) {
            for (int step = 0; step < 3; step++) {
                List<float[]> g = new ArrayList<>();
                for (ParamSpec s : specs) {
                    float[] v = new float[s.size()];
                    rng.fillNormal(v, 1);
                    g.add(v);
                }
                ref.step(a, g);
                djl.step(b, g);
                for (int t = 0; t < specs.size(); t++) {
                    for (int i = 0; i < specs.get(t).size(); i++) {
                        assertEquals(a.get(t).values()[i], b.get(t).values()[i], 2e-6, specs.get(t).name() + "[" + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void djlMlpLossMatchesOurs() {
        MlpBenchmark bm = new MlpBenchmark();
        bm.width = 32;
        bm.threads = 1;
        bm.setup();
        try {
            assertEquals(bm.lopt(), bm.djl(), 1e-4);
        } finally {
            bm.tearDown();
        }
    }
}
