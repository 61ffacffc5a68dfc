package io.lopt.pretrained;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.checkpoints.CheckpointException;
import io.lopt.checkpoints.LearnedOptimizerCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointSourceTest {
    @TempDir
    Path dir;

    @Test
    void aFileResolvesToItsAbsolutePath() throws Exception {
        Path f = dir.resolve("lo.safetensors");
        Files.write(f, PretrainedIndexTest.A);
        CheckpointSource s = CheckpointSource.resolve(f.toString());
        assertFalse(s.pretrained());
        assertEquals(f.toAbsolutePath().normalize().toString(), s.location());
        assertArrayEquals(LearnedOptimizerCheckpoint.read(f).theta(), s.learnedOptimizer().theta());
        assertEquals(PretrainedIndexTest.A.length, s.size());
    }

    @Test
    void aPretrainedNameResolvesToTheShippedCheckpoint() {
        String name = Pretrained.names().get(0);
        CheckpointSource s = CheckpointSource.resolve("pretrained:" + name);
        assertTrue(s.pretrained());
        assertEquals("pretrained:" + name, s.location());
        assertEquals(Pretrained.info(name).checkpointSha256(), s.learnedOptimizer().sha256());
    }

    @Test
    void unknownNamesAndMissingFilesListTheAvailableNames() {
        String names = String.join(", ", Pretrained.names());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointSource.resolve("pretrained:nope"));
        assertEquals("unknown pretrained learned optimizer 'nope' (available: " + names + ")", e.getMessage());
        CheckpointException m = assertThrows(CheckpointException.class,
                () -> CheckpointSource.resolve(dir.resolve("missing.safetensors").toString()));
        assertEquals(CheckpointException.Kind.NOT_FOUND, m.kind());
        assertTrue(m.getMessage().contains("pretrained:NAME with NAME one of: " + names), m.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CheckpointSource.resolve(" "));
    }

    @Test
    void aShippedFileThatDoesNotMatchItsIndexIsRefused() {
        PretrainedEntry e = Pretrained.info(Pretrained.names().get(0));
        byte[] b = Pretrained.bytes(e.name());
        b[b.length - 1] ^= 1;
        CheckpointException x = assertThrows(CheckpointException.class, () -> Pretrained.checked(e, b));
        assertEquals(CheckpointException.Kind.CHECKSUM_MISMATCH, x.kind());
        assertTrue(x.getMessage().startsWith("pretrained:" + e.name() + ": "), x.getMessage());
    }
}
