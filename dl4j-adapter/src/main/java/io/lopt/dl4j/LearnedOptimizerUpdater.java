package io.lopt.dl4j;

import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import io.lopt.checkpoints.LearnedOptimizerKinds;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Role;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * A learned optimizer as a DL4J updater configuration ({@link IUpdater}) for exactly one tensor.
 *
 * <p>DL4J merges consecutive parameters whose updater configurations are equal into one flat block, and a learned
 * optimizer needs per-tensor statistics: so every tensor gets its own configuration (they differ by name), set on each
 * layer with {@code .updater(weights)} and {@code .biasUpdater(bias)} — {@link #forDense} builds the pair. The updater
 * also needs the parameters themselves (a feature of small_fc_lopt), which DL4J does not pass to an updater: call
 * {@link #bind(MultiLayerNetwork)} once after {@code net.init()}.
 *
 * <p>The step: DL4J subtracts what the updater leaves in the gradient array, so the updater leaves
 * {@code p_old − p_new}. Weight matrices are read in lopt's {@code [fan_in, fan_out]} layout (DL4J's dense weights are
 * {@code [nIn, nOut]}, stored column-major). The learned optimizer's own state is kept in the updater, not in DL4J's
 * updater state array ({@link #stateSize} is 0), so DL4J's serialisation does not save it.
 */
public final class LearnedOptimizerUpdater implements IUpdater {
    private String name;
    private int[] shape;
    private Role role;
    private int fanIn;
    private boolean mup;
    private long horizon;
    private String checkpoint;
    private transient OptimizerFactory factory;

    /** For DL4J's JSON (de)serialisation. */
    public LearnedOptimizerUpdater() {
    }

    public LearnedOptimizerUpdater(OptimizerFactory factory, String checkpoint, String name, int[] shape, Role role,
            int fanIn, boolean mup, long horizon) {
        this.factory = factory;
        this.checkpoint = checkpoint;
        this.name = Objects.requireNonNull(name, "name");
        this.shape = shape.clone();
        this.role = role;
        this.fanIn = fanIn;
        this.mup = mup;
        this.horizon = horizon;
        spec(); // validates
    }

    /** The weight and bias updaters of a dense layer of {@code nIn → nOut}, named {@code prefix.w} and {@code prefix.b}. */
    public static LearnedOptimizerUpdater[] forDense(OptimizerFactory factory, boolean mup, String prefix, int nIn,
            int nOut, Role role, long horizon) {
        return new LearnedOptimizerUpdater[] {
            new LearnedOptimizerUpdater(factory, null, prefix + ".w", new int[] {nIn, nOut}, role, nIn, mup, horizon),
            new LearnedOptimizerUpdater(factory, null, prefix + ".b", new int[] {nOut}, Role.BIAS, 1, mup, horizon)};
    }

    /** Same, with the learned optimizer of a lopt checkpoint (whose configuration says μP or SP). */
    public static LearnedOptimizerUpdater[] forDense(Path checkpoint, String prefix, int nIn, int nOut, Role role,
            long horizon) {
        LearnedOptimizerCheckpoint c = LearnedOptimizerCheckpoint.read(checkpoint);
        LearnedOptimizerUpdater[] u = forDense(LearnedOptimizerKinds.factory(c), LearnedOptimizerKinds.mup(c), prefix, nIn,
                nOut, role, horizon);
        for (LearnedOptimizerUpdater x : u) {
            x.checkpoint = checkpoint.toString();
        }
        return u;
    }

    ParamSpec spec() {
        return mup ? ParamSpec.mup(name, shape, role, fanIn, 1.0) : ParamSpec.standard(name, shape, role, fanIn);
    }

    OptimizerFactory factory() {
        if (factory == null) {
            if (checkpoint == null) {
                throw new IllegalStateException("updater '" + name + "' has neither a learned optimizer nor a checkpoint");
            }
            factory = LearnedOptimizerKinds.factory(LearnedOptimizerCheckpoint.read(Path.of(checkpoint)));
        }
        return factory;
    }

    /**
     * Gives every learned updater of the network its parameter view, and the network, whose score (the minibatch loss
     * before the update) it passes to learned optimizers that read the loss. Call after {@code net.init()}.
     *
     * @throws IllegalStateException when DL4J merged several tensors into one block (two parameters configured with
     *                               equal updaters)
     */
    public static void bind(MultiLayerNetwork net) {
        BaseMultiLayerUpdater<?> updater = (BaseMultiLayerUpdater<?>) net.getUpdater(true);
        INDArray params = net.params();
        int bound = 0;
        for (UpdaterBlock b : updater.getUpdaterBlocks()) {
            GradientUpdater<?> g = b.getGradientUpdater();
            if (g instanceof LearnedGradientUpdater lg) {
                if (b.getLayersAndVariablesInBlock().size() != 1) {
                    throw new IllegalStateException("DL4J merged " + b.getLayersAndVariablesInBlock().size()
                            + " parameters into one updater block for '" + lg.getConfig().name + "': give each tensor "
                            + "its own LearnedOptimizerUpdater (forDense does)");
                }
                var range = NDArrayIndex.interval(b.getParamOffsetStart(), b.getParamOffsetEnd());
                INDArray view = params.rank() == 2 ? params.get(NDArrayIndex.point(0), range) : params.get(range);
                lg.bind(view, net);
                bound++;
            }
        }
        if (bound == 0) {
            throw new IllegalStateException("the network has no LearnedOptimizerUpdater");
        }
    }

    /** The learned updaters of the network (bound or not), by tensor name. */
    private static Map<String, LearnedGradientUpdater> updaters(MultiLayerNetwork net) {
        BaseMultiLayerUpdater<?> updater = (BaseMultiLayerUpdater<?>) net.getUpdater(true);
        Map<String, LearnedGradientUpdater> out = new java.util.LinkedHashMap<>();
        for (UpdaterBlock b : updater.getUpdaterBlocks()) {
            if (b.getGradientUpdater() instanceof LearnedGradientUpdater lg) {
                out.put(lg.getConfig().name, lg);
            }
        }
        return out;
    }

    /**
     * The learned optimizer's state of every tensor of the network, by the name given to its updater: save it with
     * {@code OptimizerStates.writeAll} (the weights are saved by DL4J as usual).
     */
    public static Map<String, io.lopt.optim.OptimizerState> exportState(MultiLayerNetwork net) {
        Map<String, io.lopt.optim.OptimizerState> out = new java.util.LinkedHashMap<>();
        updaters(net).forEach((name, u) -> {
            io.lopt.optim.OptimizerState s = u.exportState();
            if (s != null) {
                out.put(name, s);
            }
        });
        return out;
    }

    /**
     * Continues from states written by {@link #exportState}: call after {@code net.init()} and {@link #bind}, before
     * the first {@code fit}. A state for a tensor the network does not have is an error.
     */
    public static void restoreState(MultiLayerNetwork net, Map<String, io.lopt.optim.OptimizerState> states) {
        Map<String, LearnedGradientUpdater> us = updaters(net);
        for (Map.Entry<String, io.lopt.optim.OptimizerState> e : states.entrySet()) {
            LearnedGradientUpdater u = us.get(e.getKey());
            if (u == null) {
                throw new IllegalArgumentException("a learned-optimizer state for '" + e.getKey() + "', which the network "
                        + "does not have (its learned updaters: " + us.keySet() + ")");
            }
            u.restoreState(e.getValue());
        }
    }

    public String getName() {
        return name;
    }

    public int[] getShape() {
        return shape.clone();
    }

    public Role getRole() {
        return role;
    }

    public int getFanIn() {
        return fanIn;
    }

    public boolean isMup() {
        return mup;
    }

    public long getHorizon() {
        return horizon;
    }

    public String getCheckpoint() {
        return checkpoint;
    }

    public void setName(String name) {
        this.name = name;
    }

    public void setShape(int[] shape) {
        this.shape = shape.clone();
    }

    public void setRole(Role role) {
        this.role = role;
    }

    public void setFanIn(int fanIn) {
        this.fanIn = fanIn;
    }

    public void setMup(boolean mup) {
        this.mup = mup;
    }

    public void setHorizon(long horizon) {
        this.horizon = horizon;
    }

    public void setCheckpoint(String checkpoint) {
        this.checkpoint = checkpoint;
    }

    @Override
    public long stateSize(long numParams) {
        return 0;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        return new LearnedGradientUpdater(this);
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        return new LearnedGradientUpdater(this);
    }

    @Override
    public LearnedOptimizerUpdater clone() {
        LearnedOptimizerUpdater c = new LearnedOptimizerUpdater(factory, checkpoint, name, shape, role, fanIn, mup, horizon);
        return c;
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return Double.NaN; // a learned optimizer has no learning rate
    }

    @Override
    public boolean hasLearningRate() {
        return false;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        throw new UnsupportedOperationException("a learned optimizer has no learning rate to set");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LearnedOptimizerUpdater u && Objects.equals(name, u.name) && Arrays.equals(shape, u.shape)
                && role == u.role && fanIn == u.fanIn && mup == u.mup && horizon == u.horizon
                && Objects.equals(checkpoint, u.checkpoint);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), role, fanIn, mup, horizon, checkpoint);
    }

    @Override
    public String toString() {
        return "LearnedOptimizerUpdater(" + name + Arrays.toString(shape) + ", " + role + ")";
    }
}
