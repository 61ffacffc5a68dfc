package io.lopt.optimizees.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A place the user named ($LOPT_FASHION_MNIST_DIR) is used or named in the error, never replaced by another copy. */
class FashionMnistLocateTest {
    @TempDir
    Path dir;

    @Test
    void theEnvironmentVariableIsUsedOrNamed() throws Exception {
        DatasetException e = assertThrows(DatasetException.class, () -> FashionMnist.locate(null, "/nonexistent"));
        assertTrue(e.getMessage().startsWith("Fashion-MNIST IDX files not found in $LOPT_FASHION_MNIST_DIR = /nonexistent"),
                e.getMessage());
        for (String f : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte.gz"}) {
            Files.write(dir.resolve(f), new byte[0]);
        }
        assertEquals(dir, FashionMnist.locate(null, dir.toString()));
        Path other = dir.resolve("other");
        Files.createDirectories(other);
        assertEquals(dir, FashionMnist.locate(dir, other.toString()), "--data-dir comes first");
    }
}
