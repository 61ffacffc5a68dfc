package io.lopt.spark;

import java.util.Map;
import org.apache.spark.SparkConf;

/**
 * How a meta-training run uses Spark.
 *
 * @param master          the Spark master URL: {@code local[N]}, {@code spark://host:port}, {@code yarn},
 *                        {@code k8s://...}; null: the one {@code spark-submit} set
 * @param partitions      how many partitions the pairs are spread over (0: 4 per core of the cluster, at most
 *                        one pair per partition); does not change the result
 * @param threadsPerTask  threads each task uses for its pairs (match {@code spark.task.cpus}); does not change the
 *                        result
 * @param checkpointDir   where the pairs' state is checkpointed to cut the lineage (a directory every executor can
 *                        reach: HDFS or a shared file system on a real cluster); null: never (a lost executor is then
 *                        recomputed from the start of the run)
 * @param checkpointEvery outer steps between those checkpoints
 * @param conf            further Spark settings ({@code spark.executor.memory}, ...)
 */
public record SparkOptions(String master, int partitions, int threadsPerTask, String checkpointDir, int checkpointEvery,
        Map<String, String> conf) {
    /** The JDK internals Spark 4 reaches into on JDK 17+: every Spark JVM (driver, daemons, executors) needs them. */
    public static final java.util.List<String> JDK_OPENS = java.util.List.of(
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED");

    /** JVM options every executor needs: the Vector API module and {@link #JDK_OPENS}. */
    public static final String EXECUTOR_JAVA_OPTIONS = "--add-modules=jdk.incubator.vector "
            + "--enable-native-access=ALL-UNNAMED " + String.join(" ", JDK_OPENS);

    public SparkOptions {
        if (partitions < 0) {
            throw new IllegalArgumentException("Spark partitions must be 0 (the cluster's default) or positive, got "
                    + partitions);
        }
        if (threadsPerTask < 1) {
            throw new IllegalArgumentException("threads per Spark task must be at least 1, got " + threadsPerTask);
        }
        if (checkpointEvery < 1) {
            throw new IllegalArgumentException("Spark checkpoint interval must be at least 1 outer step, got "
                    + checkpointEvery);
        }
        conf = Map.copyOf(conf == null ? Map.of() : conf);
    }

    /** Options for {@code master} with defaults: default partitions, 1 thread per task, checkpoints every 20 steps. */
    public static SparkOptions of(String master, String checkpointDir) {
        return new SparkOptions(master, 0, 1, checkpointDir, 20, Map.of());
    }

    public SparkOptions withPartitions(int n) {
        return new SparkOptions(master, n, threadsPerTask, checkpointDir, checkpointEvery, conf);
    }

    public SparkOptions withCheckpointEvery(int n) {
        return new SparkOptions(master, partitions, threadsPerTask, checkpointDir, n, conf);
    }

    public SparkOptions withThreadsPerTask(int n) {
        return new SparkOptions(master, partitions, n, checkpointDir, checkpointEvery, conf);
    }

    /** The Spark configuration of a run named {@code name}. */
    SparkConf sparkConf(String name) {
        SparkConf c = new SparkConf().setAppName("lopt meta-train " + name);
        if (master != null) {
            c.setMaster(master);
        } else if (!c.contains("spark.master")) {
            throw new IllegalArgumentException("no Spark master: pass --spark MASTER (local[N], spark://host:port, yarn, "
                    + "...) or run under spark-submit --master");
        }
        String extra = c.get("spark.executor.extraJavaOptions", "");
        if (!extra.contains("jdk.incubator.vector")) {
            c.set("spark.executor.extraJavaOptions", (extra + " " + EXECUTOR_JAVA_OPTIONS).trim());
        }
        c.setIfMissing("spark.ui.enabled", "false");
        conf.forEach(c::set);
        String m = c.get("spark.master", "");
        if (!m.startsWith("local") && !c.contains("spark.jars")) {
            String jar = ownJar();
            if (jar != null) {
                c.set("spark.jars", jar); // the executors load the project's classes from the job jar
            }
        }
        return c;
    }

    /** The jar this class was loaded from (the job jar), or null when it came from a directory (tests). */
    static String ownJar() {
        try {
            var src = SparkOptions.class.getProtectionDomain().getCodeSource();
            if (src == null) {
                return null;
            }
            java.nio.file.Path p = java.nio.file.Path.of(src.getLocation().toURI());
            return p.toString().endsWith(".jar") ? p.toString() : null;
        } catch (java.net.URISyntaxException | SecurityException e) {
            return null;
        }
    }
}
