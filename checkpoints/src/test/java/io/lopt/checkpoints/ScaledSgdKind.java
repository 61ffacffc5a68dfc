package io.lopt.checkpoints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.optim.LearnedOptimizer;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optim.Sgd;
import io.lopt.optim.lo.MetaParameters;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A learned-optimizer kind that exists only in the tests, registered in the test class path's
 * META-INF/services: SGD whose learning rate is θ[0]. It shows that a new kind is a new file and a service entry.
 */
public final class ScaledSgdKind implements LearnedOptimizerKind {
    /** The family: SGD with a meta-learned learning rate, optionally scaled by s_W. */
    public record ScaledSgd(boolean mup) implements LearnedOptimizer {
        @Override
        public String kind() {
            return "scaled_sgd";
        }

        @Override
        public int thetaSize() {
            return 1;
        }

        @Override
        public float[] initialTheta(long seed) {
            return new float[] {0.01f};
        }

        @Override
        public OptimizerFactory withTheta(float[] theta) {
            return new Sgd.Config(LearnedOptimizer.checkedTheta(theta, 1, "scaled_sgd")[0], 0, mup);
        }
    }

    @Override
    public String name() {
        return "scaled_sgd";
    }

    @Override
    public Class<ScaledSgd> type() {
        return ScaledSgd.class;
    }

    @Override
    public LearnedOptimizer parse(JsonNode config, boolean checkpoint, String keyPrefix,
            Function<String, RuntimeException> error) {
        LearnedOptimizerKinds.checkKeys(config, Set.of("mup"), Set.of(), name(), keyPrefix, error);
        return new ScaledSgd(config.get("mup").asBoolean());
    }

    @Override
    public ObjectNode toJson(LearnedOptimizer family) {
        return JsonNodeFactory.instance.objectNode().put("mup", family.mup());
    }

    @Override
    public Collection<MetaParameters.View> layout(LearnedOptimizer family) {
        return List.of(new MetaParameters.View("lr", 0, new int[] {1}));
    }

    @Override
    public String displayName(LearnedOptimizer family) {
        return "scaled SGD";
    }

    @Override
    public String shortName(LearnedOptimizer family) {
        return "scaled-sgd";
    }
}
