package io.lopt.optimizees.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path dir;

    static byte[] images(int count, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(16 + count * rows * cols);
        b.putInt(Idx.IMAGES_MAGIC).putInt(count).putInt(rows).putInt(cols);
        for (int i = 0; i < count * rows * cols; i++) {
            b.put((byte) (i * 7));
        }
        return b.array();
    }

    static byte[] labels(int count) {
        ByteBuffer b = ByteBuffer.allocate(8 + count);
        b.putInt(Idx.LABELS_MAGIC).putInt(count);
        for (int i = 0; i < count; i++) {
            b.put((byte) (i % 10));
        }
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(raw);
        }
        return bos.toByteArray();
    }

    Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    @Test
    void readsRawAndGzippedFilesIdentically() throws IOException {
        byte[] raw = images(3, 4, 5);
        Idx.Images a = Idx.readImages(write("a", raw));
        Idx.Images b = Idx.readImages(write("b.gz", gzip(raw)));
        assertEquals(3, a.count());
        assertEquals(4, a.rows());
        assertEquals(5, a.cols());
        assertArrayEquals(a.pixels(), b.pixels());
        assertEquals((byte) (7 * (1 * 20 + 2 * 5 + 3)) & 0xFF, a.pixel(1, 2, 3));
        assertArrayEquals(Arrays.copyOfRange(labels(12), 8, 20), Idx.readLabels(write("l.gz", gzip(labels(12)))));
    }

    @Test
    void truncatedFileNamesTheFileAndTheSizes() throws IOException {
        byte[] raw = images(3, 4, 5);
        Path p = write("trunc", Arrays.copyOf(raw, raw.length - 1));
        DatasetException e = assertThrows(DatasetException.class, () -> Idx.readImages(p));
        assertTrue(e.getMessage().contains("trunc") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void truncatedGzipStreamIsReported() throws IOException {
        byte[] gz = gzip(images(50, 28, 28));
        Path p = write("cut.gz", Arrays.copyOf(gz, gz.length / 2));
        DatasetException e = assertThrows(DatasetException.class, () -> Idx.readImages(p));
        assertTrue(e.getMessage().contains("cut.gz") && e.getMessage().contains("gzip"), e.getMessage());
    }

    @Test
    void foreignFileIsRejectedByItsMagicNumber() throws IOException {
        Path p = write("foreign", "hello, this is not an IDX file at all".getBytes());
        DatasetException e = assertThrows(DatasetException.class, () -> Idx.readImages(p));
        assertTrue(e.getMessage().contains("magic number"), e.getMessage());
    }

    @Test
    void swappedLabelAndImageFilesAreDiagnosed() throws IOException {
        Path p = write("labels", labels(10));
        DatasetException e = assertThrows(DatasetException.class, () -> Idx.readImages(p));
        assertTrue(e.getMessage().contains("swapped"), e.getMessage());
    }

    @Test
    void trailingBytesAndBadDimensionsAreRejected() throws IOException {
        byte[] raw = images(2, 2, 2);
        byte[] longer = Arrays.copyOf(raw, raw.length + 3);
        assertThrows(DatasetException.class, () -> Idx.readImages(write("long", longer)));
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putInt(Idx.IMAGES_MAGIC).putInt(0).putInt(28).putInt(28);
        DatasetException e = assertThrows(DatasetException.class, () -> Idx.readImages(write("zero", b.array())));
        assertTrue(e.getMessage().contains("image count"), e.getMessage());
        assertThrows(DatasetException.class, () -> Idx.readImages(write("short", new byte[5])));
    }

    @Test
    void missingFileAndDirectoryGetClearErrors() {
        assertTrue(assertThrows(DatasetException.class, () -> Idx.readImages(dir.resolve("nope"))).getMessage()
                .contains("not found"));
        assertTrue(assertThrows(DatasetException.class, () -> Idx.readLabels(dir)).getMessage().contains("directory"));
    }

    @Test
    void fashionMnistLocatorExplainsHowToInstall() {
        DatasetException e = assertThrows(DatasetException.class, () -> FashionMnist.locate(dir));
        assertTrue(e.getMessage().contains("--data-dir"), e.getMessage());
    }

    @Test
    void fashionMnistLoadsFromAGivenDirectory() throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(20, 28, 28));
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(labels(20)));
        Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), gzip(images(10, 28, 28)));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), labels(10));
        Dataset d = FashionMnist.load(dir, 14);
        assertEquals(196, d.features());
        assertEquals(20, d.train().n());
        assertEquals(10, d.test().n());
        // one global mean and std fitted on the training split (not per pixel): over all pixels mean 0 and std 1
        double sum = 0;
        double sq = 0;
        float[] x = d.train().x();
        for (int i = 0; i < 20 * 196; i++) {
            sum += x[i];
            sq += (double) x[i] * x[i];
        }
        assertEquals(0, sum / (20 * 196), 1e-5);
        assertEquals(1, Math.sqrt(sq / (20 * 196)), 1e-4);
        // per pixel, the mean is not 0: a per-pixel standardiser would make every column's mean 0
        double worst = 0;
        for (int f = 0; f < d.features(); f++) {
            double s = 0;
            for (int i = 0; i < 20; i++) {
                s += x[i * 196 + f];
            }
            worst = Math.max(worst, Math.abs(s / 20));
        }
        assertTrue(worst > 0.05, "pixels keep their own means: " + worst);
    }
}
