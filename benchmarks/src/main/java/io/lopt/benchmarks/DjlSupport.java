package io.lopt.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

/** DJL's PyTorch engine on the CPU, offline, with an explicit intra-op thread count: the peer of every benchmark. */
final class DjlSupport {
    private DjlSupport() {
    }

    static NDManager manager(int threads) {
        System.setProperty("ai.djl.offline", "true");
        Engine e = Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(threads);
        return e.newBaseManager();
    }

    static NDArray array(NDManager m, float[] data, long... shape) {
        return m.create(data, new Shape(shape));
    }
}
