package io.lopt.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lopt.kernels.Parallel;
import io.lopt.metatrain.MetaTrainer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real multi-process cluster on 127.0.0.1: a standalone Master and Worker started as separate JVMs from this test's
 * classpath, the Worker's executor another. The test's JVM is the driver. Its executor is killed mid-run; the Worker
 * starts a new one, Spark recomputes the lost partitions, and θ is still bit-identical to the in-process trainer's.
 */
class StandaloneClusterTest {
    @TempDir
    Path dir;

    private final List<Process> daemons = new ArrayList<>();

    @AfterEach
    void stopDaemons() {
        for (Process p : daemons) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A SPARK_HOME whose jars/ links every jar of this classpath (what the Worker puts on its executors). */
    private Path sparkHome(List<String> cp) throws IOException {
        Path home = dir.resolve("spark-home");
        Path jars = Files.createDirectories(home.resolve("jars"));
        for (String e : cp) {
            Path p = Path.of(e);
            if (e.endsWith(".jar") && Files.isRegularFile(p)) {
                Path link = jars.resolve(p.getFileName());
                if (!Files.exists(link)) {
                    Files.createSymbolicLink(link, p.toAbsolutePath());
                }
            }
        }
        return home;
    }

    /** The classes of this project (directories on the classpath) as one jar for the executors. */
    private Path appJar(List<String> cp) throws IOException {
        Path jar = dir.resolve("lopt-app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String e : cp) {
                Path root = Path.of(e);
                if (!Files.isDirectory(root)) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(root)) {
                    for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                        String name = root.relativize(f).toString().replace('\\', '/');
                        if (seen.add(name)) {
                            out.putNextEntry(new JarEntry(name));
                            try (var in = Files.newInputStream(f)) {
                                in.transferTo(out);
                            }
                            out.closeEntry();
                        }
                    }
                }
            }
        }
        return jar;
    }

    private Process daemon(String name, List<String> cp, Path home, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(SparkOptions.JDK_OPENS);
        cmd.add("-Xmx512m");
        cmd.add("-cp");
        cmd.add(String.join(java.io.File.pathSeparator, cp));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        daemons.add(p);
        return p;
    }

    private static List<ProcessHandle> executors(Process worker) {
        return worker.descendants().filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .toList();
    }

    private String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void thetaSurvivesAKilledExecutorBitForBit() throws Exception {
        List<String> cp = List.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator));
        Path home = sparkHome(cp);
        Path app = appJar(cp);
        int port = freePort();
        String master = "spark://127.0.0.1:" + port;
        daemon("master", cp, home, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                String.valueOf(port), "--webui-port", String.valueOf(freePort()));
        Process worker = daemon("worker", cp, home, "org.apache.spark.deploy.worker.Worker", master, "--host",
                "127.0.0.1", "--cores", "2", "--memory", "2g", "--webui-port", String.valueOf(freePort()),
                "--work-dir", dir.resolve("work").toString());

        int steps = 8;
        float[] expected;
        try (MetaTrainer t = new MetaTrainer(SparkParticlesTest.tiny(steps), null, Parallel.of(2))) {
            for (int i = 0; i < steps; i++) {
                t.step();
            }
            expected = t.theta();
        }
        SparkOptions o = new SparkOptions(master, 4, 1, dir.resolve("checkpoints").toString(), 3,
                Map.of("spark.jars", app.toString(), "spark.driver.host", "127.0.0.1",
                        "spark.executor.memory", "1g", "spark.cores.max", "2"));
        int killed = 0;
        try (MetaTrainer t = new MetaTrainer(SparkParticlesTest.tiny(steps), null, Parallel.serial(),
                (config, data, par) -> new SparkParticles(config, data, o))) {
            for (int i = 0; i < steps; i++) {
                t.step();
                if (i == 4) { // between lineage checkpoints (every 3 steps): the cached pairs are lost with it
                    for (ProcessHandle h : executors(worker)) {
                        h.destroyForcibly();
                        killed++;
                    }
                }
            }
            assertTrue(killed > 0, "an executor ran and was killed; worker log:\n" + log("worker"));
            assertArrayEquals(expected, t.theta(), "θ after a lost executor");
            String w = log("worker");
            assertTrue(w.split("Asked to launch executor", -1).length - 1 >= 2,
                    "the run went on on a second executor; worker log:\n" + w);
        }
    }
}
