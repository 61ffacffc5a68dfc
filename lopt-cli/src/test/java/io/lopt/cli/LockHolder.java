package io.lopt.cli;

import java.nio.file.Path;

/** Test helper run in a separate JVM: locks a run directory like a command does, until its standard input ends. */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        try (RunLock lock = RunLock.acquire(Path.of(args[0]), "meta-train", true)) {
            System.out.println("locked " + ProcessHandle.current().pid());
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the lock until the test closes our standard input
            }
        }
    }
}
