package io.lopt.optimizees.datasets;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST (Xiao et al. 2017) from its standard IDX files, at 28×28 or area-averaged to a smaller square
 * resolution (8×8 and 14×14 are the ones the presets use), standardised with one global mean and standard deviation
 * of the training split's pixels at that resolution ({@link Standardizer}), and the published 60,000 / 10,000
 * train/test split.
 *
 * <p>The files are looked for in {@code --data-dir} (passed here as {@code dataDir}), then in the directory named by
 * the environment variable {@value #ENV}, then in {@value #DEFAULT_DIR} (where Debian's and Ubuntu's
 * {@code dataset-fashion-mnist} package puts them). Nothing is ever downloaded.
 */
public final class FashionMnist {
    public static final String ENV = "LOPT_FASHION_MNIST_DIR";
    public static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";
    public static final int CLASSES = 10;
    public static final int SIZE = 28;
    private static final String[] FILES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    private FashionMnist() {
    }

    /**
     * The directory that holds the files: dataDir if given, else $LOPT_FASHION_MNIST_DIR if set, else /usr/share/...;
     * a place the user named must hold them (it is never silently replaced by the system copy).
     */
    public static Path locate(Path dataDir) {
        return locate(dataDir, System.getenv(ENV));
    }

    /** {@link #locate(Path)} with the environment variable's value given (for tests). */
    static Path locate(Path dataDir, String env) {
        StringBuilder tried = new StringBuilder();
        if (dataDir != null) {
            if (hasFiles(dataDir)) {
                return dataDir;
            }
            throw new DatasetException("Fashion-MNIST IDX files not found in --data-dir " + dataDir + " (expected "
                    + String.join(", ", FILES) + ", optionally .gz)");
        }
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            if (hasFiles(p)) {
                return p;
            }
            throw new DatasetException("Fashion-MNIST IDX files not found in $" + ENV + " = " + p + " (expected "
                    + String.join(", ", FILES) + ", optionally .gz); fix or unset $" + ENV);
        }
        Path def = Path.of(DEFAULT_DIR);
        if (hasFiles(def)) {
            return def;
        }
        tried.append(def);
        throw new DatasetException("Fashion-MNIST not found (looked in " + tried + "). Install it with "
                + "'sudo apt-get install dataset-fashion-mnist' on Debian/Ubuntu, or put the four IDX files ("
                + String.join(", ", FILES) + ", optionally gzipped) in a directory and pass --data-dir DIR or set $"
                + ENV + ".");
    }

    static boolean hasFiles(Path dir) {
        for (String f : FILES) {
            if (file(dir, f) == null) {
                return false;
            }
        }
        return true;
    }

    private static Path file(Path dir, String base) {
        Path gz = dir.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path raw = dir.resolve(base);
        return Files.isRegularFile(raw) ? raw : null;
    }

    /**
     * Reads Fashion-MNIST at {@code resolution × resolution} (about a second at 28×28; runs share a loaded copy
     * through {@link io.lopt.optimizees.tasks.TaskData}).
     */
    public static Dataset load(Path dataDir, int resolution) {
        if (resolution < 1 || resolution > SIZE) {
            throw new IllegalArgumentException("Fashion-MNIST resolution must be in [1, 28], got " + resolution);
        }
        Path dir = locate(dataDir).toAbsolutePath().normalize();
        return read(dir, resolution);
    }

    private static Dataset read(Path dir, int res) {
        Idx.Images trainImg = Idx.readImages(file(dir, FILES[0]));
        byte[] trainLab = Idx.readLabels(file(dir, FILES[1]));
        Idx.Images testImg = Idx.readImages(file(dir, FILES[2]));
        byte[] testLab = Idx.readLabels(file(dir, FILES[3]));
        for (Idx.Images im : new Idx.Images[] {trainImg, testImg}) {
            if (im.rows() != SIZE || im.cols() != SIZE) {
                throw new DatasetException(dir + ": Fashion-MNIST images must be 28x28, found " + im.rows() + "x" + im.cols());
            }
        }
        if (trainImg.count() != trainLab.length) {
            throw new DatasetException(dir + ": " + trainImg.count() + " training images but " + trainLab.length + " labels");
        }
        if (testImg.count() != testLab.length) {
            throw new DatasetException(dir + ": " + testImg.count() + " test images but " + testLab.length + " labels");
        }
        float[] trX = toFloats(trainImg, res);
        float[] teX = toFloats(testImg, res);
        int f = res * res;
        Standardizer st = Standardizer.fit(trX, trainImg.count(), f);
        st.apply(trX, trainImg.count());
        st.apply(teX, testImg.count());
        return new Dataset("fashion-mnist-" + res + "x" + res, f, CLASSES,
                new Split(trX, labels(trainLab, dir), trainImg.count(), f),
                new Split(teX, labels(testLab, dir), testImg.count(), f));
    }

    private static float[] toFloats(Idx.Images im, int res) {
        float[] x = new float[im.count() * SIZE * SIZE];
        byte[] px = im.pixels();
        for (int i = 0; i < x.length; i++) {
            x[i] = (px[i] & 0xFF) / 255f;
        }
        return res == SIZE ? x : Resample.areaAverage(x, im.count(), SIZE, res);
    }

    private static int[] labels(byte[] raw, Path dir) {
        int[] y = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            y[i] = raw[i] & 0xFF;
            if (y[i] >= CLASSES) {
                throw new DatasetException(dir + ": label " + y[i] + " at index " + i + " is outside [0, 10)");
            }
        }
        return y;
    }
}
