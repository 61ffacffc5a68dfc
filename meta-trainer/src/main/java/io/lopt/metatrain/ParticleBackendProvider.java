package io.lopt.metatrain;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * A distributed {@link ParticleBackend} found on the classpath through {@link ServiceLoader} (the {@code spark-backend}
 * module provides {@code spark}), so that the command line can offer it without depending on it.
 */
public interface ParticleBackendProvider {

    /** The backend's name, e.g. {@code spark}. */
    String name();

    /**
     * The factory of a run's particles.
     *
     * @param master  where to run (for Spark: its master URL)
     * @param runDir  the run directory (a backend may keep its own files under it)
     * @param options backend settings by name (for Spark: {@code partitions}, {@code checkpoint-dir},
     *                {@code checkpoint-every}, {@code threads-per-task} and {@code spark.*} keys)
     */
    ParticleBackend.Factory factory(String master, Path runDir, Map<String, String> options);

    /** The provider named {@code name}, or an error that says how to put it on the classpath. */
    static ParticleBackendProvider find(String name) {
        List<ParticleBackendProvider> all = ServiceLoader.load(ParticleBackendProvider.class).stream()
                .map(ServiceLoader.Provider::get).toList();
        for (ParticleBackendProvider p : all) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("the " + name + " backend is not on the classpath (found: "
                + (all.isEmpty() ? "none" : all.stream().map(ParticleBackendProvider::name).toList()) + "): run "
                + "./lopt with --" + name + " from a checkout (it builds spark-backend and adds Apache Spark), or use the "
                + "job jar spark-backend/target/lopt-spark.jar with spark-submit (docs/spark.md)");
    }
}
