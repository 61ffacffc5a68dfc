package io.lopt.dl4j;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * softmax(scale · z): the μP readout's softmax of its result multiplied by 1/width (docs/spec.md §1), as a DL4J
 * activation, so that an ordinary {@code OutputLayer} is a μP readout.
 */
public final class ActivationScaledSoftmax extends BaseActivationFunction {
    private double scale;

    /** For DL4J's JSON (de)serialisation. */
    public ActivationScaledSoftmax() {
        this(1.0);
    }

    public ActivationScaledSoftmax(double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("the readout scale must be positive and finite, got " + scale);
        }
        this.scale = scale;
    }

    public double getScale() {
        return scale;
    }

    public void setScale(double scale) {
        this.scale = scale;
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        return new ActivationSoftmax().getActivation(in.muli(scale), training);
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        Pair<INDArray, INDArray> p = new ActivationSoftmax().backprop(in.mul(scale), epsilon);
        p.getFirst().muli(scale); // d/dz softmax(scale · z) = scale · softmax'
        return p;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ActivationScaledSoftmax a && a.scale == scale;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(scale);
    }

    @Override
    public String toString() {
        return "scaledsoftmax(" + scale + ")";
    }
}
