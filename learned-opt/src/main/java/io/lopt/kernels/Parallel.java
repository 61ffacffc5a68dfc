package io.lopt.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A small executor for kernels and particles with a fixed number of threads.
 *
 * <p>Work is always cut into chunks by the caller, in a way that does not depend on the thread count, and every
 * reduction over chunks is combined in chunk order by the caller: so results are bit-identical whatever the number of
 * threads. The calling thread works too; the other threads spin briefly between jobs before they park, because the
 * kernels issue many short jobs in a row and waking a parked thread costs more than a small matrix product. A
 * {@link #forEach} called from inside a job (a kernel inside a particle) runs on the calling thread: the outer level
 * already keeps every core busy.
 */
public final class Parallel implements AutoCloseable {
    private static final Parallel SERIAL = new Parallel(1);
    private static final long SPIN_NANOS = 200_000;
    /** See {@link #maxThreads()}. */
    public static final int THREADS_PER_PROCESSOR = 4;
    private static final ThreadLocal<Boolean> IN_JOB = ThreadLocal.withInitial(() -> false);
    private static volatile Parallel common;

    private final int threads;
    private final Worker[] workers;
    private final ReentrantLock submit = new ReentrantLock();
    private volatile Job job;
    private volatile boolean closed;

    /** One call of forEach. */
    private static final class Job {
        final int n;
        final IntConsumer body;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable error;

        Job(int n, IntConsumer body) {
            this.n = n;
            this.body = body;
        }

        /** Runs indices until none are left. */
        void work() {
            for (int i; (i = next.getAndIncrement()) < n; ) {
                try {
                    if (error == null) {
                        body.accept(i);
                    }
                } catch (Throwable t) {
                    synchronized (this) {
                        if (error == null) {
                            error = t;
                        }
                    }
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    private final class Worker extends Thread {
        volatile boolean parked;
        private Job last;

        Worker(int index) {
            super("lopt-worker-" + index);
            setDaemon(true);
        }

        @Override
        public void run() {
            IN_JOB.set(true);
            while (!closed) {
                Job j = job;
                if (j != null && j != last) {
                    last = j;
                    j.work();
                    continue;
                }
                long start = System.nanoTime();
                while (job == last && !closed && System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                }
                if (job == last && !closed) {
                    parked = true;
                    if (job == last && !closed) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
        }
    }

    private Parallel(int threads) {
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i);
            workers[i].start();
        }
    }

    /** An executor with {@code threads} threads, the caller included (1 = run everything on the caller). */
    public static Parallel of(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        }
        return threads == 1 ? SERIAL : new Parallel(threads);
    }

    /**
     * The most threads lopt's command line and {@code LOPT_THREADS} accept: {@value #THREADS_PER_PROCESSOR} per
     * available processor. Every thread is an OS thread; far more than the cores only costs memory and switching, and
     * a typo (100000) would take the machine down.
     */
    public static int maxThreads() {
        return THREADS_PER_PROCESSOR * Runtime.getRuntime().availableProcessors();
    }

    /** Runs everything on the calling thread. */
    public static Parallel serial() {
        return SERIAL;
    }

    /**
     * The process-wide default: {@code -Dlopt.threads=N} or the environment variable {@code LOPT_THREADS}, else the
     * number of available processors.
     */
    public static Parallel common() {
        Parallel c = common;
        if (c == null) {
            synchronized (Parallel.class) {
                c = common;
                if (c == null) {
                    c = of(defaultThreads());
                    common = c;
                }
            }
        }
        return c;
    }

    static int defaultThreads() {
        String p = System.getProperty("lopt.threads");
        if (p == null) {
            p = System.getenv("LOPT_THREADS");
        }
        if (p != null && !p.isBlank()) {
            try {
                int n = Integer.parseInt(p.trim());
                if (n >= 1 && n <= maxThreads()) {
                    return n;
                }
                if (n > maxThreads()) {
                    throw new IllegalArgumentException("lopt.threads / LOPT_THREADS is " + n + ", more than "
                            + THREADS_PER_PROCESSOR + " per available processor (at most " + maxThreads() + " here)");
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("lopt.threads / LOPT_THREADS must be a positive integer, got '" + p + "'");
        }
        return Runtime.getRuntime().availableProcessors();
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body.accept(i)} for every i in [0, n), in parallel, and returns when all are done. */
    public void forEach(int n, IntConsumer body) {
        if (n <= 0) {
            return;
        }
        if (workers.length == 0 || n == 1 || IN_JOB.get() || closed) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        submit.lock();
        try {
            Job j = new Job(n, body);
            job = j;
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            IN_JOB.set(true);
            try {
                j.work();
            } finally {
                IN_JOB.set(false);
            }
            while (j.done.get() < n) {
                Thread.onSpinWait();
            }
            Throwable t = j.error;
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        } finally {
            submit.unlock();
        }
    }

    @Override
    public void close() {
        if (this == SERIAL || this == common) {
            return;
        }
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
    }
}
