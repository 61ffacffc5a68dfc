package io.lopt.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.lopt.kernels.Parallel;
import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.metatrain.pes.TaskProblem;
import io.lopt.optim.Adam;
import io.lopt.optim.Optimizer;
import io.lopt.optim.OptimizerState;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optim.Role;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.lo.SmallFcLopt;
import io.lopt.optimizees.models.Mlp;
import io.lopt.optimizees.models.Parametrization;
import io.lopt.optimizees.tasks.Task;
import io.lopt.optimizees.tasks.TaskDistribution;
import io.lopt.optimizees.tasks.TaskSpec;
import io.lopt.optimizees.tasks.Training;
import io.lopt.util.Rng;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The DJL backend on DJL's CPU engine, held against lopt's CPU kernels. */
class DjlBackendTest {
    static final Device CPU = DjlDevices.resolve(DjlDevices.DJL_CPU);

    static float[] randomTheta(LoptConfig cfg, long seed) {
        float[] t = MetaParameters.of(cfg).init(seed);
        Rng r = new Rng(seed);
        for (MetaParameters.View v : MetaParameters.of(cfg).views().values()) {
            if (!v.name().startsWith("mlp/w")) {
                for (int i = 0; i < v.size(); i++) {
                    t[v.offset() + i] = (float) (0.1 * r.nextGaussian());
                }
            }
        }
        return t;
    }

    static void assertClose(float[] expected, float[] actual, double relTol, String what) {
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], relTol * (scale + 1e-6), what + "[" + i + "]");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"MUP", "SP"})
    void batchedMlpMatchesTheCpuKernels(Parametrization param) {
        for (int depth = 1; depth <= 3; depth++) {
            Mlp mlp = new Mlp(7, 12, depth, 5, param);
            int particles = 3;
            int batch = 9;
            List<List<Parameter>> ps = new ArrayList<>();
            Rng r = new Rng(depth);
            for (int p = 0; p < particles; p++) {
                List<Parameter> x = mlp.init(p);
                for (Parameter q : x) {
                    for (int i = 0; i < q.size(); i++) {
                        q.values()[i] += (float) (0.2 * r.nextGaussian());
                    }
                }
                ps.add(x);
            }
            float[] x = new float[particles * batch * 7];
            r.fillNormal(x, 1);
            int[] y = new int[particles * batch];
            float[] onehot = new float[particles * batch * 5];
            for (int i = 0; i < y.length; i++) {
                y[i] = r.nextInt(5);
                onehot[i * 5 + y[i]] = 1;
            }
            try (NDManager m = NDManager.newBaseManager(CPU, "PyTorch")) {
                NDArray[] params = new NDArray[mlp.specs().size()];
                for (int t = 0; t < params.length; t++) {
                    ParamSpec s = mlp.specs().get(t);
                    float[] all = new float[particles * s.size()];
                    for (int p = 0; p < particles; p++) {
                        System.arraycopy(ps.get(p).get(t).values(), 0, all, p * s.size(), s.size());
                    }
                    params[t] = s.rank() == 2 ? m.create(all, new Shape(particles, s.dim(0), s.dim(1)))
                            : m.create(all, new Shape(particles, 1, s.size()));
                }
                NDArray[] grads = new NDArray[params.length];
                float[] losses = new BatchedMlp(mlp).lossAndGradient(params, m.create(x, new Shape(particles, batch, 7)),
                        m.create(onehot, new Shape(particles, batch, 5)), grads).get(0).toFloatArray();
                for (int p = 0; p < particles; p++) {
                    List<float[]> g = mlp.newGradients();
                    double loss = mlp.lossAndGradient(ps.get(p), java.util.Arrays.copyOfRange(x, p * batch * 7,
                            (p + 1) * batch * 7), java.util.Arrays.copyOfRange(y, p * batch, (p + 1) * batch), batch, g,
                            mlp.newWorkspace(batch), Parallel.serial());
                    assertEquals(loss, losses[p], 1e-5, "loss of particle " + p);
                    for (int t = 0; t < params.length; t++) {
                        float[] dj = grads[t].get(p).toFloatArray();
                        assertClose(g.get(t), dj, 1e-4, param + " depth " + depth + " " + mlp.specs().get(t).name());
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"true, 0, 1.0, 0", "false, 0, 1.0, 0", "true, 1000, 1.0, 0", "true, 1000, 0.1, 0", "true, 100, 1.0, 0.5"})
    void batchedLearnedOptimizerFollowsTheCpuKernelOverManySteps(boolean mup, long timeReference, double decayTo,
            double horizonExponent) {
        LoptConfig cfg = (mup ? LoptConfig.mulo() : LoptConfig.sp()).withTimeReference(timeReference)
                .withDecayTo(decayTo).withHorizonExponent(horizonExponent); // R = 100: the 270-step particle is scaled
        long[] horizons = {30, 90, 270}; // a relative clock runs at a different speed for each particle
        List<ParamSpec> specs = List.of(ParamSpec.mup("sq", new int[] {24, 24}, Role.HIDDEN, 24, 1.0),
                ParamSpec.mup("tall", new int[] {40, 9}, Role.INPUT, 40, 1.0),
                ParamSpec.mup("wide", new int[] {7, 33}, Role.OUTPUT, 7, 1.0),
                ParamSpec.mup("b", new int[] {19}, Role.BIAS, 1, 1.0));
        int particles = 3;
        List<float[]> thetas = new ArrayList<>();
        List<Optimizer> cpu = new ArrayList<>();
        List<List<Parameter>> cpuParams = new ArrayList<>();
        List<OptimizerState> starts = new ArrayList<>();
        Rng r = new Rng(7);
        for (int p = 0; p < particles; p++) {
            float[] th = randomTheta(cfg, p + 1);
            thetas.add(th);
            Optimizer o = new SmallFcLopt(cfg, th, SmallFcLopt.Implementation.FUSED, Parallel.serial())
                    .create(specs, horizons[p]);
            List<Parameter> ps = new ArrayList<>();
            for (ParamSpec s : specs) {
                Parameter q = Parameter.zeros(s);
                r.fillNormal(q.values(), 0.1);
                ps.add(q);
            }
            // particles at different points of their trajectories: p warm-up steps on the CPU first
            for (int w = 0; w < p; w++) {
                o.step(ps, grads(specs, r));
            }
            cpu.add(o);
            cpuParams.add(ps);
            starts.add(p == 0 ? null : o.exportState());
        }
        try (NDManager m = NDManager.newBaseManager(CPU, "PyTorch")) {
            BatchedSmallFcLopt batched = new BatchedSmallFcLopt(cfg, specs, thetas, starts, horizons, m);
            NDArray[] params = stack(m, specs, cpuParams);
            for (int step = 0; step < 25; step++) {
                List<List<float[]>> g = new ArrayList<>();
                for (int p = 0; p < particles; p++) {
                    g.add(grads(specs, r));
                }
                NDArray[] gs = stackGrads(m, specs, g);
                batched.step(params, gs);
                for (NDArray a : gs) {
                    a.close();
                }
                for (int p = 0; p < particles; p++) {
                    cpu.get(p).step(cpuParams.get(p), g.get(p));
                }
            }
            List<OptimizerState> st = batched.exportStates();
            for (int p = 0; p < particles; p++) {
                for (int t = 0; t < specs.size(); t++) {
                    assertClose(cpuParams.get(p).get(t).values(), params[t].get(p).toFloatArray(), 2e-5,
                            "particle " + p + " " + specs.get(t).name());
                }
                OptimizerState c = cpu.get(p).exportState();
                assertEquals(c.step(), st.get(p).step());
                assertEquals(c.tensors().keySet(), st.get(p).tensors().keySet(), "same state layout as the CPU optimizer");
                for (String k : c.tensors().keySet()) {
                    assertClose(c.tensors().get(k), st.get(p).tensors().get(k), 1e-4, "particle " + p + " " + k);
                }
            }
        }
    }

    static List<float[]> grads(List<ParamSpec> specs, Rng r) {
        List<float[]> g = new ArrayList<>();
        for (ParamSpec s : specs) {
            float[] a = new float[s.size()];
            r.fillNormal(a, 0.5);
            g.add(a);
        }
        return g;
    }

    static NDArray[] stack(NDManager m, List<ParamSpec> specs, List<List<Parameter>> ps) {
        NDArray[] out = new NDArray[specs.size()];
        for (int t = 0; t < specs.size(); t++) {
            int n = specs.get(t).size();
            float[] all = new float[ps.size() * n];
            for (int p = 0; p < ps.size(); p++) {
                System.arraycopy(ps.get(p).get(t).values(), 0, all, p * n, n);
            }
            out[t] = m.create(all, new Shape(ps.size(), n));
        }
        return out;
    }

    static NDArray[] stackGrads(NDManager m, List<ParamSpec> specs, List<List<float[]>> g) {
        NDArray[] out = new NDArray[specs.size()];
        for (int t = 0; t < specs.size(); t++) {
            int n = specs.get(t).size();
            float[] all = new float[g.size() * n];
            for (int p = 0; p < g.size(); p++) {
                System.arraycopy(g.get(p).get(t), 0, all, p * n, n);
            }
            out[t] = m.create(all, new Shape(g.size(), n));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mup", "sp"})
    void metaTrainingUnrollsMatchTheCpuProblem(String param) {
        LoptConfig cfg = param.equals("mup") ? LoptConfig.mulo() : LoptConfig.sp();
        TaskDistribution dist = TaskDistribution.mlp(List.of("synthetic"), List.of(4), List.of(16), List.of(2),
                Parametrization.parse(param), 32);
        MetaTrainConfig.PesSpec pes = new MetaTrainConfig.PesSpec(2, 0.01, 10, 20, 40);
        TaskProblem cpu = new TaskProblem(dist, cfg, pes, new io.lopt.optimizees.tasks.TaskData(null));
        DjlTaskProblem djl = new DjlTaskProblem(dist, cfg, pes, new io.lopt.optimizees.tasks.TaskData(null), CPU);
        List<TaskProblem.Episode> eps = new ArrayList<>();
        List<TaskProblem.Member> mc = new ArrayList<>();
        List<TaskProblem.Member> md = new ArrayList<>();
        List<float[]> thetas = new ArrayList<>();
        for (int j = 0; j < 4; j++) {
            TaskProblem.Episode e = cpu.sampleEpisode(new Rng(j / 2));
            eps.add(e);
            mc.add(cpu.start(e));
            md.add(djl.start(e));
            thetas.add(randomTheta(cfg, 10 + j));
        }
        int[] steps = {15, 15, 15, 15};
        for (int round = 0; round < 3; round++) { // three truncations: the state goes to the device and back
            double[][] lc = new double[4][15];
            double[][] ld = new double[4][15];
            cpu.unrollAll(eps, mc, thetas, steps, lc, Parallel.serial());
            djl.unrollAll(eps, md, thetas, steps, ld, Parallel.serial());
            for (int j = 0; j < 4; j++) {
                for (int s = 0; s < 15; s++) {
                    assertEquals(lc[j][s], ld[j][s], 1e-4 * Math.max(1, Math.abs(lc[j][s])), "round " + round
                            + " member " + j + " step " + s);
                }
                assertEquals(mc.get(j).innerStep(), md.get(j).innerStep());
                for (int t = 0; t < mc.get(j).params().size(); t++) {
                    assertClose(mc.get(j).params().get(t).values(), md.get(j).params().get(t).values(), 1e-4,
                            "member " + j + " tensor " + t);
                }
            }
        }
    }

    @Test
    void evaluationRunsMatchTheCpuLoopForLearnedAndAdam() {
        List<Task> tasks = new ArrayList<>();
        for (long seed = 0; seed < 3; seed++) {
            tasks.add(Task.build(TaskSpec.parse("dataset=synthetic,res=4,width=16,depth=2,batch=32,seed=" + seed), (Path) null));
        }
        LoptConfig cfg = LoptConfig.mulo();
        // the evaluation's baselines: Adam chained with a schedule and an update clip that binds at lr 0.1
        io.lopt.optim.OptimizerFactory scheduled = io.lopt.optim.transform.Chain.of(Adam.Config.adamW(0.1, 1e-3),
                new io.lopt.optim.transform.ScaleBySchedule(io.lopt.optim.schedule.Schedule.warmupCosine(1, 4, 40, 0.1)),
                new io.lopt.optim.transform.ClipByGlobalNorm(1.0));
        io.lopt.optim.OptimizerFactory paper = io.lopt.optim.transform.Chain.of(Adam.Config.muAdam(3e-2),
                io.lopt.optim.transform.ScaleByWarmupCosine.paper(), new io.lopt.optim.transform.ClipByGlobalNorm(1.0));
        assertTrue(DjlTraining.supports(scheduled) && DjlTraining.supports(paper));
        assertFalse(DjlTraining.supports(io.lopt.optim.transform.Chain.of(new io.lopt.optim.Sgd.Config(0.1, 0.9, false),
                new io.lopt.optim.transform.ClipByGlobalNorm(1.0))));
        List<io.lopt.optim.OptimizerFactory> opts = List.of(new SmallFcLopt(cfg, randomTheta(cfg, 3)),
                Adam.Config.muAdam(3e-3), Adam.Config.adamW(1e-2, 1e-3), scheduled, paper);
        Training.Options o = new Training.Options(40, 0, true);
        for (io.lopt.optim.OptimizerFactory f : opts) {
            List<Training.Result> dj = DjlTraining.run(CPU, tasks, f, o);
            for (int p = 0; p < tasks.size(); p++) {
                Training.Result c = Training.run(tasks.get(p), f, o, null, Parallel.serial());
                for (int s = 0; s < 40; s++) {
                    assertEquals(c.losses()[s], dj.get(p).losses()[s], 2e-4, f.describe() + " seed " + p + " step " + s);
                }
                assertEquals(c.test().accuracy(), dj.get(p).test().accuracy(), 0.02);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> DjlTraining.run(CPU, tasks,
                new io.lopt.optim.Sgd.Config(0.1, 0.9, false), o));
    }

    @Test
    void divergenceIsDetectedPerParticle() {
        List<Task> tasks = new ArrayList<>();
        for (long seed = 0; seed < 2; seed++) {
            tasks.add(Task.build(TaskSpec.parse("dataset=synthetic,res=4,width=16,depth=2,param=sp,batch=32,seed=" + seed),
                    (Path) null));
        }
        List<Training.Result> r = DjlTraining.run(CPU, tasks, Adam.Config.adam(5.0), new Training.Options(60, 2.0, true));
        for (Training.Result x : r) {
            assertTrue(x.diverged(), "Adam at lr 5 diverges");
            assertTrue(x.stepsRun() < 60);
            assertNull(x.test());
        }
    }

    @Test
    void devicesAreParsed() {
        assertNull(DjlDevices.resolve("cpu"));
        assertEquals(Device.cpu(), DjlDevices.resolve("djl-cpu"));
        assertNull(DjlDevices.resolve("auto"), "no GPU here: auto means the CPU kernels");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DjlDevices.resolve("cuda"));
        assertTrue(e.getMessage().contains("no CUDA GPU"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DjlDevices.resolve("tpu"));
        assertFalse(DjlTraining.supports(new io.lopt.optim.Sgd.Config(0.1, 0.9, false)));
    }
}
