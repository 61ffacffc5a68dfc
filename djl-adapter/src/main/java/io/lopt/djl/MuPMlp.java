package io.lopt.djl;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.TruncatedNormalInitializer;

/**
 * An MLP under μP as a DJL block, the model μLO and μVeLO were meta-trained on (docs/spec.md §1): {@code depth} ReLU
 * layers of {@code width} units with weights drawn from a normal truncated at ±2σ, σ = 1/√fan_in, biases from N(0, 1),
 * and a readout whose weights start at 0 and whose result (bias included) is multiplied by 1/width. The readout scale is
 * a parameter-free block after the last {@code Linear}, so {@link LearnedDjlOptimizer}'s role inference (first matrix:
 * input, last: output, others hidden) applies unchanged.
 *
 * <p>A μP learned optimizer on an ordinary block (non-zero readout, no 1/width) blows up within tens of steps; this
 * block is the simplest way to give it the model it expects.
 */
public final class MuPMlp {
    private MuPMlp() {
    }

    /**
     * @param inputs  features per example (the first layer's fan-in)
     * @param width   units per hidden layer
     * @param depth   hidden layers (at least 1)
     * @param outputs readout units (classes)
     */
    public static SequentialBlock of(int inputs, int width, int depth, int outputs) {
        if (inputs < 1 || width < 1 || depth < 1 || outputs < 1) {
            throw new IllegalArgumentException("a μP MLP needs inputs, width, depth and outputs of at least 1, got "
                    + inputs + ", " + width + ", " + depth + ", " + outputs);
        }
        SequentialBlock net = new SequentialBlock();
        for (int l = 0; l < depth; l++) {
            Linear layer = Linear.builder().setUnits(width).build();
            int fanIn = l == 0 ? inputs : width;
            layer.setInitializer(new TruncatedNormalInitializer((float) (1 / Math.sqrt(fanIn))), Parameter.Type.WEIGHT);
            layer.setInitializer(new NormalInitializer(1f), Parameter.Type.BIAS);
            net.add(layer).add(Activation::relu);
        }
        Linear readout = Linear.builder().setUnits(outputs).build();
        readout.setInitializer(new ConstantInitializer(0f), Parameter.Type.WEIGHT);
        readout.setInitializer(new NormalInitializer(1f), Parameter.Type.BIAS);
        net.add(readout);
        float multiplier = 1f / width;
        net.add(new LambdaBlock(x -> new NDList(x.singletonOrThrow().mul(multiplier)), "mup_readout_scale"));
        return net;
    }
}
