package io.lopt.optimizees.datasets;

import io.lopt.util.Rng;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The English text the language-model tasks train on: the fortune-cookie collection of Debian's {@code fortunes}
 * package (about 2.4 MB of quotations, jokes and definitions in plain text files under {@value #DEFAULT_DIR}, each
 * entry ended by a line holding {@code %}), read as bytes. Chosen because it is real English prose of many authors,
 * small enough to load in a fraction of a second, plain text (no markup to strip, unlike a dictionary), and one
 * {@code apt-get install fortunes} away.
 *
 * <p>Fixed split: the files are read in name order (the {@code .dat} indexes and {@code .u8} links skipped) and every
 * 10th entry (entries 9, 19, 29, …) is held out for the test split. Symbols are bytes; with a vocabulary of V, the V − 1
 * most frequent bytes of the training split get ids 0..V−2 (by count, ties by byte value) and every other byte id
 * V − 1. Entries are joined by a blank line.
 *
 * <p>Looked for in {@code --data-dir}, then in {@code $}{@value #ENV}, then in {@value #DEFAULT_DIR}. Nothing is
 * downloaded.
 */
public final class TextCorpus {
    public static final String ENV = "LOPT_FORTUNES_DIR";
    public static final String DEFAULT_DIR = "/usr/share/games/fortunes";
    /** One entry in this many goes to the test split. */
    public static final int TEST_EVERY = 10;

    private final String name;
    private final int vocab;
    private final byte[] symbols; // id → byte (the last id, "other", has none)
    private final short[] train;
    private final short[] test;

    private TextCorpus(String name, int vocab, byte[] symbols, short[] train, short[] test) {
        this.name = name;
        this.vocab = vocab;
        this.symbols = symbols;
        this.train = train;
        this.test = test;
    }

    public String name() {
        return name;
    }

    public int vocab() {
        return vocab;
    }

    /** Token ids of the training split. */
    public short[] train() {
        return train;
    }

    /** Token ids of the test split. */
    public short[] test() {
        return test;
    }

    /** The byte an id stands for, or -1 for the "other" id. */
    public int symbol(int id) {
        return id < symbols.length ? symbols[id] & 0xFF : -1;
    }

    /** The directory that holds the corpus, as {@link FashionMnist#locate} finds its files. */
    public static Path locate(Path dataDir) {
        return locate(dataDir, System.getenv(ENV));
    }

    static Path locate(Path dataDir, String env) {
        if (dataDir != null) {
            Path sub = dataDir.resolve("fortunes");
            if (hasFiles(dataDir)) {
                return dataDir;
            }
            if (hasFiles(sub)) {
                return sub;
            }
            throw new DatasetException("no fortune files in --data-dir " + dataDir + " (nor in " + sub + "): install "
                    + "them with 'sudo apt-get install fortunes' or point --data-dir at a folder of them");
        }
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            if (hasFiles(p)) {
                return p;
            }
            throw new DatasetException("no fortune files in $" + ENV + " = " + p + "; fix or unset $" + ENV);
        }
        Path def = Path.of(DEFAULT_DIR);
        if (hasFiles(def)) {
            return def;
        }
        throw new DatasetException("English text corpus not found (looked in " + DEFAULT_DIR + "). Install it with "
                + "'sudo apt-get install fortunes' on Debian/Ubuntu, or pass --data-dir DIR (or set $" + ENV
                + ") to a folder of fortune files");
    }

    private static boolean hasFiles(Path dir) {
        return !files(dir).isEmpty();
    }

    /**
     * The corpus files of a folder: regular files (not links) other than the .dat indexes and the .u8 aliases (links
     * in the package, copies when the folder was copied without links), in name order.
     */
    static List<Path> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> !p.getFileName().toString().endsWith(".dat"))
                    .filter(p -> !p.getFileName().toString().endsWith(".u8")) // links to the same text, or copies
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Reads the corpus with a vocabulary of {@code vocab} ids (2 to 256). */
    public static TextCorpus load(Path dataDir, int vocab) {
        if (vocab < 2 || vocab > 256) {
            throw new IllegalArgumentException("the text vocabulary must have 2 to 256 symbols, got " + vocab);
        }
        Path dir = locate(dataDir).toAbsolutePath().normalize();
        java.io.ByteArrayOutputStream train = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream test = new java.io.ByteArrayOutputStream();
        int entry = 0;
        for (Path f : files(dir)) {
            byte[] all;
            try {
                all = Files.readAllBytes(f);
            } catch (IOException e) {
                throw new DatasetException("cannot read " + f + ": " + e.getMessage());
            }
            for (byte[] e : entries(all)) {
                java.io.ByteArrayOutputStream out = entry % TEST_EVERY == TEST_EVERY - 1 ? test : train;
                out.writeBytes(e);
                out.write('\n');
                out.write('\n');
                entry++;
            }
        }
        byte[] tr = train.toByteArray();
        byte[] te = test.toByteArray();
        if (tr.length < 10_000 || te.length < 1_000) {
            throw new DatasetException(dir + " holds too little text for a language model (" + tr.length + " training and "
                    + te.length + " test bytes; the fortunes package has about 2.4 MB)");
        }
        long[] count = new long[256];
        for (byte b : tr) {
            count[b & 0xFF]++;
        }
        Integer[] order = new Integer[256];
        for (int i = 0; i < 256; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> count[a] != count[b] ? Long.compare(count[b], count[a])
                : Integer.compare(a, b));
        int kept = vocab == 256 ? 256 : vocab - 1; // with 256 ids every byte has its own
        short[] id = new short[256];
        java.util.Arrays.fill(id, (short) (vocab - 1));
        byte[] symbols = new byte[kept];
        for (int i = 0; i < kept; i++) {
            id[order[i]] = (short) i;
            symbols[i] = (byte) (int) order[i];
        }
        return new TextCorpus("fortunes-v" + vocab, vocab, symbols, map(tr, id), map(te, id));
    }

    private static short[] map(byte[] text, short[] id) {
        short[] out = new short[text.length];
        for (int i = 0; i < text.length; i++) {
            out[i] = id[text[i] & 0xFF];
        }
        return out;
    }

    /** The entries of a fortune file: the text between lines that hold a single {@code %}, trimmed, non-empty. */
    static List<byte[]> entries(byte[] file) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i <= file.length) {
            int end = i;
            while (end < file.length && file[end] != '\n') {
                end++;
            }
            boolean sep = end - i == 1 && file[i] == '%' || end - i == 2 && file[i] == '%' && file[i + 1] == '\r';
            if (sep || end >= file.length) {
                int stop = sep ? i : file.length;
                byte[] e = trim(file, start, stop);
                if (e.length > 0) {
                    out.add(e);
                }
                start = end + 1;
            }
            i = end + 1;
        }
        return out;
    }

    private static byte[] trim(byte[] b, int from, int to) {
        while (from < to && Character.isWhitespace(b[from])) {
            from++;
        }
        while (to > from && Character.isWhitespace(b[to - 1])) {
            to--;
        }
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    /**
     * Copies batch {@code t} of the stream {@code seed} into {@code tokens} and {@code targets} ({@code batch × ctx}
     * each): {@code batch} windows of the training split at offsets drawn from (seed, t), each target the next token.
     * A pure function of (seed, t).
     */
    public void batch(long seed, long t, int batch, int ctx, int[] tokens, int[] targets) {
        if (ctx + 1 > train.length) {
            throw new IllegalArgumentException("context " + ctx + " is longer than the training text");
        }
        Rng rng = Rng.derive(seed, Rng.hash("text/batches"), t);
        int span = train.length - ctx;
        for (int b = 0; b < batch; b++) {
            int off = rng.nextInt(span);
            for (int i = 0; i < ctx; i++) {
                tokens[b * ctx + i] = train[off + i];
                targets[b * ctx + i] = train[off + i + 1];
            }
        }
    }

    /** The number of windows of {@code ctx} tokens that tile a split (the test split, or the training split's start). */
    public static int windows(short[] split, int ctx) {
        return (split.length - 1) / ctx;
    }

    /** Copies window {@code w} of a split (tokens [w·ctx, (w+1)·ctx) and their next tokens) into row {@code row}. */
    public static void window(short[] split, int ctx, int w, int row, int[] tokens, int[] targets) {
        int off = w * ctx;
        for (int i = 0; i < ctx; i++) {
            tokens[row * ctx + i] = split[off + i];
            targets[row * ctx + i] = split[off + i + 1];
        }
    }
}
