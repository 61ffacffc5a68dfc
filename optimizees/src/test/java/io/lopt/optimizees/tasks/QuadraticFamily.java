package io.lopt.optimizees.tasks;

import io.lopt.kernels.Parallel;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optim.Role;
import io.lopt.util.Rng;
import java.util.ArrayList;
import java.util.List;

/**
 * A task family that exists only in the tests, registered by its service file alone, as a third-party family would
 * be: noisy least squares, loss ½·mean((p − target − noise_t)²) over {@code dim} parameters, where noise_t depends on
 * the seed and the step. Shows that the runners need nothing but the {@link Task} interface.
 */
public final class QuadraticFamily implements TaskFamily {
    static final TaskSpec DEFAULTS = new TaskSpec("quadratic", java.util.Map.of("dim", "16", "noise", "0.1"), 1, 1,
            io.lopt.optimizees.models.Parametrization.SP, 1, 0);

    @Override
    public String name() {
        return "quadratic";
    }

    @Override
    public String description() {
        return "noisy least squares (tests only)";
    }

    @Override
    public List<String> optionKeys() {
        return List.of("dim", "noise");
    }

    @Override
    public TaskSpec defaults() {
        return DEFAULTS;
    }

    @Override
    public void check(TaskSpec spec) {
        int dim = TaskSpec.parseIntOption(name(), "dim", spec.option("dim"));
        if (dim < 1) {
            throw new IllegalArgumentException("quadratic dim must be at least 1, got " + dim);
        }
        Double.parseDouble(spec.option("noise"));
    }

    @Override
    public String label(TaskSpec spec) {
        return "quad" + spec.option("dim");
    }

    @Override
    public Task build(TaskSpec spec, TaskData data) {
        return new Quadratic(spec);
    }

    @Override
    public double parameters(TaskSpec spec) {
        return spec.intOption("dim");
    }

    @Override
    public double flopsPerStep(TaskSpec spec) {
        return 3.0 * spec.intOption("dim");
    }

    @Override
    public double trainingBytes(TaskSpec spec, int stateFloats) {
        return 4.0 * spec.intOption("dim") * (2 + stateFloats);
    }

    @Override
    public String dataKey(TaskSpec spec) {
        return "none";
    }

    @Override
    public double dataBytes(TaskSpec spec) {
        return 0;
    }

    static final class Quadratic implements Task {
        private final TaskSpec spec;
        private final int dim;
        private final double noise;
        private final List<ParamSpec> specs;

        Quadratic(TaskSpec spec) {
            this.spec = spec;
            this.dim = spec.intOption("dim");
            this.noise = Double.parseDouble(spec.option("noise"));
            this.specs = List.of(ParamSpec.standard("p", new int[] {dim}, Role.BIAS, 1));
        }

        @Override
        public TaskSpec spec() {
            return spec;
        }

        @Override
        public List<ParamSpec> specs() {
            return specs;
        }

        @Override
        public List<Parameter> init(long seed) {
            float[] p = new float[dim];
            new Rng(seed).fillNormal(p, 1.0);
            return new ArrayList<>(List.of(new Parameter(specs.get(0), p)));
        }

        @Override
        public Workspace newWorkspace() {
            List<float[]> g = List.of(new float[dim]);
            return () -> g;
        }

        private static float target(int i) {
            return 0.5f * (i % 3);
        }

        @Override
        public double lossAndGradient(List<Parameter> params, long t, List<float[]> grads, Workspace ws, Parallel par) {
            Rng rng = Rng.derive(spec.seed(), t);
            float[] p = params.get(0).values();
            float[] g = grads.get(0);
            double loss = 0;
            for (int i = 0; i < dim; i++) {
                double d = p[i] - target(i) - noise * rng.nextGaussian();
                loss += 0.5 * d * d / dim;
                g[i] = (float) (d / dim);
            }
            return loss;
        }

        private Evaluation exact(List<Parameter> params) {
            float[] p = params.get(0).values();
            double loss = 0;
            for (int i = 0; i < dim; i++) {
                double d = p[i] - target(i);
                loss += 0.5 * d * d / dim;
            }
            return new Evaluation(loss, 0);
        }

        @Override
        public Evaluation evaluateTest(List<Parameter> params, Workspace ws, Parallel par) {
            return exact(params);
        }

        @Override
        public Evaluation evaluateTrain(List<Parameter> params, int n, Workspace ws, Parallel par) {
            return exact(params);
        }

        @Override
        public int classes() {
            return 2;
        }
    }
}
