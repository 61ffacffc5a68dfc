package io.lopt.checkpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The header length is checked against the file size before the file is read. */
class SafetensorsHeaderTest {
    @TempDir
    Path dir;

    static Path sparse(Path f, long size, long headerLength) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array());
            raf.setLength(size); // sparse: no data blocks
        }
        return f;
    }

    @Test
    void aLargeFileWithABadHeaderLengthIsRefusedWithoutReadingIt() throws Exception {
        // 3 GB (sparse): more than a Java array holds, so a reader that loads the file before checking the header
        // dies with an OutOfMemoryError instead of the CheckpointException asserted here (no wall-clock assertion:
        // this machine is shared and noisy)
        Path zeros = sparse(dir.resolve("zeros.safetensors"), 3_000_000_000L, 0);
        Path huge = sparse(dir.resolve("huge.safetensors"), 3_000_000_000L, 1L << 40);
        Path longer = sparse(dir.resolve("longer.safetensors"), 1000, 5000);
        {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Safetensors.read(zeros));
            assertEquals(CheckpointException.Kind.CORRUPT, e.kind());
            assertTrue(e.getMessage().contains("absurd header length 0"), e.getMessage());
            e = assertThrows(CheckpointException.class, () -> Safetensors.read(huge));
            assertTrue(e.getMessage().contains("absurd header length 1099511627776"), e.getMessage());
            assertEquals(CheckpointException.Kind.CORRUPT,
                    assertThrows(CheckpointException.class, () -> LearnedOptimizerCheckpoint.read(zeros)).kind());
            assertEquals(CheckpointException.Kind.CORRUPT,
                    assertThrows(CheckpointException.class, () -> StateCheckpoint.read(zeros)).kind());
        }
        CheckpointException e = assertThrows(CheckpointException.class, () -> Safetensors.read(longer));
        assertEquals(CheckpointException.Kind.TRUNCATED, e.kind());
        assertTrue(e.getMessage().contains("header of 5000 bytes announced, but the file has only 992 bytes"),
                e.getMessage());
    }
}
