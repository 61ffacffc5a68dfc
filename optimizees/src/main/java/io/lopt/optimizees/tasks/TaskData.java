package io.lopt.optimizees.tasks;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Where the tasks of one run find their data, and the data they already loaded: each dataset is read once per
 * {@code TaskData} and shared by every task built from it (tasks never write to their data). Owned by a run (a
 * meta-training, an evaluation suite, a training), never global, so two runs in one JVM do not share state.
 */
public final class TaskData {
    private final Path dataDir;
    private final Map<String, Object> loaded = new ConcurrentHashMap<>();

    /** @param dataDir where datasets are looked for first, or null for the default places */
    public TaskData(Path dataDir) {
        this.dataDir = dataDir;
    }

    /** The directory given by the user (--data-dir), or null. */
    public Path dataDir() {
        return dataDir;
    }

    /** The data stored under {@code key}, loading it with {@code loader} the first time. */
    @SuppressWarnings("unchecked")
    public <T> T get(String key, Supplier<T> loader) {
        return (T) loaded.computeIfAbsent(key, k -> loader.get());
    }
}
