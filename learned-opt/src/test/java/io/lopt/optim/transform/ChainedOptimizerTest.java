package io.lopt.optim.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.kernels.Parallel;
import io.lopt.optim.Adam;
import io.lopt.optim.FusedVsReference;
import io.lopt.optim.Optimizer;
import io.lopt.optim.OptimizerState;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optim.Role;
import io.lopt.optim.Sgd;
import io.lopt.optim.schedule.Schedule;
import io.lopt.util.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChainedOptimizerTest {
    /** An MLP's tensors of awkward sizes, one hidden matrix longer than a chunk (2^15 entries); s_W = 1/fan_in. */
    static final List<ParamSpec> SPECS = List.of(
            ParamSpec.mup("in.w", new int[] {13, 190}, Role.INPUT, 13, 1.0),
            ParamSpec.mup("in.b", new int[] {190}, Role.BIAS, 1, 1.0),
            ParamSpec.mup("h.w", new int[] {190, 190}, Role.HIDDEN, 190, 1.0),
            ParamSpec.mup("out.w", new int[] {190, 3}, Role.OUTPUT, 190, 1.0));

    static List<float[]> grads(long step) {
        return FusedVsReference.randomGrads(SPECS, Rng.derive(5, step), 0.1);
    }

    /** The paper's baseline around Adam, with its own threads (Chain.create would use the common pool). */
    static ChainedOptimizer paperChain(Adam.Config adam, Schedule schedule, Parallel par) {
        return new ChainedOptimizer(new Adam(adam, SPECS, par),
                List.of(new ScaleBySchedule(schedule), new ClipByGlobalNorm(1.0)), par);
    }

    static void assertSameParams(List<Parameter> a, List<Parameter> b) {
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).values(), b.get(i).values(), a.get(i).name());
        }
    }

    static double updateNorm(List<Parameter> before, List<Parameter> after) {
        List<float[]> d = new ArrayList<>();
        for (int t = 0; t < before.size(); t++) {
            float[] u = new float[before.get(t).size()];
            for (int i = 0; i < u.length; i++) {
                u[i] = after.get(t).values()[i] - before.get(t).values()[i];
            }
            d.add(u);
        }
        return ClipByGlobalNorm.globalNorm(d, Parallel.serial());
    }

    /**
     * Holds the chain to the double-precision reference for AdamW and μAdam, with a learning rate at which the clip
     * binds (every update's norm is cut to 1) and one at which it does not, across warmup and cosine.
     */
    @Test
    void followsTheReferenceOfTheScheduledClippedAdam() {
        Schedule schedule = Schedule.warmupCosine(1.0, 4, 40, 0.1);
        Adam.Config[] configs = {Adam.Config.adamW(3.0, 1e-2), Adam.Config.muAdam(30.0), Adam.Config.adamW(1e-3, 1e-2),
            Adam.Config.muAdam(1e-2)};
        for (Adam.Config c : configs) {
            List<Parameter> fast = FusedVsReference.randomParams(SPECS, 3, 0.5);
            List<double[]> ref = new ArrayList<>();
            fast.forEach(p -> {
                double[] d = new double[p.size()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = p.values()[i];
                }
                ref.add(d);
            });
            ChainedOptimizer chain = paperChain(c, schedule, Parallel.of(2));
            AdamScheduleClipReference reference = new AdamScheduleClipReference(SPECS, c.lr(), c.beta1(), c.beta2(),
                    c.eps(), c.weightDecay(), c.useUpdateScale(), schedule, 1.0);
            boolean big = c.lr() > 1;
            for (int s = 0; s < 40; s++) {
                List<Parameter> before = FusedVsReference.copy(fast);
                List<float[]> g = grads(s);
                chain.step(fast, g);
                reference.step(SPECS, ref, g);
                double n = updateNorm(before, fast);
                if (big && s > 0) {
                    assertEquals(1.0, n, 1e-3, c.describe() + " step " + s + ": the update is clipped to norm 1");
                } else {
                    assertTrue(n < 1, c.describe() + " step " + s + ": update norm " + n);
                }
                for (int t = 0; t < SPECS.size(); t++) {
                    for (int i = 0; i < ref.get(t).length; i++) {
                        double r = ref.get(t)[i];
                        assertEquals(r, fast.get(t).values()[i], 2e-5 * Math.max(1, Math.abs(r)),
                                c.describe() + " step " + s + " " + SPECS.get(t).name() + "[" + i + "]");
                    }
                }
            }
            assertEquals(0.0, updateNormOfFirstStep(c, schedule), 0, "the warmup starts at lr 0");
        }
    }

    static double updateNormOfFirstStep(Adam.Config c, Schedule schedule) {
        List<Parameter> p = FusedVsReference.randomParams(SPECS, 3, 0.5);
        List<Parameter> before = FusedVsReference.copy(p);
        paperChain(c, schedule, Parallel.serial()).step(p, grads(0));
        return updateNorm(before, p);
    }

    @Test
    void exportAndRestoreResumeBitExactlyWithTheStepCount() {
        Schedule schedule = Schedule.warmupCosine(1.0, 5, 30, 0.1);
        Adam.Config c = Adam.Config.muAdam(20.0); // the clip binds: the scale depends on the whole update
        ChainedOptimizer a = paperChain(c, schedule, Parallel.serial());
        List<Parameter> pa = FusedVsReference.randomParams(SPECS, 1, 0.5);
        for (int s = 0; s < 3; s++) {
            a.step(pa, grads(s));
        }
        OptimizerState saved = a.exportState();
        assertEquals(3, saved.step());
        assertEquals("adam+scale_by_schedule+clip_by_global_norm", saved.kind());
        ChainedOptimizer b = paperChain(c, schedule, Parallel.serial());
        b.restoreState(saved);
        assertEquals(3, b.stepsTaken());
        assertEquals(3, b.inner().stepsTaken(), "the inner optimizer's step (Adam's bias correction) too");
        List<Parameter> pb = FusedVsReference.copy(pa);
        for (int s = 3; s < 12; s++) {
            a.step(pa, grads(s));
            b.step(pb, grads(s));
        }
        assertSameParams(pa, pb);

        // a state without the step count would restart the warmup: the parameters would differ
        ChainedOptimizer c0 = paperChain(c, schedule, Parallel.serial());
        c0.restoreState(new OptimizerState(saved.kind(), 0, saved.tensors()));
        List<Parameter> pc = FusedVsReference.copy(pb);
        List<Parameter> pd = FusedVsReference.copy(pb);
        c0.step(pc, grads(12));
        b.step(pd, grads(12));
        assertTrue(!java.util.Arrays.equals(pc.get(2).values(), pd.get(2).values()));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> paperChain(c, schedule, Parallel.serial()).restoreState(
                        Adam.Config.adam(1e-3).create(SPECS).exportState()));
        assertTrue(e.getMessage().contains("cannot restore a 'adam' state"), e.getMessage());
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        Schedule schedule = Schedule.warmupCosine(1.0, 3, 20, 0.1);
        for (Adam.Config c : new Adam.Config[] {Adam.Config.adamW(5.0, 1e-4), Adam.Config.muAdam(1e-2)}) {
            List<Parameter> p1 = FusedVsReference.randomParams(SPECS, 9, 0.5);
            List<Parameter> p4 = FusedVsReference.copy(p1);
            try (Parallel four = Parallel.of(4)) {
                ChainedOptimizer one = paperChain(c, schedule, Parallel.serial());
                ChainedOptimizer many = paperChain(c, schedule, four);
                for (int s = 0; s < 20; s++) {
                    one.step(p1, grads(s));
                    many.step(p4, grads(s));
                }
            }
            assertSameParams(p1, p4);
        }
    }

    @Test
    void worksWithSgdAndNeedsTheHorizonWhenTheScheduleDoes() {
        ParamSpec w = ParamSpec.standard("w", new int[] {2, 2}, Role.HIDDEN, 2);
        Optimizer sgd = Chain.of(new Sgd.Config(0.1, 0.9, false), new ScaleBySchedule(Schedule.constant(0.5)))
                .create(List.of(w));
        Parameter p = Parameter.zeros(w);
        float[] g = {1, 2, 3, 4};
        sgd.step(List.of(p), List.of(g));
        assertArrayEquals(new float[] {-0.05f, -0.1f, -0.15f, -0.2f}, p.values(), 1e-7f, "half of SGD's step");

        Chain paper = Chain.of(Adam.Config.adamW(1e-3, 1e-4), ScaleByWarmupCosine.paper(), new ClipByGlobalNorm(1.0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> paper.create(List.of(w)));
        assertTrue(e.getMessage().contains("needs the length of the run"), e.getMessage());
        Optimizer o = paper.create(List.of(w), 1000);
        assertEquals("adam+scale_by_schedule+clip_by_global_norm", o.kind());
        assertTrue(paper.describe().contains("clip_by_global_norm(1.0)"), paper.describe());
    }
}
