package io.lopt.spark;

import io.lopt.metatrain.ParticleBackend;
import io.lopt.metatrain.ParticleBackendProvider;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Offers {@link SparkParticles} to the command line as {@code --spark MASTER}. */
public final class SparkBackendProvider implements ParticleBackendProvider {
    private static final Set<String> KEYS = Set.of("partitions", "checkpoint-dir", "checkpoint-every", "threads-per-task");

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public ParticleBackend.Factory factory(String master, Path runDir, Map<String, String> options) {
        Map<String, String> conf = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : options.entrySet()) {
            if (e.getKey().startsWith("spark.")) {
                conf.put(e.getKey(), e.getValue());
            } else if (!KEYS.contains(e.getKey())) {
                throw new IllegalArgumentException("unknown Spark backend option '" + e.getKey() + "' (known: " + KEYS
                        + " and spark.* settings)");
            }
        }
        String dir = options.getOrDefault("checkpoint-dir", runDir.resolve("spark-checkpoints").toAbsolutePath().toString());
        SparkOptions o = new SparkOptions("submit".equals(master) ? null : master,
                integer(options, "partitions", 0), integer(options, "threads-per-task", 1), dir,
                integer(options, "checkpoint-every", 20), conf);
        return (config, dataDir, parallel) -> new SparkParticles(config, dataDir, o);
    }

    private static int integer(Map<String, String> o, String key, int dflt) {
        String v = o.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Spark option " + key + " must be an integer, got '" + v + "'");
        }
    }
}
