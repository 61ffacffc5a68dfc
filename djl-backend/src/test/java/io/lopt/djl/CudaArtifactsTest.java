package io.lopt.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The offline CUDA pairing of the README resolves on Maven Central (the POMs: the native jar itself is gigabytes),
 * and the root POM's {@code cuda} profile names the same versions.
 */
class CudaArtifactsTest {
    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("mvnw"))) {
            p = p.getParent();
        }
        return p;
    }

    @Test
    void theCudaProfileNamesThePairing() throws IOException {
        String pom = Files.readString(root().resolve("pom.xml"));
        int profile = pom.indexOf("<id>cuda</id>");
        assertTrue(profile > 0, "root pom has a cuda profile");
        String p = pom.substring(profile, pom.indexOf("</profile>", profile));
        assertTrue(p.contains("<djl.version>" + CudaArtifacts.DJL_VERSION + "</djl.version>"), p);
        assertTrue(p.contains("<pytorch.native.version>" + CudaArtifacts.PYTORCH_VERSION + "</pytorch.native.version>"), p);
        assertTrue(p.contains("<pytorch.jni.version>" + CudaArtifacts.PYTORCH_VERSION + "-" + CudaArtifacts.DJL_VERSION
                + "</pytorch.jni.version>"), p);
        assertEquals(CudaArtifacts.JNI, "ai.djl.pytorch:pytorch-jni:2.5.1-0.33.0");
    }

    @Test
    void theCudaPairingResolvesOnMavenCentral() throws Exception {
        Path root = root();
        String javaHome = System.getProperty("java.home");
        for (String coord : CudaArtifacts.all()) {
            List<String> cmd = new ArrayList<>(List.of(root.resolve("mvnw").toString(), "-q", "-B",
                    "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get", "-Dtransitive=false",
                    "-Dartifact=" + coord + ":pom"));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true);
            pb.environment().put("JAVA_HOME", javaHome);
            Process proc = pb.start();
            byte[] out = proc.getInputStream().readAllBytes();
            boolean finished = proc.waitFor(300, TimeUnit.SECONDS);
            String text = new String(out, StandardCharsets.UTF_8);
            assumeTrue(finished, "Maven did not answer in time");
            assumeTrue(!(text.contains("Could not transfer") || text.contains("UnknownHost")
                    || text.contains("Network is unreachable") || text.contains("offline mode")),
                    "Maven Central is not reachable here: " + text);
            assertEquals(0, proc.exitValue(), coord + " does not resolve:\n" + text);
        }
    }
}
