package io.lopt.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class MuPLayersTest {
    static MultiLayerNetwork net(int width, DataType type) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(type).list()
                .layer(MuPLayers.dense(16, width).build())
                .layer(MuPLayers.dense(width, width).build())
                .layer(MuPLayers.readout(width, 5).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        MuPLayers.initBiases(net, 3);
        return net;
    }

    static double std(INDArray a) {
        double[] v = a.dup().data().asDouble();
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s / v.length);
    }

    @Test
    void initialisationAndReadoutFollowMuP() {
        int width = 256;
        MultiLayerNetwork net = net(width, DataType.FLOAT);
        assertEquals(0.88 / Math.sqrt(16), std(net.getLayer(0).getParam("W")), 0.05 / Math.sqrt(16));
        assertEquals(0.88 / Math.sqrt(width), std(net.getLayer(1).getParam("W")), 0.05 / Math.sqrt(width));
        assertEquals(1.0, std(net.getLayer(1).getParam("b")), 0.15, "biases N(0, 1)");
        assertEquals(0.0, std(net.getLayer(2).getParam("W")), "the readout starts at zero");
        // with a zero readout every example's output is softmax(b / width)
        INDArray b = net.getLayer(2).getParam("b");
        double[] z = new double[5];
        double sum = 0;
        for (int c = 0; c < 5; c++) {
            z[c] = Math.exp(b.getDouble(c) / width);
            sum += z[c];
        }
        INDArray out = net.output(Nd4j.rand(DataType.FLOAT, 4, 16));
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 5; c++) {
                assertEquals(z[c] / sum, out.getDouble(r, c), 1e-6);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new ActivationScaledSoftmax(0));
    }

    @Test
    void theScaledSoftmaxsGradientMatchesFiniteDifferences() {
        MultiLayerNetwork net = net(8, DataType.DOUBLE);
        net.getLayer(2).getParam("W").assign(Nd4j.rand(DataType.DOUBLE, 8, 5).subi(0.5).muli(4));
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 16);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 6, 5);
        for (int r = 0; r < 6; r++) {
            y.putScalar(r, r % 5, 1.0);
        }
        DataSet d = new DataSet(x, y);
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        INDArray grad = net.gradient().getGradientFor("2_W").dup();
        INDArray w = net.getLayer(2).getParam("W");
        double h = 1e-6;
        for (int i = 0; i < 8; i += 3) {
            for (int c = 0; c < 5; c += 2) {
                double v = w.getDouble(i, c);
                w.putScalar(i, c, v + h);
                double up = net.score(d);
                w.putScalar(i, c, v - h);
                double down = net.score(d);
                w.putScalar(i, c, v);
                // DL4J's score is the mean over the 6 examples, its gradient the sum (the updater divides)
                assertEquals(6 * (up - down) / (2 * h), grad.getDouble(i, c), 1e-6, "readout weight " + i + "," + c);
            }
        }
    }

    @Test
    void aVeloStyleOptimizerReadsTheNetworksLossWithoutBeingTold() {
        io.lopt.optim.velo.VeloConfig cfg = io.lopt.optim.velo.VeloConfig.muVelo();
        io.lopt.optim.OptimizerFactory velo = cfg.withTheta(cfg.initialTheta(1));
        LearnedOptimizerUpdater[] l0 = LearnedOptimizerUpdater.forDense(velo, true, "layer0", 16, 8,
                io.lopt.optim.Role.INPUT, 20);
        LearnedOptimizerUpdater[] out = LearnedOptimizerUpdater.forDense(velo, true, "readout", 8, 5,
                io.lopt.optim.Role.OUTPUT, 20);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).list()
                .layer(MuPLayers.dense(16, 8).updater(l0[0]).biasUpdater(l0[1]).build())
                .layer(MuPLayers.readout(8, 5).updater(out[0]).biasUpdater(out[1]).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        MuPLayers.initBiases(net, 1);
        LearnedOptimizerUpdater.bind(net);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 16);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 5);
        for (int r = 0; r < 6; r++) {
            y.putScalar(r, r % 5, 1f);
        }
        for (int s = 0; s < 4; s++) {
            net.fit(new DataSet(x, y));
        }
        float[] means = LearnedOptimizerUpdater.exportState(net).get("layer0.w").tensor("loss/means", 10);
        // VeLO's loss EMAs hold the network's loss (≈ ln 5 here); with no loss they would stay 0
        assertEquals(Math.log(5), means[0] / (1 - Math.pow(Math.exp(-0.1), 4)), 0.3);
    }
}
