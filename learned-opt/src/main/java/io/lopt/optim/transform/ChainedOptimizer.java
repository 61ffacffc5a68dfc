package io.lopt.optim.transform;

import io.lopt.kernels.Parallel;
import io.lopt.optim.AbstractOptimizer;
import io.lopt.optim.Optimizer;
import io.lopt.optim.OptimizerState;
import io.lopt.optim.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * Any {@link Optimizer} followed by {@link UpdateTransform}s, like {@code optax.chain(optimizer, transform, ...)}:
 * each step the inner optimizer computes its update, the transforms change it in order, and the result is added to
 * the parameters.
 *
 * <p>The inner optimizers of this project apply their step in place, so the update is recovered as the difference
 * u = p' − p (float32) between the parameters after and before the inner step: p ← p + T_k(… T_1(u)). The state is
 * the inner optimizer's state and the step count (which the transforms' schedules read), so
 * {@link #exportState()}/{@link #restoreState} resume bit-exactly.
 */
public final class ChainedOptimizer extends AbstractOptimizer {
    private static final int CHUNK = ScaleBySchedule.CHUNK;

    private final Optimizer inner;
    private final List<UpdateTransform> transforms;
    private final Parallel parallel;
    private final String kind;
    private final float[][] before;

    public ChainedOptimizer(Optimizer inner, List<UpdateTransform> transforms, Parallel parallel) {
        super(inner.specs());
        if (inner.stepsTaken() != 0) {
            throw new IllegalArgumentException("a chain starts from a fresh optimizer; this one has taken "
                    + inner.stepsTaken() + " steps (restore the chain's state instead)");
        }
        this.inner = inner;
        this.transforms = List.copyOf(transforms);
        this.parallel = parallel;
        StringBuilder k = new StringBuilder(inner.kind());
        for (UpdateTransform t : this.transforms) {
            k.append('+').append(t.kind());
        }
        this.kind = k.toString();
        this.before = new float[specs.size()][];
        for (int i = 0; i < specs.size(); i++) {
            before[i] = new float[specs.get(i).size()];
        }
    }

    /** The optimizer whose updates are transformed. */
    public Optimizer inner() {
        return inner;
    }

    public List<UpdateTransform> transforms() {
        return transforms;
    }

    /** {@code inner+transform+...}, e.g. {@code adam+scale_by_schedule+clip_by_global_norm}. */
    @Override
    public String kind() {
        return kind;
    }

    @Override
    public void step(List<Parameter> params, List<float[]> grads) {
        chained(params, grads, () -> inner.step(params, grads));
    }

    @Override
    public void step(List<Parameter> params, List<float[]> grads, double loss) {
        chained(params, grads, () -> inner.step(params, grads, loss));
    }

    private void chained(List<Parameter> params, List<float[]> grads, Runnable innerStep) {
        check(params, grads);
        for (int t = 0; t < specs.size(); t++) {
            System.arraycopy(params.get(t).values(), 0, before[t], 0, before[t].length);
        }
        innerStep.run();
        List<float[]> updates = new ArrayList<>(specs.size());
        for (int t = 0; t < specs.size(); t++) {
            float[] p = params.get(t).values();
            float[] b = before[t];
            forChunks(p.length, (from, to) -> {
                for (int i = from; i < to; i++) {
                    p[i] -= b[i]; // p now holds the update
                }
            });
            updates.add(p);
        }
        for (UpdateTransform tr : transforms) {
            tr.apply(step, specs, updates, parallel);
        }
        for (int t = 0; t < specs.size(); t++) {
            float[] p = params.get(t).values();
            float[] b = before[t];
            forChunks(p.length, (from, to) -> {
                for (int i = from; i < to; i++) {
                    p[i] = b[i] + p[i];
                }
            });
        }
        step++;
    }

    private interface Range {
        void run(int from, int to);
    }

    private void forChunks(int n, Range body) {
        parallel.forEach((n + CHUNK - 1) / CHUNK, c -> body.run(c * CHUNK, Math.min(n, (c + 1) * CHUNK)));
    }

    /** The inner optimizer's tensors under this chain's kind, and the step count. */
    @Override
    public OptimizerState exportState() {
        OptimizerState s = inner.exportState();
        return new OptimizerState(kind, step, s.tensors());
    }

    @Override
    public void restoreState(OptimizerState state) {
        checkKind(state);
        inner.restoreState(new OptimizerState(inner.kind(), state.step(), state.tensors()));
        step = state.step();
    }
}
