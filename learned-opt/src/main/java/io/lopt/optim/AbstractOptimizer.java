package io.lopt.optim;

import java.util.List;

/** Shape checking and step counting shared by the optimizers in this package. */
public abstract class AbstractOptimizer implements Optimizer {
    protected final List<ParamSpec> specs;
    protected long step;

    protected AbstractOptimizer(List<ParamSpec> specs) {
        if (specs == null || specs.isEmpty()) {
            throw new IllegalArgumentException("an optimizer needs at least one parameter tensor");
        }
        this.specs = List.copyOf(specs);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (ParamSpec s : this.specs) {
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("duplicate parameter name '" + s.name() + "'");
            }
        }
    }

    @Override
    public final List<ParamSpec> specs() {
        return specs;
    }

    @Override
    public final long stepsTaken() {
        return step;
    }

    /** Checks that params and grads match the specs, naming the first mismatch. */
    protected final void check(List<Parameter> params, List<float[]> grads) {
        if (params.size() != specs.size()) {
            throw new IllegalArgumentException(kind() + ": expected " + specs.size() + " parameter tensors, got "
                    + params.size());
        }
        if (grads.size() != specs.size()) {
            throw new IllegalArgumentException(kind() + ": expected " + specs.size() + " gradient tensors, got "
                    + grads.size());
        }
        for (int i = 0; i < specs.size(); i++) {
            ParamSpec s = specs.get(i);
            Parameter p = params.get(i);
            if (!p.spec().name().equals(s.name()) || !java.util.Arrays.equals(p.spec().shape(), s.shape())) {
                throw new IllegalArgumentException(kind() + ": tensor " + i + " is " + p.spec().name()
                        + p.spec().shapeString() + " but this optimizer was created for " + s.name() + s.shapeString());
            }
            float[] g = grads.get(i);
            if (g == null || g.length != s.size()) {
                throw new IllegalArgumentException(kind() + ": gradient of '" + s.name() + "' has "
                        + (g == null ? "no" : String.valueOf(g.length)) + " values, expected " + s.size()
                        + " (shape " + s.shapeString() + ")");
            }
        }
    }

    protected final void checkKind(OptimizerState state) {
        if (!kind().equals(state.kind())) {
            throw new IllegalArgumentException("cannot restore a '" + state.kind() + "' state into a '" + kind()
                    + "' optimizer");
        }
    }
}
