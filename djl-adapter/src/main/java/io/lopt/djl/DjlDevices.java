package io.lopt.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;

/**
 * Where the batched DJL backend runs. {@code cpu} means lopt's own CPU kernels (no DJL at all); {@code cuda} a CUDA
 * GPU through DJL's PyTorch engine; {@code auto} the GPU when DJL sees one, else the CPU kernels; {@code djl-cpu}
 * DJL's PyTorch engine on the CPU (what the tests use to check this backend against the CPU kernels).
 */
public final class DjlDevices {
    public static final String CPU = "cpu";
    public static final String CUDA = "cuda";
    public static final String AUTO = "auto";
    public static final String DJL_CPU = "djl-cpu";

    private DjlDevices() {
    }

    /**
     * The DJL device for a {@code --device} value, or null for lopt's CPU kernels.
     *
     * @throws IllegalArgumentException for an unknown value, or {@code cuda} without a GPU or its engine
     */
    public static Device resolve(String name) {
        String n = name == null ? CPU : name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case CPU:
                return null;
            case DJL_CPU:
                engine();
                return Device.cpu();
            case AUTO:
                try {
                    return engine().getGpuCount() > 0 ? Device.gpu() : null;
                } catch (RuntimeException | UnsatisfiedLinkError e) {
                    return null; // no PyTorch engine here: the CPU kernels
                }
            case CUDA:
                int gpus;
                try {
                    gpus = engine().getGpuCount();
                } catch (RuntimeException | UnsatisfiedLinkError e) {
                    throw new IllegalArgumentException("--device cuda: DJL's PyTorch engine could not be loaded ("
                            + e.getMessage() + "); see the README section 'GPU' for the native libraries it needs", e);
                }
                if (gpus == 0) {
                    throw new IllegalArgumentException("--device cuda: DJL's PyTorch engine sees no CUDA GPU (its "
                            + "native library is the CPU build, or no GPU is visible); use --device cpu or auto");
                }
                return Device.gpu();
            default:
                throw new IllegalArgumentException("unknown device '" + name + "' (expected cpu, cuda, auto or djl-cpu)");
        }
    }

    static Engine engine() {
        Engine e = Engine.getEngine("PyTorch");
        if (e == null) {
            throw new IllegalArgumentException("DJL's PyTorch engine is not on the classpath: --device needs "
                    + "ai.djl.pytorch:pytorch-engine and a native library (README, section GPU)");
        }
        return e;
    }
}
