package io.lopt.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * A fork/join executor for kernels and particles with a fixed number of threads.
 *
 * <p>Work is always cut into chunks by the caller, in a way that does not depend on the thread count, and every
 * reduction over chunks is combined in chunk order by the caller: so results are bit-identical whatever the number
 * of threads. Calls nest: a kernel called from inside a task of the same pool forks into that pool (work stealing)
 * instead of blocking a thread.
 */
public final class Parallel implements AutoCloseable {
    private static final Parallel SERIAL = new Parallel(1, null);
    private static volatile Parallel common;

    private final int threads;
    private final ForkJoinPool pool;

    private Parallel(int threads, ForkJoinPool pool) {
        this.threads = threads;
        this.pool = pool;
    }

    /** An executor with {@code threads} worker threads (1 = run inline on the caller). */
    public static Parallel of(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        }
        if (threads == 1) {
            return SERIAL;
        }
        ForkJoinPool.ForkJoinWorkerThreadFactory factory = p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("lopt-worker-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        };
        return new Parallel(threads, new ForkJoinPool(threads, factory, null, false));
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
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the processor count
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
        if (pool == null || n == 1) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        RangeTask task = new RangeTask(0, n, body);
        if (ForkJoinTask.inForkJoinPool() && Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool) {
            task.invoke();
        } else {
            pool.invoke(task);
        }
    }

    @Override
    public void close() {
        if (pool != null && this != common) {
            pool.shutdown();
        }
    }

    private static final class RangeTask extends RecursiveAction {
        private final int lo;
        private final int hi;
        private final transient IntConsumer body;

        RangeTask(int lo, int hi, IntConsumer body) {
            this.lo = lo;
            this.hi = hi;
            this.body = body;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                body.accept(lo);
                return;
            }
            int mid = (lo + hi) >>> 1;
            RangeTask left = new RangeTask(lo, mid, body);
            RangeTask right = new RangeTask(mid, hi, body);
            right.fork();
            left.compute();
            if (right.tryUnfork()) {
                right.compute();
            } else {
                right.join();
            }
        }
    }
}
