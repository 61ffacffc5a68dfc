package io.lopt.pretrained;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import io.lopt.checkpoints.LearnedOptimizerKinds;
import io.lopt.optim.Optimizer;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optim.Role;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every learned optimizer the index lists is shipped, intact, and what the index says it is. */
class PretrainedCheckpointsTest {

    @Test
    void theIndexListsAtLeastOneLearnedOptimizer() {
        assertFalse(Pretrained.names().isEmpty(), "the pretrained index is empty");
    }

    @TestFactory
    Stream<DynamicTest> everyIndexEntry() {
        return Pretrained.index().entries().stream().map(e -> dynamicTest(e.name(), () -> check(e)));
    }

    static void check(PretrainedEntry e) throws Exception {
        URL url = Pretrained.class.getResource(e.file());
        assertNotNull(url, e.file() + " is not in the pretrained resources");
        byte[] bytes;
        try (InputStream in = url.openStream()) {
            bytes = in.readAllBytes();
        }
        assertEquals(e.sha256(), Sha256.hex(bytes), e.name() + ": SHA-256 of " + e.file());

        LearnedOptimizerCheckpoint c = Pretrained.checkpoint(e.name());
        assertEquals(e.kind(), c.optimizer(), e.name() + ": kind");
        assertEquals(e.config(), c.config(), e.name() + ": configuration");
        assertEquals(e.summary(), LearnedOptimizerKinds.factory(c).describe(), e.name() + ": summary");
        assertEquals(e.checkpointSha256(), c.sha256(), e.name() + ": the checkpoint's content SHA-256");
        assertEquals(e.origin().outerSteps(), c.provenance().outerStep(), e.name() + ": outer steps");
        assertEquals(e.origin().created(), c.provenance().created(), e.name() + ": created");
        assertEquals(e.origin().source(), c.provenance().source(), e.name() + ": source");
        assertFalse(e.description().isBlank(), e.name() + ": description");
        assertFalse(e.origin().command().isBlank(), e.name() + ": command to regenerate");
        assertFalse(e.origin().machine().isBlank(), e.name() + ": machine");

        float[] theta = c.theta();
        boolean nonZero = false;
        for (int i = 0; i < theta.length; i++) {
            assertTrue(Float.isFinite(theta[i]), e.name() + ": θ[" + i + "] = " + theta[i]);
            nonZero |= theta[i] != 0;
        }
        assertTrue(nonZero, e.name() + ": θ is all zeros");

        CheckpointSource s = CheckpointSource.resolve(Pretrained.PREFIX + e.name());
        assertEquals(Pretrained.PREFIX + e.name(), s.location());
        assertEquals(c.sha256(), s.learnedOptimizer().sha256());

        // and it trains: one step on a small μP/SP network moves every tensor and keeps it finite
        boolean mup = LearnedOptimizerKinds.mup(c);
        List<ParamSpec> specs = List.of(
                spec(mup, "w", new int[] {16, 8}, Role.INPUT, 16),
                spec(mup, "b", new int[] {8}, Role.BIAS, 1),
                spec(mup, "out", new int[] {8, 4}, Role.OUTPUT, 8));
        List<Parameter> params = new ArrayList<>();
        List<float[]> grads = new ArrayList<>();
        java.util.Random rnd = new java.util.Random(1);
        for (ParamSpec p : specs) {
            Parameter x = Parameter.zeros(p);
            float[] g = new float[x.size()];
            for (int i = 0; i < g.length; i++) {
                x.values()[i] = (float) rnd.nextGaussian();
                g[i] = (float) rnd.nextGaussian();
            }
            params.add(x);
            grads.add(g);
        }
        List<Parameter> before = params.stream().map(Parameter::copy).toList();
        Optimizer opt = Pretrained.factory(e.name()).create(specs, 100);
        opt.step(params, grads, 2.3);
        for (int i = 0; i < params.size(); i++) {
            for (float v : params.get(i).values()) {
                assertTrue(Float.isFinite(v), e.name() + ": non-finite parameter after one step");
            }
            assertNotEquals(java.util.Arrays.toString(before.get(i).values()),
                    java.util.Arrays.toString(params.get(i).values()), e.name() + ": one step left " + specs.get(i).name()
                            + " unchanged");
        }
    }

    private static ParamSpec spec(boolean mup, String name, int[] shape, Role role, int fanIn) {
        return mup ? ParamSpec.mup(name, shape, role, fanIn, 1.0) : ParamSpec.standard(name, shape, role, fanIn);
    }

    @Test
    void everyShippedCheckpointIsListed() throws Exception {
        Path dir = Path.of(Pretrained.class.getResource(PretrainedIndex.FILE).toURI()).getParent();
        Set<String> files = new TreeSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).forEach(files::add);
        }
        Set<String> listed = new TreeSet<>();
        Pretrained.index().entries().forEach(e -> listed.add(e.file()));
        assertEquals(listed, files, "checkpoint files in " + dir + " vs the index");
    }
}
