package io.lopt.optimizees.models;

import io.lopt.kernels.Parallel;
import io.lopt.kernels.VectorSupport;

/**
 * The GELU of the transformer's MLP, in its tanh form (GPT-2's): gelu(u) = ½·u·(1 + tanh(√(2/π)·(u + 0.044715·u³))).
 * The elementwise loops run on the Vector API ({@link GeluKernel}) when it is enabled, else on the scalar definition
 * here; tests hold the two together.
 */
public final class Gelu {
    static final float C = (float) Transformer.GELU_C;
    static final float A = 0.044715f;
    static final int CHUNK = 16384;

    private Gelu() {
    }

    /** y[i] = gelu(u[i]) for i &lt; n. */
    public static void forward(float[] u, float[] y, int n, Parallel par) {
        par.forEach((n + CHUNK - 1) / CHUNK, c -> {
            int from = c * CHUNK;
            int to = Math.min(n, from + CHUNK);
            if (VectorSupport.AVAILABLE) {
                GeluKernel.forward(u, y, from, to);
            } else {
                forwardScalar(u, y, from, to);
            }
        });
    }

    /** g[i] *= gelu'(u[i]) for i &lt; n (the gradient with respect to the GELU's output becomes the one of its input). */
    public static void backward(float[] u, float[] g, int n, Parallel par) {
        par.forEach((n + CHUNK - 1) / CHUNK, c -> {
            int from = c * CHUNK;
            int to = Math.min(n, from + CHUNK);
            if (VectorSupport.AVAILABLE) {
                GeluKernel.backward(u, g, from, to);
            } else {
                backwardScalar(u, g, from, to);
            }
        });
    }

    static void forwardScalar(float[] u, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            float x = u[i];
            float t = (float) Math.tanh(C * (x + A * x * x * x));
            y[i] = 0.5f * x * (1 + t);
        }
    }

    static void backwardScalar(float[] u, float[] g, int from, int to) {
        for (int i = from; i < to; i++) {
            float x = u[i];
            float t = (float) Math.tanh(C * (x + A * x * x * x));
            g[i] *= 0.5f * (1 + t) + 0.5f * x * (1 - t * t) * C * (1 + 3 * A * x * x);
        }
    }
}
