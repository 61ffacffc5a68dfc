package io.lopt.checkpoints;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lopt.optim.Optimizer;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optim.Role;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.velo.VeloConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LearnedOptimizerKindsTest {
    @TempDir
    Path dir;

    @Test
    void kindsAreFoundOnTheClassPath() {
        assertEquals(List.of("scaled_sgd", "small_fc_lopt", "velo"), LearnedOptimizerKinds.names());
        assertTrue(LearnedOptimizerKinds.of(LoptConfig.mulo()) instanceof SmallFcLoptKind);
        assertTrue(LearnedOptimizerKinds.of(VeloConfig.muVelo()) instanceof VeloKind);
        assertEquals("μVeLO", LearnedOptimizerKinds.of(VeloConfig.muVelo()).displayName(VeloConfig.muVelo()));
        assertEquals("sp-lo", LearnedOptimizerKinds.of(LoptConfig.mulo()).shortName(new LoptConfig(
                LoptConfig.mulo().hiddenSizes(), 0.001, 0.001, false)));
        CheckpointException e = assertThrows(CheckpointException.class, () -> LearnedOptimizerKinds.get("adam2", null));
        assertTrue(e.getMessage().contains("known: [scaled_sgd, small_fc_lopt, velo]"), e.getMessage());
    }

    @Test
    void aKindThatIsOnlyAFileAndAServiceEntryCheckpointsAndTrains() throws Exception {
        ScaledSgdKind.ScaledSgd family = new ScaledSgdKind.ScaledSgd(true);
        LearnedOptimizerCheckpoint c = LearnedOptimizerKinds.of(family, new float[] {0.5f}, Provenance.of("test"));
        Path f = dir.resolve("sgd.safetensors");
        c.write(f);
        LearnedOptimizerCheckpoint back = LearnedOptimizerCheckpoint.read(f);
        assertEquals("scaled_sgd", back.optimizer());
        assertEquals(family, LearnedOptimizerKinds.family(back));
        ParamSpec spec = ParamSpec.mup("w", new int[] {4, 2}, Role.HIDDEN, 4, 1.0); // s_W = 1/4
        Parameter p = Parameter.zeros(spec);
        Optimizer opt = LearnedOptimizerKinds.factory(back).create(List.of(spec));
        float[] g = {1, 1, 1, 1, 1, 1, 1, 1};
        opt.step(List.of(p), List.of(g));
        assertArrayEquals(new float[] {-0.125f, -0.125f, -0.125f, -0.125f, -0.125f, -0.125f, -0.125f, -0.125f},
                p.values(), 1e-7f);
        ObjectMapper json = new ObjectMapper();
        assertEquals(family, LearnedOptimizerKinds.fromSettings(json.readTree("{\"kind\": \"scaled_sgd\", \"mup\": true}")));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> LearnedOptimizerKinds
                .fromSettings(json.readTree("{\"kind\": \"scaled_sgd\", \"mup\": true, \"lr\": 2}")));
        assertEquals("unknown scaled_sgd configuration key 'optimizer.lr' (known: [mup])", bad.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> LearnedOptimizerKinds
                .fromSettings(json.readTree("{\"kind\": \"lion\"}")));
        assertTrue(unknown.getMessage().startsWith("optimizer.kind must be one of [scaled_sgd, small_fc_lopt, velo]"));
    }
}
