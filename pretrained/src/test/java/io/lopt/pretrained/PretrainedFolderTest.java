package io.lopt.pretrained;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.checkpoints.LearnedOptimizerKinds;
import io.lopt.checkpoints.Provenance;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.SmallFcLopt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainedFolderTest {
    @TempDir
    Path dir;

    static byte[] checkpoint(boolean mup, long seed) {
        return LearnedOptimizerKinds.of(SmallFcLopt.initial(mup ? LoptConfig.mulo() : LoptConfig.sp(), seed),
                Provenance.of("test " + seed)).toBytes();
    }

    static PretrainedEntry entry(String name, String file, byte[] bytes) {
        return PretrainedEntry.of(name, file, bytes, "a test optimizer",
                new PretrainedOrigin("quick", 1000, 91.5, "test machine", "./lopt meta-train --config quick", "t", "v",
                        "test"), List.of("row 1", "row 2"));
    }

    @Test
    void addWritesTheFileAndTheIndexEntry() throws Exception {
        byte[] b = checkpoint(true, 1);
        PretrainedIndex written = PretrainedFolder.add(dir, entry("mulo", "mulo.safetensors", b), b, false);
        assertArrayEquals(b, Files.readAllBytes(dir.resolve("mulo.safetensors")));
        PretrainedIndex read = PretrainedFolder.read(dir);
        assertEquals(written, read);
        PretrainedEntry e = read.get("mulo");
        assertEquals(Sha256.hex(b), e.sha256());
        assertEquals("small_fc_lopt", e.kind());
        assertTrue(e.config().get("mup").asBoolean());
        assertTrue(e.summary().startsWith("mulo(hidden=[32, 32]"), e.summary());
        assertEquals(List.of("row 1", "row 2"), e.results());
        assertEquals("1m32s", e.origin().wallTime());

        byte[] sp = checkpoint(false, 2);
        PretrainedFolder.add(dir, entry("sp-lo", "sp-lo.safetensors", sp), sp, false);
        assertEquals(List.of("mulo", "sp-lo"), PretrainedFolder.read(dir).names());
        assertFalse(PretrainedFolder.read(dir).get("sp-lo").config().get("mup").asBoolean());
    }

    @Test
    void replacingNeedsReplaceAndRemovesTheOldFile() throws Exception {
        byte[] a = checkpoint(true, 1);
        PretrainedFolder.add(dir, entry("mulo", "mulo.safetensors", a), a, false);
        byte[] b = checkpoint(true, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PretrainedFolder.add(dir, entry("mulo", "mulo-v2.safetensors", b), b, false));
        assertTrue(e.getMessage().contains("--replace"), e.getMessage());
        assertArrayEquals(a, Files.readAllBytes(dir.resolve("mulo.safetensors")));

        PretrainedFolder.add(dir, entry("mulo", "mulo-v2.safetensors", b), b, true);
        assertFalse(Files.exists(dir.resolve("mulo.safetensors")));
        assertEquals("mulo-v2.safetensors", PretrainedFolder.read(dir).get("mulo").file());
        assertEquals(Sha256.hex(b), PretrainedFolder.read(dir).get("mulo").sha256());
        assertEquals(1, PretrainedFolder.read(dir).entries().size());
    }

    @Test
    void refusesBytesThatAreNotTheEntrysAndAFileHoldingAnotherName() {
        byte[] a = checkpoint(true, 1);
        byte[] b = checkpoint(true, 2);
        assertThrows(IllegalArgumentException.class,
                () -> PretrainedFolder.add(dir, entry("mulo", "mulo.safetensors", a), b, false));
        PretrainedFolder.add(dir, entry("mulo", "mulo.safetensors", a), a, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PretrainedFolder.add(dir, entry("other", "mulo.safetensors", b), b, true));
        assertTrue(e.getMessage().contains("already holds 'mulo'"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> PretrainedFolder.add(dir.resolve("missing"), entry("x", "x.safetensors", a), a, false));
    }
}
