package io.lopt.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * An OS file lock ({@link FileChannel#tryLock}) on {@value #FILE} inside a run directory, held while a command works
 * there, so that two {@code lopt meta-train --out D} (or {@code evaluate}, {@code quickstart}) started together do not
 * interleave their files: the second stops with a one-line error naming the holder (its PID, command and start time,
 * which the holder writes into the file). The OS releases the lock when the process ends, however it ends; the file
 * stays (deleting it would let a third process lock a new file while a second still waits on the old one).
 *
 * <p>Within one JVM (tests run several commands in one) the locks held are also remembered here: on Linux, closing
 * any descriptor of a locked file releases the process's lock on it, so a second attempt must not even open the file.
 */
final class RunLock implements AutoCloseable {
    static final String FILE = "lopt.lock";
    private static final java.util.Map<Path, String> HELD = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} for {@code command}, creating the directory when {@code create} is set; returns null (nothing
     * to lock) when the directory does not exist and is not to be created, so that the caller reports that itself.
     */
    static RunLock acquire(Path dir, String command, boolean create) {
        if (!Files.isDirectory(dir)) {
            if (!create) {
                return null;
            }
            try {
                Files.createDirectories(dir);
            } catch (FileAlreadyExistsException e) {
                throw new Lopt.UserError(dir + " exists and is not a directory");
            } catch (IOException e) {
                throw new Lopt.UserError("cannot create " + dir + ": " + e);
            }
        }
        Path f;
        try {
            f = dir.toRealPath().resolve(FILE);
        } catch (IOException e) {
            throw new Lopt.UserError("cannot resolve " + dir + ": " + e);
        }
        String mine = HELD.get(f);
        if (mine != null) {
            throw inUse(dir, mine);
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new Lopt.UserError("cannot open the lock file " + f + ": " + e);
        }
        try {
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this very process (another command run in the same JVM)
            }
            if (l == null) {
                String holder = holder(ch);
                throw inUse(dir, holder.isEmpty() ? "no details in " + f : holder);
            }
            ProcessHandle self = ProcessHandle.current();
            Instant start = self.info().startInstant().orElse(Instant.now()).truncatedTo(ChronoUnit.SECONDS);
            String me = "pid " + self.pid() + ", lopt " + command + ", started " + start;
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((me + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            HELD.put(f, me);
            return new RunLock(f, ch, l);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new Lopt.UserError("cannot lock " + f + ": " + e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static Lopt.UserError inUse(Path dir, String holder) {
        return new Lopt.UserError(dir + " is in use by another lopt process (" + holder
                + "); wait for it to end or stop it");
    }

    private static String holder(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(512);
        ch.read(b, 0);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    @Override
    public void close() {
        HELD.remove(file);
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
    }
}
