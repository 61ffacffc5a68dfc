package io.lopt.optimizees.tasks;

import java.util.List;
import java.util.ServiceLoader;

/** The task families on the class path ({@link java.util.ServiceLoader}), by name. */
public final class TaskFamilies {
    private static volatile List<TaskFamily> all;

    private TaskFamilies() {
    }

    /** Every family found, in the order of the service files. */
    public static List<TaskFamily> all() {
        List<TaskFamily> a = all;
        if (a == null) {
            a = ServiceLoader.load(TaskFamily.class, TaskFamily.class.getClassLoader()).stream()
                    .map(ServiceLoader.Provider::get).toList();
            all = a;
        }
        return a;
    }

    /** The names of the families found, sorted. */
    public static List<String> names() {
        return all().stream().map(TaskFamily::name).sorted().toList();
    }

    /** The family called {@code name}; an unknown name gets a one-line error that lists the known ones. */
    public static TaskFamily get(String name) {
        for (TaskFamily f : all()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown task family '" + name + "' (known: " + String.join(", ", names())
                + ")");
    }
}
