package io.lopt.metatrain.pes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.checkpoints.CheckpointException;
import io.lopt.checkpoints.OptimizerStates;
import io.lopt.checkpoints.Tensor;
import io.lopt.kernels.Parallel;
import io.lopt.metatrain.config.MetaTrainConfig.PesSpec;
import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.Optimizer;
import io.lopt.optim.OptimizerState;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optimizees.tasks.Task;
import io.lopt.optimizees.tasks.TaskData;
import io.lopt.optimizees.tasks.TaskDistribution;
import io.lopt.optimizees.tasks.TaskSpec;
import io.lopt.util.Rng;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real inner problem: training an optimizee {@link Task} drawn from a task distribution with the learned optimizer. An
 * episode is a task spec (its seed fixes the initialisation and the data order) and a log-uniform horizon; a member
 * holds the optimizee parameters, the learned optimizer's state and the position in the minibatch stream.
 */
public class TaskProblem implements InnerProblem<TaskProblem.Episode, TaskProblem.Member> {
    private final TaskDistribution distribution;
    private final LearnedOptimizer optimizer;
    private final PesSpec pes;
    private final TaskData data;
    private final AtomicLong fwdBwdNanos = new AtomicLong();
    private final AtomicLong optimizerNanos = new AtomicLong();

    /** @param data the run's datasets (shared with the run's other problems) */
    public TaskProblem(TaskDistribution distribution, LearnedOptimizer optimizer, PesSpec pes, TaskData data) {
        this.distribution = distribution;
        this.optimizer = optimizer;
        this.pes = pes;
        this.data = data;
    }

    /** A task and horizon shared by an antithetic pair. */
    public static final class Episode {
        final TaskSpec spec;
        final int horizon;
        final Task task;

        Episode(TaskSpec spec, int horizon, TaskData data) {
            this.spec = spec;
            this.horizon = horizon;
            this.task = Task.build(spec, data);
        }

        public TaskSpec spec() {
            return spec;
        }

        public Task task() {
            return task;
        }
    }

    /** One particle's trajectory state. */
    public static final class Member {
        final List<Parameter> params;
        OptimizerState optState;
        long innerStep;

        Member(List<Parameter> params, OptimizerState optState, long innerStep) {
            this.params = params;
            this.optState = optState;
            this.innerStep = innerStep;
        }

        /** The optimizee parameters (updated in place by an unroll). */
        public List<Parameter> params() {
            return params;
        }

        /** The optimizer's state after the last unroll, or null before the first. */
        public OptimizerState optimizerState() {
            return optState;
        }

        /** Position in the episode's minibatch stream. */
        public long innerStep() {
            return innerStep;
        }

        /** Records the outcome of an unroll done elsewhere (a batched backend). */
        public void advance(OptimizerState state, long steps) {
            this.optState = state;
            this.innerStep += steps;
        }
    }

    public LearnedOptimizer optimizer() {
        return optimizer;
    }

    /** Adds time to the forward/backward and optimizer counters (for backends that unroll elsewhere). */
    protected void addTimings(long fwdBwd, long opt) {
        fwdBwdNanos.addAndGet(fwdBwd);
        optimizerNanos.addAndGet(opt);
    }

    /** Nanoseconds spent in forward/backward and in optimizer steps since the last call (summed over threads). */
    public long[] takeTimings() {
        return new long[] {fwdBwdNanos.getAndSet(0), optimizerNanos.getAndSet(0)};
    }

    @Override
    public Episode sampleEpisode(Rng rng) {
        TaskSpec spec = distribution.sample(rng);
        int h = (int) Math.round(rng.nextLogUniform(pes.minHorizon(), pes.maxHorizon()));
        return new Episode(spec, h, data);
    }

    @Override
    public int horizon(Episode e) {
        return e.horizon;
    }

    @Override
    public double lossCap(Episode e) {
        return e.task.lossCap();
    }

    @Override
    public Member start(Episode e) {
        return new Member(e.task.init(), null, 0);
    }

    @Override
    public void unroll(Episode e, Member m, float[] theta, int n, double[] losses, Parallel par) {
        Task task = e.task;
        Optimizer opt = optimizer.withTheta(theta).create(task.specs(), io.lopt.optim.RunContext.of(e.horizon, par));
        if (m.optState != null) {
            opt.restoreState(m.optState);
        }
        Task.Workspace ws = task.newWorkspace();
        int s = 0;
        for (; s < n; s++) {
            long t0 = System.nanoTime();
            double loss = task.lossAndGradient(m.params, m.innerStep, ws.grads(), ws, par);
            long t1 = System.nanoTime();
            fwdBwdNanos.addAndGet(t1 - t0);
            losses[s] = loss;
            if (!Double.isFinite(loss)) {
                break;
            }
            opt.step(m.params, ws.grads(), loss);
            optimizerNanos.addAndGet(System.nanoTime() - t1);
            m.innerStep++;
        }
        for (int q = s + 1; q < n; q++) {
            losses[q] = Double.NaN;
        }
        m.optState = opt.exportState();
    }

    @Override
    public ObjectNode saveEpisode(Episode e) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("task", e.spec.toString());
        o.put("horizon", e.horizon);
        return o;
    }

    @Override
    public Episode loadEpisode(JsonNode json) {
        return new Episode(TaskSpec.parse(json.get("task").asText()), json.get("horizon").asInt(), data);
    }

    @Override
    public void saveMember(Member m, String prefix, List<Tensor> tensors, ObjectNode meta) {
        meta.put("inner_step", m.innerStep);
        for (Parameter p : m.params) {
            tensors.add(Tensor.f32(prefix + "/param/" + p.name(), p.spec().shape(), p.values()));
        }
        if (m.optState != null) {
            meta.put("opt_kind", m.optState.kind());
            meta.put("opt_step", m.optState.step());
            tensors.addAll(OptimizerStates.toTensors(prefix + "/opt", m.optState));
        }
    }

    @Override
    public Member loadMember(Episode e, String prefix, Map<String, Tensor> tensors, JsonNode meta) {
        List<Parameter> params = new ArrayList<>();
        for (ParamSpec s : e.task.specs()) {
            Tensor t = tensors.get(prefix + "/param/" + s.name());
            if (t == null || t.elements() != s.size()) {
                throw new CheckpointException(CheckpointException.Kind.MISMATCH, null, "state lacks a valid "
                        + prefix + "/param/" + s.name());
            }
            params.add(new Parameter(s, t.floats()));
        }
        OptimizerState st = null;
        if (meta.has("opt_kind")) {
            st = OptimizerStates.fromTensors(prefix + "/opt", meta.get("opt_kind").asText(), meta.get("opt_step").asLong(),
                    tensors);
        }
        return new Member(params, st, meta.get("inner_step").asLong());
    }
}
