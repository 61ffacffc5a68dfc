package io.lopt.dl4j;

import org.deeplearning4j.nn.conf.distribution.TruncatedNormalDistribution;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The layers of a μP MLP in DL4J, the model μLO and μVeLO were meta-trained on (docs/spec.md §1): dense ReLU layers
 * with weights from a normal truncated at ±2σ, σ = 1/√fan_in, a readout whose weights start at 0 and whose softmax
 * reads its result × 1/width ({@link ActivationScaledSoftmax}), and biases drawn from N(0, 1) ({@link #initBiases},
 * since DL4J initialises biases to a constant). Attach the learned optimizer's updaters to the builders as usual.
 */
public final class MuPLayers {
    private MuPLayers() {
    }

    /** An input or hidden layer of {@code nIn → nOut} ReLU units. */
    public static DenseLayer.Builder dense(int nIn, int nOut) {
        return new DenseLayer.Builder().nIn(nIn).nOut(nOut).activation(Activation.RELU)
                .weightInit(new TruncatedNormalDistribution(0, 1 / Math.sqrt(nIn)));
    }

    /** The readout of a network of hidden width {@code width}: zero weights, softmax(result / width), cross-entropy. */
    public static OutputLayer.Builder readout(int width, int classes) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(width).nOut(classes)
                .weightInit(WeightInit.ZERO).activation(new ActivationScaledSoftmax(1.0 / width));
    }

    /** Draws every layer's bias from N(0, 1) with {@code seed}; call after {@code net.init()}. */
    public static void initBiases(MultiLayerNetwork net, long seed) {
        for (int l = 0; l < net.getnLayers(); l++) {
            INDArray b = net.getLayer(l).getParam("b");
            if (b != null) {
                float[] v = new float[Math.toIntExact(b.length())];
                io.lopt.util.Rng.derive(seed, io.lopt.util.Rng.hash("dl4j/bias"), l).fillNormal(v, 1.0);
                b.assign(org.nd4j.linalg.factory.Nd4j.create(v).reshape(b.shape()));
            }
        }
    }
}
