package io.lopt.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.lopt.checkpoints.CheckpointException;
import io.lopt.checkpoints.Tensor;
import io.lopt.kernels.Parallel;
import io.lopt.metatrain.ParticleBackend;
import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.metatrain.config.Presets;
import io.lopt.metatrain.pes.PesEstimator;
import io.lopt.metatrain.pes.TaskProblem;
import io.lopt.optim.LearnedOptimizer;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The PES particles of a meta-training run on an Apache Spark cluster (docs/spark.md).
 *
 * <p>Every estimator's antithetic pairs are the elements of an RDD of {@link PairState}s, spread over the executors
 * and kept there between outer steps (cached, with a reliable checkpoint every {@code checkpointEvery} steps to cut the
 * lineage). Each outer step broadcasts θ, maps every pair to its next state and its {@link PesEstimator.PairOutcome}
 * (a θ-sized vector and a few numbers), and collects only the outcomes. The driver reduces them per estimator in
 * pair order ({@link PesEstimator#reduce}), exactly as the in-process trainer does, so θ is bit-identical whatever the
 * number of executors, cores and partitions. A failed task or a lost executor is recomputed from the cached or
 * checkpointed parent by the same deterministic function, with the same result.
 */
public final class SparkParticles implements ParticleBackend {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Test hook: called at the start of every task with (outer step, partition, attempt); a throw fails that attempt.
     * Only reaches tasks that run in this JVM ({@code local[...]} masters).
     */
    static volatile FaultInjector faults;

    /** Fails chosen task attempts (tests). */
    @FunctionalInterface
    interface FaultInjector extends Serializable {
        void beforeTask(long outerStep, int partition, int attempt);
    }

    private final JavaSparkContext sc;
    private final boolean ownsContext;
    private final SparkOptions options;
    private final String configJson;
    private final String dataDir;
    private final int thetaSize;
    private final int[] pairCounts;
    private JavaRDD<PairState> states;
    private JavaRDD<Tuple2<PairState, PairResult>> lastStep;
    private final List<Broadcast<float[]>> liveBroadcasts = new ArrayList<>();
    private long stepsSinceCheckpoint;
    private long[] timings = new long[2];
    private Map<String, Double> lastTimes = Map.of();

    /** What one task reports for one pair. */
    record PairResult(int estimator, int pair, PesEstimator.PairOutcome outcome, int partition, long computeNanos,
            long fwdBwdNanos, long optimizerNanos) implements Serializable {
    }

    /** Connects to {@code options.master()} and places fresh pairs on the executors. */
    public SparkParticles(MetaTrainConfig config, Path dataDir, SparkOptions options) {
        this(config, dataDir, options, null);
    }

    /** Uses an existing context (then {@link #close} leaves it running), or creates one when {@code sc} is null. */
    public SparkParticles(MetaTrainConfig config, Path dataDir, SparkOptions options, JavaSparkContext sc) {
        this.options = options;
        this.ownsContext = sc == null;
        this.sc = sc != null ? sc : new JavaSparkContext(options.sparkConf(config.name()));
        this.configJson = Presets.toTree(config).toString();
        this.dataDir = dataDir == null ? null : dataDir.toAbsolutePath().toString();
        LearnedOptimizer learned = config.optimizer().learnedOptimizer();
        this.thetaSize = learned.thetaSize();
        this.pairCounts = new int[config.tasks().size()];
        java.util.Arrays.fill(pairCounts, config.pes().pairs());
        String dir = options.checkpointDir();
        if (dir != null) {
            this.sc.setCheckpointDir(dir);
        }
        List<PairState> fresh = new ArrayList<>();
        for (int e = 0; e < pairCounts.length; e++) {
            PesEstimator<?, ?> est = estimator(config, null, e);
            for (int i = 0; i < pairCounts[e]; i++) {
                fresh.add(PairState.of(est, e, i));
            }
        }
        place(fresh);
    }

    /** The context the particles live in. */
    public JavaSparkContext context() {
        return sc;
    }

    /** The number of partitions the pairs are spread over. */
    public int partitions() {
        return states.getNumPartitions();
    }

    /**
     * Spreads the pairs over the partitions round-robin (pair k to partition k mod P), so that every partition gets a
     * mix of the estimators' task sizes; by default 4 partitions per core of the cluster (at most one pair each), so
     * that Spark's scheduler can balance uneven pairs. Neither changes θ: the driver reduces in pair order.
     */
    private void place(List<PairState> pairs) {
        int parts = options.partitions() > 0 ? options.partitions() : 4 * sc.defaultParallelism();
        parts = Math.max(1, Math.min(parts, pairs.size()));
        List<PairState> order = new ArrayList<>(pairs.size());
        for (int j = 0; j < parts; j++) {
            for (int k = j; k < pairs.size(); k += parts) {
                order.add(pairs.get(k));
            }
        }
        dropLineage();
        states = sc.parallelize(order, parts).persist(StorageLevel.MEMORY_AND_DISK());
        stepsSinceCheckpoint = 0;
    }

    /** An estimator over a problem built for this configuration (its pairs are fresh until loaded). */
    private static PesEstimator<TaskProblem.Episode, TaskProblem.Member> estimator(MetaTrainConfig config,
            List<TaskProblem> problems, int e) {
        TaskProblem p = problems != null ? problems.get(e) : null;
        if (p == null) {
            p = new TaskProblem(config.tasks().get(e).distribution(), config.optimizer().learnedOptimizer(),
                    config.pes(), new io.lopt.optimizees.tasks.TaskData(null));
        }
        return new PesEstimator<>(p, config.pes(), e, config.seed(), config.optimizer().learnedOptimizer().thetaSize());
    }

    @Override
    public List<PesEstimator.Step> step(float[] theta, long outerStep) {
        long t0 = System.nanoTime();
        Broadcast<float[]> th = sc.broadcast(theta.clone());
        liveBroadcasts.add(th);
        String cfg = configJson;
        String data = dataDir;
        int threads = options.threadsPerTask();
        JavaRDD<Tuple2<PairState, PairResult>> next = states.mapPartitionsWithIndex(
                (part, it) -> advance(cfg, data, threads, th, outerStep, part, it), true)
                .persist(StorageLevel.MEMORY_AND_DISK());
        List<PairResult> results = new ArrayList<>(next.map(Tuple2::_2).collect());
        JavaRDD<PairState> nextStates = next.map(Tuple2::_1);
        stepsSinceCheckpoint++;
        if (options.checkpointDir() != null && stepsSinceCheckpoint >= options.checkpointEvery()) {
            nextStates = nextStates.persist(StorageLevel.MEMORY_AND_DISK());
            nextStates.checkpoint();
            nextStates.count(); // writes the checkpoint: the lineage (and the old θ broadcasts) are no longer needed
            next.unpersist(false);
            dropLineage();
            stepsSinceCheckpoint = 0;
        } else if (lastStep != null) {
            lastStep.unpersist(false);
        }
        lastStep = next;
        states = nextStates;
        long t1 = System.nanoTime();

        results.sort(Comparator.comparingInt(PairResult::estimator).thenComparingInt(PairResult::pair));
        List<PesEstimator.Step> out = new ArrayList<>();
        Map<Integer, Long> perPartition = new LinkedHashMap<>();
        long compute = 0;
        long[] t = new long[2];
        int r = 0;
        for (int e = 0; e < pairCounts.length; e++) {
            List<PesEstimator.PairOutcome> outcomes = new ArrayList<>();
            for (int i = 0; i < pairCounts[e]; i++, r++) {
                PairResult pr = results.get(r);
                if (pr.estimator() != e || pr.pair() != i) {
                    throw new IllegalStateException("pair (" + e + ", " + i + ") missing from the executors' results");
                }
                outcomes.add(pr.outcome());
                perPartition.merge(pr.partition(), pr.computeNanos(), Long::sum);
                compute += pr.computeNanos();
                t[0] += pr.fwdBwdNanos();
                t[1] += pr.optimizerNanos();
            }
            out.add(PesEstimator.reduce(outcomes, thetaSize));
        }
        timings[0] += t[0];
        timings[1] += t[1];
        long slowest = perPartition.values().stream().mapToLong(Long::longValue).max().orElse(0);
        double wall = (t1 - t0) / 1e9;
        Map<String, Double> times = new LinkedHashMap<>();
        times.put("executor_compute_s", compute / 1e9);
        times.put("slowest_partition_s", slowest / 1e9);
        // the step's wall time beyond its compute spread perfectly over the cluster's cores (scheduling, task start,
        // (de)serialising pair states, broadcast, collection, and cores left idle by uneven partitions)
        int cores = Math.max(1, Math.min(sc.defaultParallelism(), partitions()));
        times.put("spark_overhead_s", Math.max(0, wall - compute / 1e9 / cores));
        lastTimes = times;
        return out;
    }

    /** Drops the cached results of the last step and the θ broadcasts the lineage no longer needs. */
    private void dropLineage() {
        if (lastStep != null) {
            lastStep.unpersist(false);
            lastStep = null;
        }
        for (Broadcast<float[]> b : liveBroadcasts) {
            b.destroy();
        }
        liveBroadcasts.clear();
    }

    /** Executor side: one truncation of every pair of one partition. */
    private static Iterator<Tuple2<PairState, PairResult>> advance(String cfg, String dataDir, int threads,
            Broadcast<float[]> theta, long outerStep, int partition, Iterator<PairState> it) {
        FaultInjector f = faults;
        if (f != null) {
            TaskContext tc = TaskContext.get();
            f.beforeTask(outerStep, partition, tc == null ? 0 : tc.attemptNumber());
        }
        Executor ex = Executor.of(cfg, dataDir);
        Parallel par = threads <= 1 ? Parallel.serial() : Parallel.of(threads);
        float[] th = theta.value();
        List<Tuple2<PairState, PairResult>> out = new ArrayList<>();
        while (it.hasNext()) {
            PairState s = it.next();
            long t0 = System.nanoTime();
            PesEstimator<TaskProblem.Episode, TaskProblem.Member> est = ex.estimator(s.estimator());
            s.loadInto(est);
            ex.problems.get(s.estimator()).takeTimings(); // counters are per executor JVM: start from zero
            PesEstimator.PairOutcome o = est.advancePair(s.pair(), th, outerStep, par);
            long[] tm = ex.problems.get(s.estimator()).takeTimings();
            PairState next = PairState.of(est, s.estimator(), s.pair());
            out.add(new Tuple2<>(next, new PairResult(s.estimator(), s.pair(), o, partition, System.nanoTime() - t0,
                    tm[0], tm[1])));
        }
        return out.iterator();
    }

    /** What an executor JVM builds once per run: the configuration and the inner problems (datasets loaded). */
    private static final class Executor {
        private static final Map<String, Executor> CACHE = new ConcurrentHashMap<>();
        final MetaTrainConfig config;
        final List<TaskProblem> problems = new ArrayList<>();

        private Executor(String cfg, String dataDir) {
            try {
                this.config = Presets.fromTree(JSON.readTree(cfg), "the driver's configuration");
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot read the driver's configuration: " + e.getMessage(), e);
            }
            LearnedOptimizer learned = config.optimizer().learnedOptimizer();
            io.lopt.optimizees.tasks.TaskData data = new io.lopt.optimizees.tasks.TaskData(
                    dataDir == null ? null : Path.of(dataDir)); // this executor's datasets, read once
            for (MetaTrainConfig.TaskGroup t : config.tasks()) {
                problems.add(new TaskProblem(t.distribution(), learned, config.pes(), data));
            }
        }

        static Executor of(String cfg, String dataDir) {
            return CACHE.computeIfAbsent(cfg + '\u0000' + dataDir, k -> new Executor(cfg, dataDir));
        }

        PesEstimator<TaskProblem.Episode, TaskProblem.Member> estimator(int e) {
            return SparkParticles.estimator(config, problems, e);
        }
    }

    @Override
    public void save(List<Tensor> tensors, ArrayNode ests) {
        List<PairState> all = new ArrayList<>(states.collect());
        all.sort(Comparator.comparingInt(PairState::estimator).thenComparingInt(PairState::pair));
        int r = 0;
        for (int e = 0; e < pairCounts.length; e++) {
            ArrayNode pairs = ests.addObject().putArray("pairs");
            for (int i = 0; i < pairCounts[e]; i++, r++) {
                all.get(r).appendTo(tensors, pairs);
            }
        }
    }

    @Override
    public void load(Map<String, Tensor> tensors, JsonNode ests) {
        if (ests == null || !ests.isArray() || ests.size() != pairCounts.length) {
            throw new CheckpointException(CheckpointException.Kind.MISMATCH, null, "the state has "
                    + (ests == null ? "no" : ests.size()) + " estimators, the configuration " + pairCounts.length);
        }
        List<PairState> pairs = new ArrayList<>();
        for (int e = 0; e < pairCounts.length; e++) {
            JsonNode arr = ests.get(e).get("pairs");
            if (arr == null || !arr.isArray() || arr.size() != pairCounts[e]) {
                throw new CheckpointException(CheckpointException.Kind.MISMATCH, null, "state has "
                        + (arr == null ? "no" : arr.size()) + " PES pairs for estimator " + e
                        + ", the configuration has " + pairCounts[e]);
            }
            for (int i = 0; i < pairCounts[e]; i++) {
                pairs.add(PairState.fromState(e, i, tensors, arr.get(i)));
            }
        }
        place(pairs);
    }

    @Override
    public long[] takeTimings() {
        long[] t = timings;
        timings = new long[2];
        return t;
    }

    @Override
    public Map<String, Double> lastStepTimes() {
        return lastTimes;
    }

    @Override
    public void close() {
        dropLineage();
        if (ownsContext) {
            sc.stop();
        }
    }
}
