package io.lopt.optimizees.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lopt.kernels.Parallel;
import io.lopt.util.Rng;
import org.junit.jupiter.api.Test;

class GeluTest {
    @Test
    void vectorKernelMatchesTheScalarDefinitionAndTheFormula() {
        org.junit.jupiter.api.Assertions.assertTrue(io.lopt.kernels.VectorSupport.AVAILABLE,
                "the tests run with the Vector API, so that the kernel is the one compared");
        for (int n : new int[] {1, 7, 16, 33, 16384 + 5, 40000}) {
            float[] u = new float[n];
            new Rng(n).fillNormal(u, 3.0);
            float[] ys = new float[n];
            float[] yv = new float[n];
            Gelu.forwardScalar(u, ys, 0, n);
            Gelu.forward(u, yv, n, Parallel.of(2));
            float[] gs = new float[n];
            float[] gv = new float[n];
            java.util.Arrays.fill(gs, 1.5f);
            java.util.Arrays.fill(gv, 1.5f);
            Gelu.backwardScalar(u, gs, 0, n);
            Gelu.backward(u, gv, n, Parallel.of(2));
            for (int i = 0; i < n; i++) {
                double x = u[i];
                double exact = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
                assertEquals(exact, ys[i], 1e-6 * (1 + Math.abs(exact)), "scalar gelu(" + x + ")");
                assertEquals(ys[i], yv[i], 2e-6 * (1 + Math.abs(ys[i])), "vector gelu(" + x + ")");
                double h = 1e-3;
                double fd = 1.5 * (g(x + h) - g(x - h)) / (2 * h);
                assertEquals(fd, gs[i], 1e-4 * (1 + Math.abs(fd)), "scalar gelu'(" + x + ")");
                assertEquals(gs[i], gv[i], 2e-6 * (1 + Math.abs(gs[i])), "vector gelu'(" + x + ")");
            }
        }
    }

    private static double g(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }
}
