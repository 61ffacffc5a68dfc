package io.lopt.dl4j;

import io.lopt.optim.Optimizer;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The per-tensor updater DL4J calls every iteration: it runs one step of the learned optimizer on the host (lopt's CPU
 * kernels) and leaves {@code p_old − p_new} in the gradient array, which DL4J then subtracts from the parameters.
 */
public final class LearnedGradientUpdater implements GradientUpdater<LearnedOptimizerUpdater> {
    private final LearnedOptimizerUpdater config;
    private final ParamSpec spec;
    private Optimizer optimizer;
    private INDArray params;
    private double loss = Double.NaN;
    private io.lopt.optim.OptimizerState pending;

    LearnedGradientUpdater(LearnedOptimizerUpdater config) {
        this.config = config;
        this.spec = config.spec();
    }

    private org.deeplearning4j.nn.multilayer.MultiLayerNetwork net;

    void bind(INDArray paramView, org.deeplearning4j.nn.multilayer.MultiLayerNetwork network) {
        this.net = network;
        if (paramView.length() != spec.size()) {
            throw new IllegalStateException("parameter view of '" + spec.name() + "' has " + paramView.length()
                    + " values, the updater was configured for " + spec.shapeString());
        }
        this.params = paramView;
    }

    /** The learned optimizer's state after the last update (or the one to restore, before the first), or null. */
    io.lopt.optim.OptimizerState exportState() {
        return optimizer != null ? optimizer.exportState() : pending;
    }

    /** Continues from {@code state} at the next update (before the first one). */
    void restoreState(io.lopt.optim.OptimizerState state) {
        if (optimizer != null) {
            throw new IllegalStateException("restore the learned optimizer's state of '" + spec.name()
                    + "' before the network's first update");
        }
        this.pending = state;
    }

    /**
     * The training loss of the coming step, for learned optimizers that read it (VeLO-style). Without it the updater
     * reads the network's score, which DL4J computes on the minibatch before it updates.
     */
    public void observeLoss(double value) {
        this.loss = value;
    }

    @Override
    public LearnedOptimizerUpdater getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        // the learned optimizer keeps its own state
    }

    @Override
    public Map<String, INDArray> getState() {
        return Map.of();
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        // no DL4J state array (stateSize is 0)
    }

    /**
     * Row-major floats in lopt's layout from a flat DL4J view: DL4J keeps a dense layer's [nIn, nOut] weights in
     * column-major ('f') order in its flat parameter and gradient views, so element (i, j) is at flat index j·nIn + i.
     */
    private float[] read(INDArray view) {
        float[] flat = view.castTo(DataType.FLOAT).toFloatVector();
        return spec.rank() != 2 ? flat : transposed(flat, spec.dim(1), spec.dim(0));
    }

    /** The inverse of {@link #read}: lopt's row-major layout to DL4J's flat order. */
    private float[] toFlat(float[] rowMajor) {
        return spec.rank() != 2 ? rowMajor : transposed(rowMajor, spec.dim(0), spec.dim(1));
    }

    /** The row-major [cols, rows] transpose of a row-major [rows, cols] array. */
    private static float[] transposed(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (params == null) {
            throw new IllegalStateException("LearnedOptimizerUpdater '" + spec.name()
                    + "' has no parameters: call LearnedOptimizerUpdater.bind(net) after net.init()");
        }
        if (optimizer == null) {
            optimizer = config.factory().create(List.of(spec), config.getHorizon());
            if (pending != null) {
                optimizer.restoreState(pending);
                pending = null;
            }
        }
        float[] p = read(params);
        float[] g = read(gradient);
        float[] before = p.clone();
        double l = !Double.isNaN(loss) ? loss : net != null ? net.score() : Double.NaN;
        optimizer.step(List.of(new Parameter(spec, p)), List.of(g), l);
        float[] delta = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            delta[i] = before[i] - p[i];
        }
        gradient.assign(Nd4j.create(toFlat(delta), gradient.shape(), 'c').castTo(gradient.dataType()));
    }
}
