package io.lopt.examples;

import io.lopt.checkpoints.OptimizerStates;
import io.lopt.dl4j.LearnedOptimizerUpdater;
import io.lopt.dl4j.MuPLayers;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.Role;
import io.lopt.optimizees.tasks.MlpTask;
import io.lopt.optimizees.tasks.TaskSpec;
import io.lopt.pretrained.Pretrained;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The shipped μLO training a DL4J {@code MultiLayerNetwork}: a μP MLP built from {@link MuPLayers} (zero readout whose
 * softmax reads its result × 1/width, N(0, 1) biases), one learned-optimizer updater per tensor. Halfway, the weights
 * and the optimizer's state go to files and a new network restored from them takes over. The data are lopt's synthetic
 * classification set, so that no files are needed.
 *
 * <p>Run with ND4J's CPU backend on the class path:
 * {@code java --add-modules jdk.incubator.vector -cp ... io.lopt.examples.Dl4jNetworkLoop [STEPS]}.
 */
public final class Dl4jNetworkLoop {
    private Dl4jNetworkLoop() {
    }

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        float[] losses = run(steps, Files.createTempDirectory("lopt-dl4j-example"));
        System.out.printf("loss %.4f -> %.4f after %d steps%n", losses[0], losses[steps - 1], steps);
    }

    static MultiLayerNetwork network(OptimizerFactory mulo, int inputs, int width, int classes, long steps) {
        LearnedOptimizerUpdater[] l0 = LearnedOptimizerUpdater.forDense(mulo, true, "layer0", inputs, width, Role.INPUT, steps);
        LearnedOptimizerUpdater[] l1 = LearnedOptimizerUpdater.forDense(mulo, true, "layer1", width, width, Role.HIDDEN, steps);
        LearnedOptimizerUpdater[] out = LearnedOptimizerUpdater.forDense(mulo, true, "readout", width, classes, Role.OUTPUT,
                steps);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).list()
                .layer(MuPLayers.dense(inputs, width).updater(l0[0]).biasUpdater(l0[1]).build())
                .layer(MuPLayers.dense(width, width).updater(l1[0]).biasUpdater(l1[1]).build())
                .layer(MuPLayers.readout(width, classes).updater(out[0]).biasUpdater(out[1]).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        MuPLayers.initBiases(net, 1);       // DL4J initialises biases to a constant; μP draws them from N(0, 1)
        LearnedOptimizerUpdater.bind(net);  // gives each updater its parameters (DL4J does not pass them to updaters)
        return net;
    }

    /** The training loss of every step. */
    public static float[] run(int steps, Path dir) throws Exception {
        MlpTask data = MlpTask.of(TaskSpec.parse("dataset=synthetic,res=8,batch=64,seed=1"), null);
        int inputs = data.data().features();
        int classes = data.data().classes();
        OptimizerFactory mulo = Pretrained.factory("mulo");
        MultiLayerNetwork net = network(mulo, inputs, 128, classes, steps);
        float[] losses = new float[steps];
        int half = steps / 2;
        fit(net, data, 0, half, losses);
        // save: DL4J writes the weights, lopt the learned optimizer's state
        Path weights = dir.resolve("weights.bin");
        Path state = dir.resolve("optimizer.safetensors");
        Nd4j.saveBinary(net.params(), weights.toFile());
        OptimizerStates.writeAll(state, LearnedOptimizerUpdater.exportState(net));
        // resume on a new network: after init and bind, before the first fit
        MultiLayerNetwork resumed = network(mulo, inputs, 128, classes, steps);
        resumed.setParams(Nd4j.readBinary(weights.toFile()));
        LearnedOptimizerUpdater.restoreState(resumed, OptimizerStates.readAll(state));
        fit(resumed, data, half, steps, losses);
        return losses;
    }

    private static void fit(MultiLayerNetwork net, MlpTask data, int from, int to, float[] losses) {
        int batch = data.spec().batchSize();
        int inputs = data.data().features();
        int classes = data.data().classes();
        float[] x = new float[batch * inputs];
        int[] y = new int[batch];
        for (int t = from; t < to; t++) {
            data.batch(t, x, y);
            INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, classes);
            for (int i = 0; i < batch; i++) {
                labels.putScalar(i, y[i], 1f);
            }
            net.fit(new DataSet(Nd4j.create(x, new long[] {batch, inputs}), labels));
            losses[t] = (float) net.score();
        }
    }
}
