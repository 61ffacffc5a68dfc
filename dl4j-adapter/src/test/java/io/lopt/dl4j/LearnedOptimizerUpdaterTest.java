package io.lopt.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lopt.kernels.Parallel;
import io.lopt.optim.Parameter;
import io.lopt.optim.Role;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.lo.SmallFcLopt;
import io.lopt.optimizees.datasets.FashionMnist;
import io.lopt.optimizees.tasks.MlpTask;
import io.lopt.optimizees.tasks.TaskSpec;
import io.lopt.optimizees.tasks.Training;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class LearnedOptimizerUpdaterTest {

    /**
     * A learned optimizer that steps along the RMS-normalised first momentum plus a little of the normalised
     * parameters (a weight decay): it reads p, so the updater must see DL4J's current parameters.
     */
    static SmallFcLopt normalisedMomentum() {
        LoptConfig cfg = new LoptConfig(List.of(32, 32), 0.01, 0.001, false);
        MetaParameters lay = MetaParameters.of(cfg);
        float[] theta = new float[lay.size()];
        theta[lay.weightOffset(0) + 2 * 32] = 1f;
        theta[lay.weightOffset(0) + 2 * 32 + 1] = -1f;
        theta[lay.weightOffset(0) + 32] = 0.1f; // channel 1: p
        theta[lay.weightOffset(0) + 32 + 1] = -0.1f;
        theta[lay.weightOffset(1)] = 1f;
        theta[lay.weightOffset(1) + 33] = 1f;
        theta[lay.weightOffset(2)] = 1f;
        theta[lay.weightOffset(2) + 2] = -1f;
        return new SmallFcLopt(cfg, theta);
    }

    static MultiLayerNetwork network(SmallFcLopt lo, long horizon) {
        LearnedOptimizerUpdater[] l0 = LearnedOptimizerUpdater.forDense(lo, false, "layer0", 64, 32, Role.INPUT, horizon);
        LearnedOptimizerUpdater[] l1 = LearnedOptimizerUpdater.forDense(lo, false, "layer1", 32, 32, Role.HIDDEN, horizon);
        LearnedOptimizerUpdater[] out = LearnedOptimizerUpdater.forDense(lo, false, "readout", 32, 10, Role.OUTPUT,
                horizon);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).list()
                .layer(new DenseLayer.Builder().nIn(64).nOut(32).activation(Activation.RELU).updater(l0[0])
                        .biasUpdater(l0[1]).build())
                .layer(new DenseLayer.Builder().nIn(32).nOut(32).activation(Activation.RELU).updater(l1[0])
                        .biasUpdater(l1[1]).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(32).nOut(10)
                        .activation(Activation.SOFTMAX).updater(out[0]).biasUpdater(out[1]).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @org.junit.jupiter.api.io.TempDir
    Path tmp;

    private static void fit(MultiLayerNetwork net, int from, int steps) {
        for (int s = from; s < from + steps; s++) {
            io.lopt.util.Rng r = new io.lopt.util.Rng(50 + s);
            float[] x = new float[16 * 64];
            r.fillNormal(x, 1);
            INDArray labels = Nd4j.zeros(DataType.FLOAT, 16, 10);
            for (int i = 0; i < 16; i++) {
                labels.putScalar(i, (i * 7 + s) % 10, 1f);
            }
            net.fit(Nd4j.create(x, new long[] {16, 64}, 'c'), labels);
        }
    }

    @Test
    void theOptimizersStateIsSavedToAFileAndRestoredExactly() {
        SmallFcLopt lo = normalisedMomentum();
        MultiLayerNetwork a = network(lo, 10);
        LearnedOptimizerUpdater.bind(a);
        fit(a, 0, 5);
        INDArray half = a.params().dup();
        Path f = tmp.resolve("dl4j-opt.safetensors");
        io.lopt.checkpoints.OptimizerStates.writeAll(f, LearnedOptimizerUpdater.exportState(a));
        fit(a, 5, 5);

        MultiLayerNetwork b = network(lo, 10);
        b.setParams(half);
        LearnedOptimizerUpdater.bind(b);
        LearnedOptimizerUpdater.restoreState(b, io.lopt.checkpoints.OptimizerStates.readAll(f));
        fit(b, 5, 5);
        assertEquals(6, LearnedOptimizerUpdater.exportState(a).size(), "a state per tensor");
        org.junit.jupiter.api.Assertions.assertArrayEquals(a.params().toFloatVector(), b.params().toFloatVector());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> LearnedOptimizerUpdater.restoreState(network(lo, 10), java.util.Map.of("nope.w",
                        LearnedOptimizerUpdater.exportState(a).values().iterator().next())));
        assertTrue(e.getMessage().contains("nope.w"), e.getMessage());
    }

    @Test
    void aMultiLayerNetworkTrainsFashionMnistLikeOurOwnLoop() {
        assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEFAULT_DIR)), "Fashion-MNIST not installed");
        TaskSpec spec = TaskSpec.parse("dataset=fashion-mnist,res=8,width=32,depth=2,param=sp,batch=64,seed=3");
        MlpTask task = MlpTask.of(spec, null);
        SmallFcLopt lo = normalisedMomentum();
        int steps = 120;
        Training.Result ours = Training.run(task, lo, new Training.Options(steps, 0, false), null, Parallel.serial());

        MultiLayerNetwork net = network(lo, steps);
        // the same initial weights as our loop
        List<Parameter> init = task.init();
        String[] layers = {"0", "1", "2"};
        for (int l = 0; l < 3; l++) {
            Parameter w = init.get(2 * l);
            Parameter b = init.get(2 * l + 1);
            net.getLayer(l).setParam("W", Nd4j.create(w.values(), new long[] {w.spec().dim(0), w.spec().dim(1)}, 'c'));
            net.getLayer(l).setParam("b", Nd4j.create(b.values(), new long[] {1, b.size()}, 'c'));
        }
        LearnedOptimizerUpdater.bind(net);
        float[] x = new float[64 * 64];
        int[] y = new int[64];
        double[] dl4j = new double[steps];
        for (int s = 0; s < steps; s++) {
            task.batch(s, x, y);
            INDArray in = Nd4j.create(x, new long[] {64, 64}, 'c');
            INDArray labels = Nd4j.zeros(DataType.FLOAT, 64, 10);
            for (int i = 0; i < 64; i++) {
                labels.putScalar(i, y[i], 1f);
            }
            net.fit(in, labels);
            dl4j[s] = net.score();
        }
        // DL4J's score is the loss before the update, like ours
        for (int s = 0; s < 10; s++) {
            assertEquals(ours.losses()[s], dl4j[s], 1e-3, "step " + s);
        }
        double a = 0;
        double b = 0;
        for (int s = steps - 20; s < steps; s++) {
            a += ours.losses()[s] / 20;
            b += dl4j[s] / 20;
        }
        assertTrue(a < 0.8 * ours.losses()[0], "our loop trains");
        assertEquals(a, b, 0.02 * a, "DL4J with the learned updater vs our loop");
        assertTrue(layers.length == 3);
    }

    @Test
    void everyTensorIsItsOwnUpdaterBlockAndMisuseIsReported() {
        SmallFcLopt lo = normalisedMomentum();
        LearnedOptimizerUpdater[] a = LearnedOptimizerUpdater.forDense(lo, false, "a", 4, 3, Role.HIDDEN, 10);
        LearnedOptimizerUpdater[] b = LearnedOptimizerUpdater.forDense(lo, false, "b", 4, 3, Role.HIDDEN, 10);
        assertNotEquals(a[0], b[0], "different tensors must not be merged by DL4J");
        assertEquals(a[0], a[0].clone());
        MultiLayerNetwork net = network(lo, 10);
        INDArray in = Nd4j.rand(DataType.FLOAT, 8, 64);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 8, 10);
        for (int i = 0; i < 8; i++) {
            labels.putScalar(i, i % 10, 1f);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(in, labels));
        assertTrue(e.getMessage().contains("bind"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> a[0].setLrAndSchedule(0.1, null));
    }
}
