package io.lopt.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import io.lopt.optimizees.models.Mlp;

/**
 * The optimizee MLP of {@link Mlp} — forward, exact backward, softmax cross-entropy — for P particles of the same
 * architecture at once, as batched NDArray operations (on a GPU through DJL's PyTorch engine). Parameters are
 * {@code [P, fan_in, fan_out]} weights and {@code [P, 1, out]} biases, in the order of {@link Mlp#specs()}.
 */
final class BatchedMlp {
    private final Mlp model;

    BatchedMlp(Mlp model) {
        this.model = model;
    }

    /** Losses [P] and gradients (same shapes as params) of x [P, B, in] with one-hot labels [P, B, C]. */
    NDList lossAndGradient(NDArray[] params, NDArray x, NDArray onehot, NDArray[] gradsOut) {
        int depth = model.depth();
        long batch = x.getShape().get(1);
        NDArray[] h = new NDArray[depth];
        NDArray in = x;
        for (int l = 0; l < depth; l++) {
            h[l] = in.matMul(params[2 * l]).add(params[2 * l + 1]).maximum(0f);
            in = h[l];
        }
        float mult = model.readoutMultiplier();
        NDArray logits = in.matMul(params[2 * depth]).add(params[2 * depth + 1]).mul(mult);
        NDArray logp = logits.logSoftmax(2);
        NDArray loss = logp.mul(onehot).sum(new int[] {1, 2}).neg().div(batch);
        NDArray dz = logp.exp().sub(onehot).div(batch).mul(mult);
        gradsOut[2 * depth] = h[depth - 1].transpose(0, 2, 1).matMul(dz);
        gradsOut[2 * depth + 1] = dz.sum(new int[] {1}, true);
        NDArray dh = dz.matMul(params[2 * depth].transpose(0, 2, 1));
        for (int l = depth - 1; l >= 0; l--) {
            NDArray mask = h[l].gt(0f).toType(DataType.FLOAT32, false);
            NDArray d = dh.mul(mask);
            NDArray prev = l == 0 ? x : h[l - 1];
            gradsOut[2 * l] = prev.transpose(0, 2, 1).matMul(d);
            gradsOut[2 * l + 1] = d.sum(new int[] {1}, true);
            if (l > 0) {
                dh = d.matMul(params[2 * l].transpose(0, 2, 1));
            }
        }
        return new NDList(loss);
    }
}
