package io.lopt.optimizees.datasets;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader of the IDX format of MNIST and Fashion-MNIST, raw or gzipped: a big-endian magic number (2051 for images,
 * 2049 for labels) followed by the dimensions and the unsigned bytes. Everything is checked (magic, dimensions, file
 * length), and a truncated or foreign file gets a {@link DatasetException} naming the file and the problem.
 */
public final class Idx {
    public static final int IMAGES_MAGIC = 2051;
    public static final int LABELS_MAGIC = 2049;
    private static final long MAX_BYTES = 1L << 30;

    private Idx() {
    }

    /** Images: {@code count} images of {@code rows × cols} unsigned bytes, row-major. */
    public record Images(int count, int rows, int cols, byte[] pixels) {
        public int pixel(int image, int r, int c) {
            return pixels[(image * rows + r) * cols + c] & 0xFF;
        }
    }

    public static Images readImages(Path file) {
        ByteBuffer buf = ByteBuffer.wrap(readAll(file));
        int magic = header(buf, file, 16, IMAGES_MAGIC, "images");
        int count = dim(buf, file, "image count");
        int rows = dim(buf, file, "row count");
        int cols = dim(buf, file, "column count");
        long expected = 16L + (long) count * rows * cols;
        checkLength(file, buf.capacity(), expected, count + " images of " + rows + "x" + cols);
        byte[] px = new byte[count * rows * cols];
        buf.position(16);
        buf.get(px);
        assert magic == IMAGES_MAGIC;
        return new Images(count, rows, cols, px);
    }

    public static byte[] readLabels(Path file) {
        ByteBuffer buf = ByteBuffer.wrap(readAll(file));
        header(buf, file, 8, LABELS_MAGIC, "labels");
        int count = dim(buf, file, "label count");
        checkLength(file, buf.capacity(), 8L + count, count + " labels");
        byte[] labels = new byte[count];
        buf.position(8);
        buf.get(labels);
        return labels;
    }

    private static int header(ByteBuffer buf, Path file, int headerBytes, int expectedMagic, String what) {
        if (buf.capacity() < headerBytes) {
            throw new DatasetException(file + ": not an IDX " + what + " file: only " + buf.capacity()
                    + " bytes, the header alone has " + headerBytes);
        }
        int magic = buf.getInt(0);
        if (magic != expectedMagic) {
            String hint = (magic == IMAGES_MAGIC || magic == LABELS_MAGIC)
                    ? " (this is an IDX " + (magic == IMAGES_MAGIC ? "images" : "labels") + " file; were the files swapped?)"
                    : "";
            throw new DatasetException(file + ": not an IDX " + what + " file: magic number " + magic + ", expected "
                    + expectedMagic + hint);
        }
        buf.position(4);
        return magic;
    }

    private static int dim(ByteBuffer buf, Path file, String what) {
        int d = buf.getInt();
        if (d <= 0) {
            throw new DatasetException(file + ": invalid " + what + " " + d + " in the IDX header");
        }
        return d;
    }

    private static void checkLength(Path file, long actual, long expected, String content) {
        if (expected > MAX_BYTES) {
            throw new DatasetException(file + ": the IDX header claims " + content + " (" + expected
                    + " bytes), which is implausibly large");
        }
        if (actual < expected) {
            throw new DatasetException(file + ": truncated: the header announces " + content + " = " + expected
                    + " bytes, but the file has " + actual);
        }
        if (actual > expected) {
            throw new DatasetException(file + ": " + (actual - expected) + " unexpected trailing bytes after " + content);
        }
    }

    /** The whole (decompressed) content of the file. */
    static byte[] readAll(Path file) {
        if (!Files.exists(file)) {
            throw new DatasetException(file + ": file not found");
        }
        if (Files.isDirectory(file)) {
            throw new DatasetException(file + ": is a directory, expected an IDX file");
        }
        try (InputStream raw = Files.newInputStream(file)) {
            InputStream in = new java.io.BufferedInputStream(raw, 1 << 16);
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                in = new GZIPInputStream(in, 1 << 16);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
            byte[] chunk = new byte[1 << 16];
            long total = 0;
            for (int r; (r = in.read(chunk)) > 0; ) {
                total += r;
                if (total > MAX_BYTES) {
                    throw new DatasetException(file + ": more than " + MAX_BYTES + " bytes: not a dataset file");
                }
                out.write(chunk, 0, r);
            }
            return out.toByteArray();
        } catch (EOFException e) {
            throw new DatasetException(file + ": truncated gzip stream (the file ends early; re-install or re-download it)", e);
        } catch (ZipException e) {
            throw new DatasetException(file + ": damaged gzip data: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
