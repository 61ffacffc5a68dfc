package io.lopt.optim.velo;

import io.lopt.kernels.Parallel;
import io.lopt.optim.AbstractOptimizer;
import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.Optimizer;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.OptimizerState;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * VeLO (Metz et al. 2022, "VeLO: Training Versatile Learned Optimizers by Scaling Up"), rebuilt to follow
 * learned_optimization's {@code hyper_v2.py} feature for feature, and the μLO paper's μVeLO ({@code mup_hyper.py}),
 * with fixed meta-parameters θ. docs/velo.md is the definition, with the lines of the Python it follows.
 *
 * <p>Each step: the loss enters a buffer of EMAs over 10 half-lives up to the horizon (9 loss features); the gradient
 * is clipped to ±1000; per tensor, 30 features (remaining time, loss, the variances of m and of the mean square scaled
 * by 1/RMS(p), the rank) feed a max-pooled mix and an LSTM, whose heads give K coefficients and a learning-rate
 * multiplier; the momenta (β = 0.9, 0.99, 0.999), the mean square (0.999) and Adafactor-style factored accumulators take
 * the gradient; the tensor's per-parameter MLP is {@code mix_mult · mean_k(c_k · W_k)} over the bank, and maps each
 * element's 30 normalised features to [d, m, ·]:
 * <pre>  Δp = −0.001 · lr_mult · d · exp(0.001 · m) · RMS(p)      (μVeLO: · s_W instead of RMS(p))</pre>
 *
 * <p>It needs the length T of the training run ({@link #create(List, long)}) and the training loss
 * ({@link Optimizer#step(List, List, double)}).
 */
public final class Velo implements OptimizerFactory {
    /** Which implementation of the per-parameter part to run. */
    public enum Implementation {
        FUSED, REFERENCE
    }

    private final VeloConfig config;
    private final VeloLayout layout;
    private final float[] theta;
    private final Implementation impl;
    private final Parallel parallel;

    public Velo(VeloConfig config, float[] theta) {
        this(config, theta, Implementation.FUSED, Parallel.common());
    }

    public Velo(VeloConfig config, float[] theta, Implementation impl, Parallel parallel) {
        this.config = Objects.requireNonNull(config, "config");
        this.layout = VeloLayout.of(config);
        this.theta = LearnedOptimizer.checkedTheta(theta, layout.size(), "a VeLO with " + config.lstmHidden()
                + " LSTM units and a bank of " + config.bankSize());
        this.impl = impl;
        this.parallel = parallel;
    }

    public VeloConfig config() {
        return config;
    }

    public float[] theta() {
        return theta.clone();
    }

    @Override
    public String describe() {
        return (config.mup() ? "mu-velo" : "velo") + "(lstm=" + config.lstmHidden() + ", bank=" + config.bankSize()
                + ", mix=" + config.mixMult() + ")";
    }

    /** Refused: VeLO needs the length of the run. */
    @Override
    public Optimizer create(List<ParamSpec> specs) {
        throw new IllegalStateException("VeLO needs the length of the training run: use create(specs, horizon)");
    }

    @Override
    public boolean needsHorizon() {
        return true;
    }

    @Override
    public boolean needsLoss() {
        return true;
    }

    @Override
    public Optimizer create(List<ParamSpec> specs, long horizon) {
        return new Stepper(specs, checkedHorizon(horizon), parallel);
    }

    @Override
    public Optimizer create(List<ParamSpec> specs, io.lopt.optim.RunContext context) {
        return new Stepper(specs, checkedHorizon(context.horizon()), context.parallel());
    }

    private static long checkedHorizon(long horizon) {
        if (horizon < 1) {
            throw new IllegalArgumentException("VeLO's horizon must be at least 1 step, got " + horizon);
        }
        return horizon;
    }

    private final class Stepper extends AbstractOptimizer {
        private final long horizon;
        private final List<VeloTensor> tensors = new ArrayList<>();
        private final VeloLossFeatures loss;
        private final Parallel parallel;
        /** Every tensor's LSTM state (views of the tensors' own arrays, which a restore fills in place). */
        private final float[][] lstmH;
        private final float[][] lstmC;

        Stepper(List<ParamSpec> specs, long horizon, Parallel parallel) {
            super(specs);
            this.horizon = horizon;
            this.parallel = parallel;
            this.loss = new VeloLossFeatures(horizon);
            int h = layout.offset("rnn/init/h");
            int c = layout.offset("rnn/init/c");
            for (ParamSpec s : this.specs) {
                VeloTensor t = new VeloTensor(s, layout.hidden());
                System.arraycopy(theta, h, t.h, 0, layout.hidden());
                System.arraycopy(theta, c, t.c, 0, layout.hidden());
                tensors.add(t);
            }
            lstmH = tensors.stream().map(t -> t.h).toArray(float[][]::new);
            lstmC = tensors.stream().map(t -> t.c).toArray(float[][]::new);
        }

        @Override
        public String kind() {
            return VeloConfig.KIND;
        }

        @Override
        public void step(List<Parameter> params, List<float[]> grads) {
            throw new IllegalStateException("VeLO needs the training loss: call step(params, grads, loss)");
        }

        @Override
        public void step(List<Parameter> params, List<float[]> grads, double trainingLoss) {
            check(params, grads);
            if (step == 0 && config.mup()) {
                io.lopt.optim.MuPCheck.warnIfNotMuP(params, "μVeLO");
            }
            loss.update(trainingLoss, step);
            float[] lossFeatures = loss.features(step + 1);
            float fraction = (float) step / (float) horizon;
            boolean vector = impl == Implementation.FUSED && io.lopt.kernels.VectorSupport.AVAILABLE;
            int count = tensors.size();
            float[][] features = new float[count][];
            float[][] clipped = new float[count][];
            double[] size = new double[count];
            for (int i = 0; i < count; i++) {
                VeloTensor st = tensors.get(i);
                float[] p = params.get(i).values();
                VeloTensor.Stats stats;
                if (vector && VeloKernel.handles(st)) {
                    stats = VeloKernel.statsAndAccumulate(st, p, grads.get(i), parallel);
                } else {
                    float[] g = grads.get(i);
                    clipped[i] = new float[g.length];
                    for (int e = 0; e < g.length; e++) {
                        clipped[i][e] = VeloReference.clipGradient(g[e]);
                    }
                    stats = VeloReference.stats(st, p);
                    VeloReference.accumulate(st, clipped[i]);
                }
                features[i] = VeloController.tensorFeatures(fraction, lossFeatures, stats, st.sizeRank);
                size[i] = config.mup() ? st.spec.updateScale() : stats.paramScale();
            }
            VeloController.Controls controls = VeloController.forward(theta, layout, features, lstmH, lstmC);
            for (int i = 0; i < count; i++) {
                VeloTensor st = tensors.get(i);
                float[] w = VeloController.mix(theta, layout, controls.coefficients()[i], config.mixMult());
                float scale = (float) (0.001 * controls.lrMult()[i] * size[i]);
                float[] p = params.get(i).values();
                if (clipped[i] == null) {
                    VeloKernel.apply(st, p, grads.get(i), w, scale, parallel);
                } else {
                    VeloReference.apply(st, p, clipped[i], w, scale);
                }
            }
            step++;
        }

        @Override
        public OptimizerState exportState() {
            Map<String, float[]> t = new LinkedHashMap<>();
            t.put("loss/means", loss.means);
            t.put("loss/min", loss.runningMin);
            for (VeloTensor s : tensors) {
                t.putAll(s.arrays());
            }
            return new OptimizerState(VeloConfig.KIND, step, t);
        }

        @Override
        public void restoreState(OptimizerState state) {
            checkKind(state);
            loss.means = state.tensor("loss/means", VeloLossFeatures.EMAS);
            loss.runningMin = state.tensor("loss/min", VeloLossFeatures.EMAS);
            for (VeloTensor s : tensors) {
                s.restore(state);
            }
            step = state.step();
        }
    }
}
