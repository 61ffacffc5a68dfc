package io.lopt.optimizees.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lopt.kernels.Parallel;
import io.lopt.optim.Adam;
import io.lopt.optim.Sgd;
import io.lopt.optimizees.datasets.FashionMnist;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TrainingTest {
    @Test
    void adamLowersTheLossOnTheSyntheticTask() {
        Task t = Task.build(TaskSpec.parse("dataset=synthetic,res=8,width=64,depth=2,batch=64"), (Path) null);
        Training.Result r = Training.run(t, Adam.Config.muAdam(3e-3), new Training.Options(150, 0, true), null,
                Parallel.of(2));
        assertFalse(r.diverged());
        double first = avg(r.losses(), 0, 10);
        double last = avg(r.losses(), 140, 150);
        assertTrue(last < 0.7 * first, "loss should fall: " + first + " -> " + last);
        assertTrue(r.test().accuracy() > 0.3, "better than chance (10%): " + r.test().accuracy());
    }

    @Test
    void runsAreReproducibleAndIndependentOfThreads() {
        // width 160: the hidden matrix (25,600 elements) spans two chunks of the learned optimizer's kernel (16,384),
        // so its tensor-wide reductions (RMS normalisation, Adafactor means) are split across threads; the GEMMs'
        // tiles are spread over both threads too
        Task t = Task.build(TaskSpec.parse("dataset=synthetic,res=6,width=160,depth=2,batch=32,seed=4"), (Path) null);
        assertTrue(t.specs().stream().anyMatch(s -> s.size() > 16_384), "a tensor larger than one kernel chunk");
        io.lopt.optim.lo.LoptConfig mulo = io.lopt.optim.lo.LoptConfig.mulo();
        java.util.function.Function<Parallel, io.lopt.optim.OptimizerFactory> lo = par -> new io.lopt.optim.lo.SmallFcLopt(
                mulo, mulo.initialTheta(3), io.lopt.optim.lo.SmallFcLopt.Implementation.FUSED, par);
        for (io.lopt.optim.OptimizerFactory[] f : java.util.List.of(
                new io.lopt.optim.OptimizerFactory[] {Adam.Config.adam(1e-3), Adam.Config.adam(1e-3)},
                new io.lopt.optim.OptimizerFactory[] {lo.apply(Parallel.serial()), lo.apply(Parallel.of(2))})) {
            Training.Result a = Training.run(t, f[0], new Training.Options(8, 0, false), null, Parallel.serial());
            Training.Result b = Training.run(t, f[1], new Training.Options(8, 0, false), null, Parallel.of(2));
            assertArrayEquals(a.losses(), b.losses(), f[0].describe());
        }
    }

    @Test
    void divergenceStopsTheRun() {
        Task t = Task.build(TaskSpec.parse("dataset=synthetic,res=8,width=64,depth=2,param=sp,batch=64"), (Path) null);
        Training.Result r = Training.run(t, new Sgd.Config(50.0, 0.9, false), new Training.Options(200, 2.0, true),
                null, Parallel.serial());
        assertTrue(r.diverged(), "SGD at lr 50 must diverge");
        assertTrue(r.stepsRun() < 200);
    }

    @Test
    void fashionMnistTrainsWhenInstalled() {
        assumeTrue(java.nio.file.Files.isDirectory(Path.of(FashionMnist.DEFAULT_DIR)),
                "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        Task t = Task.build(TaskSpec.parse("dataset=fashion-mnist,res=8,width=32,depth=2,batch=128"), (Path) null);
        Training.Result r = Training.run(t, Adam.Config.muAdam(1e-2), new Training.Options(100, 0, true), null,
                Parallel.of(2));
        assertTrue(r.test().accuracy() > 0.6, "8x8 Fashion-MNIST after 100 steps: " + r.test().accuracy());
    }

    static double avg(float[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += v[i];
        }
        return s / (to - from);
    }

    @Test
    void trainingRunsAnyFamilyThroughTheTaskInterface() {
        Task t = Task.build(TaskSpec.parse("family=quadratic,dim=32,noise=0.05,seed=2"), (Path) null);
        Training.Result r = Training.run(t, Adam.Config.adamW(0.05, 0), new Training.Options(200, 0, true),
                null, Parallel.serial());
        assertTrue(r.losses()[199] < 0.05 * r.losses()[0], r.losses()[0] + " -> " + r.losses()[199]);
        assertTrue(r.test().loss() < 0.01, "exact loss " + r.test().loss());
        assertEquals(1.5 * Math.log(2), t.lossCap(), 1e-12);
    }
}
