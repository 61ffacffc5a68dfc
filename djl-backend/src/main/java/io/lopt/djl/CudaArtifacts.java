package io.lopt.djl;

import java.util.List;

/**
 * The artifacts that run the DJL backend on a CUDA GPU without network access (DJL otherwise downloads its CUDA
 * engine itself). Maven Central serves no CUDA build of PyTorch 2.7.1 for DJL 0.36; it serves PyTorch 2.5.1 for
 * CUDA 12.4, whose JNI bridge belongs to DJL 0.33.0 — so an offline CUDA build uses DJL 0.33.0 throughout
 * ({@code ./mvnw -Pcuda}). A JNI version is {@code <pytorch version>-<DJL version>}.
 */
public final class CudaArtifacts {
    public static final String DJL_VERSION = "0.33.0";
    public static final String PYTORCH_VERSION = "2.5.1";
    public static final String CUDA_FLAVOR = "cu124";
    public static final String API = "ai.djl:api:" + DJL_VERSION;
    public static final String ENGINE = "ai.djl.pytorch:pytorch-engine:" + DJL_VERSION;
    public static final String JNI = "ai.djl.pytorch:pytorch-jni:" + PYTORCH_VERSION + "-" + DJL_VERSION;
    /** The native library jar; its classifier is {@code linux-x86_64} (or {@code win-x86_64}). */
    public static final String NATIVE = "ai.djl.pytorch:pytorch-native-" + CUDA_FLAVOR + ":" + PYTORCH_VERSION;

    private CudaArtifacts() {
    }

    /** Every coordinate, as {@code group:artifact:version}. */
    public static List<String> all() {
        return List.of(API, ENGINE, JNI, NATIVE);
    }
}
