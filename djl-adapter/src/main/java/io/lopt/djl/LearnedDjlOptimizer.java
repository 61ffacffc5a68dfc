package io.lopt.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import io.lopt.checkpoints.LearnedOptimizerKinds;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Role;
import io.lopt.optim.lo.SmallFcLopt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A learned optimizer as a drop-in DJL {@link Optimizer}: {@code Trainer} calls {@link #update} for every parameter
 * and step, and the learned optimizer (from a lopt checkpoint) updates the weight.
 *
 * <p>μP roles and fan-ins: given by name with {@link Builder#optRole}, or inferred from the block by this rule: the
 * parameters of type WEIGHT with two dimensions, in block order, are the input matrix (the first), the output matrix
 * (the last) and hidden matrices (the others); every other parameter (biases, norm gains) is a bias. DJL stores a
 * Linear weight as {@code [out, in]}; it is seen transposed, {@code [in, out]} with fan_in = in, the layout lopt's
 * learned optimizers were meta-trained on. s_W follows the role (μP: 1/fan_in for hidden matrices).
 *
 * <p>small_fc_lopt (μLO, SP LO) on a GPU-resident weight runs on that device with the batched backend; on the CPU, and
 * for other learned optimizers, the step runs on the host with lopt's fused kernels; VeLO-style ones need the run length ({@link Builder#optHorizon})
 * and the training loss of each step ({@link #observeLoss}, before {@code trainer.step()}).
 *
 * <p>DJL's PyTorch engine leaves the gradient of a weight to the optimizer when the optimizer is not one of its own;
 * this one zeroes the gradient after using it, as DJL's built-in optimizers do.
 */
public final class LearnedDjlOptimizer extends Optimizer {
    private final OptimizerFactory factory;
    private final Block block;
    private final Map<String, Role> roles;
    private final long horizon;
    private final boolean mupScale;
    private Map<String, Info> infos;
    private final Map<String, BatchedSmallFcLopt> onDevice = new HashMap<>();
    private final Map<String, NDManager> managers = new HashMap<>();
    private final Map<String, io.lopt.optim.Optimizer> onHost = new HashMap<>();
    private double loss = Double.NaN;
    /** States to restore, by parameter name, into the per-parameter optimizers when they are created. */
    private final Map<String, io.lopt.optim.OptimizerState> pending = new HashMap<>();

    private record Info(String name, ParamSpec spec, boolean transposed) {
    }

    private LearnedDjlOptimizer(Builder b) {
        super(b);
        this.factory = b.factory;
        this.block = b.block;
        this.roles = new LinkedHashMap<>(b.roles);
        this.horizon = b.horizon;
        this.mupScale = b.mup;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The training loss of the current step, for learned optimizers that read it (VeLO-style,
     * {@code OptimizerFactory.needsLoss()}): call it before each {@code trainer.step()}; such an optimizer refuses to
     * update without it.
     */
    public void observeLoss(double value) {
        this.loss = value;
        this.lossObserved = true;
    }

    private boolean lossObserved;

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        Info info = info(parameterId, weight);
        NDArray w = info.transposed ? weight.transpose() : weight;
        NDArray g = info.transposed ? grad.transpose() : grad;
        int n = info.spec.size();
        if (factory instanceof SmallFcLopt lo && lo.config().hiddenSizes().size() == 2
                && weight.getDevice().isGpu()) {
            NDManager m = managers.computeIfAbsent(parameterId, k -> NDManager.newBaseManager(weight.getDevice(), "PyTorch"));
            BatchedSmallFcLopt b = onDevice.computeIfAbsent(parameterId, k -> new BatchedSmallFcLopt(lo.config(),
                    List.of(info.spec), List.of(lo.theta()), java.util.Collections.singletonList(pending.remove(info.name)),
                    new long[] {horizon}, m));
            NDArray[] p = {w.reshape(1, n).duplicate()};
            p[0].attach(m);
            NDArray[] gs = {g.reshape(1, n)};
            NDArray old = p[0].duplicate();
            b.step(p, gs);
            NDArray delta = old.sub(p[0]).reshape(w.getShape());
            weight.subi(info.transposed ? delta.transpose() : delta);
            old.close();
            delta.close();
            p[0].close();
        } else {
            io.lopt.optim.Optimizer opt = onHost.computeIfAbsent(parameterId, k -> {
                io.lopt.optim.Optimizer o = factory.create(List.of(info.spec), horizon);
                io.lopt.optim.OptimizerState s = pending.remove(info.name);
                if (s != null) {
                    o.restoreState(s);
                }
                return o;
            });
            if (factory.needsLoss() && !lossObserved) {
                throw new IllegalStateException(factory.describe() + " reads the training loss: call observeLoss(loss) "
                        + "before each trainer.step()");
            }
            float[] pv = w.toFloatArray();
            float[] gv = g.toFloatArray();
            io.lopt.optim.Parameter param = new io.lopt.optim.Parameter(info.spec, pv);
            opt.step(List.of(param), List.of(gv), loss);
            NDArray nw = weight.getManager().create(pv, w.getShape());
            weight.set((info.transposed ? nw.transpose() : nw).toFloatArray());
            nw.close();
        }
        // DJL's PyTorch engine does not zero a custom optimizer's gradients: the weight's own gradient buffer
        // (not necessarily the array handed in) is cleared here, or the next backward pass would add to it
        try (NDArray own = weight.getGradient()) {
            own.subi(own);
        }
    }

    /**
     * The learned optimizer's state of every parameter it has updated, by the parameter's name in the block (stable
     * across processes, unlike DJL's parameter ids): save it with {@code OptimizerStates.writeAll} and give it to
     * {@link #restoreState} of a new optimizer over the same block to continue exactly.
     */
    public synchronized Map<String, io.lopt.optim.OptimizerState> exportState() {
        Map<String, io.lopt.optim.OptimizerState> out = new LinkedHashMap<>(pending);
        for (Map.Entry<String, io.lopt.optim.Optimizer> e : onHost.entrySet()) {
            out.put(infos.get(e.getKey()).name, e.getValue().exportState());
        }
        for (Map.Entry<String, BatchedSmallFcLopt> e : onDevice.entrySet()) {
            out.put(infos.get(e.getKey()).name, e.getValue().exportStates().get(0));
        }
        return out;
    }

    /**
     * Continues from states written by {@link #exportState}: each parameter's optimizer starts from its state when the
     * parameter is next updated. Call before the first {@code trainer.step()}.
     */
    public synchronized void restoreState(Map<String, io.lopt.optim.OptimizerState> states) {
        if (!onHost.isEmpty() || !onDevice.isEmpty()) {
            throw new IllegalStateException("restoreState must be called before the optimizer's first update");
        }
        pending.clear();
        pending.putAll(states);
    }

    /** The tensor description of a parameter, from the block's parameter list (built at the first update). */
    private synchronized Info info(String id, NDArray weight) {
        if (infos == null) {
            infos = infer();
        }
        Info i = infos.get(id);
        if (i == null) {
            throw new IllegalStateException("parameter " + id + " is not in the block given to the optimizer's builder");
        }
        if (weight.getShape().size() != i.spec.size()) {
            throw new IllegalStateException("parameter " + i.name + " has shape " + weight.getShape() + ", expected "
                    + i.spec.shapeString());
        }
        return i;
    }

    private Map<String, Info> infer() {
        List<Pair<String, Parameter>> ps = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            ps.add(p);
        }
        List<Integer> matrices = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) {
            Parameter p = ps.get(i).getValue();
            if (p.getType() == Parameter.Type.WEIGHT && p.getArray().getShape().dimension() == 2) {
                matrices.add(i);
            }
        }
        Map<String, Info> out = new HashMap<>();
        for (int i = 0; i < ps.size(); i++) {
            String name = ps.get(i).getKey();
            Parameter p = ps.get(i).getValue();
            Shape s = p.getArray().getShape();
            Role role;
            if (roles.containsKey(name)) {
                role = roles.get(name);
            } else if (matrices.contains(i)) {
                int k = matrices.indexOf(i);
                role = k == 0 ? Role.INPUT : k == matrices.size() - 1 ? Role.OUTPUT : Role.HIDDEN;
            } else {
                role = Role.BIAS;
            }
            boolean transposed = s.dimension() == 2;
            int[] shape = transposed ? new int[] {(int) s.get(1), (int) s.get(0)}
                    : new int[] {Math.toIntExact(s.size())};
            int fanIn = transposed ? shape[0] : 1;
            ParamSpec spec = mupScale ? ParamSpec.mup(name, shape, role, fanIn, 1.0)
                    : ParamSpec.standard(name, shape, role, fanIn);
            out.put(p.getId(), new Info(name, spec, transposed));
        }
        return out;
    }

    /** Builder: {@code setCheckpoint} or {@code setLearnedOptimizer}, and {@code setBlock} are required. */
    public static final class Builder extends OptimizerBuilder<Builder> {
        private OptimizerFactory factory;
        private Block block;
        private final Map<String, Role> roles = new LinkedHashMap<>();
        private long horizon = 0;
        private Boolean mupOverride;
        private boolean mup;

        @Override
        protected Builder self() {
            return this;
        }

        /** The learned optimizer in a lopt checkpoint. */
        public Builder setCheckpoint(Path file) {
            LearnedOptimizerCheckpoint c = LearnedOptimizerCheckpoint.read(file);
            this.factory = LearnedOptimizerKinds.factory(c);
            this.mup = LearnedOptimizerKinds.mup(c);
            return this;
        }

        /** A learned optimizer given directly. */
        public Builder setLearnedOptimizer(OptimizerFactory f, boolean mupScaled) {
            this.factory = f;
            this.mup = mupScaled;
            return this;
        }

        /** The model whose parameters are optimized (to find names, roles and shapes). */
        public Builder setBlock(Block b) {
            this.block = b;
            return this;
        }

        /** The μP role of the parameter with this name (as in {@code block.getParameters()}). */
        public Builder optRole(String parameterName, Role role) {
            roles.put(parameterName, role);
            return this;
        }

        /**
         * The length of the training run in steps, for learned optimizers that read it (VeLO-style; μLO with relative
         * time or a decay, as the shipped one); required for those, ignored by the others.
         */
        public Builder optHorizon(long steps) {
            this.horizon = steps;
            return this;
        }

        /** Whether the tensors get μP update scales s_W (default: as the learned optimizer was meta-trained). */
        public Builder optMup(boolean value) {
            this.mupOverride = value;
            return this;
        }

        public LearnedDjlOptimizer build() {
            if (factory == null) {
                throw new IllegalArgumentException("a learned optimizer is required: setCheckpoint or setLearnedOptimizer");
            }
            if (block == null) {
                throw new IllegalArgumentException("the block is required (setBlock) to find the parameters' roles");
            }
            if (mupOverride != null) {
                mup = mupOverride;
            }
            if (factory.needsHorizon() && horizon < 1) {
                throw new IllegalArgumentException(factory.describe() + " needs the length of the training run: "
                        + "call optHorizon(steps)");
            }
            return new LearnedDjlOptimizer(this);
        }
    }
}
