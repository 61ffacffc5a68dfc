package io.lopt.metatrain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lopt.kernels.Parallel;
import io.lopt.metatrain.config.MetaTrainConfig;
import io.lopt.metatrain.config.Presets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The determinism contract across versions: a fixed meta-training gives, bit for bit, the θ that the project computed
 * when this test was written (commit 9dc5e79, before the throughput work of docs/meta-training.md's benchmark
 * section). Speed-ups of the kernels must keep every float operation of every element; this catches one that does
 * not. Its tasks reach the code paths that the speed-ups touched: a 10-class readout narrower than a vector, batches
 * and widths that are not multiples of the vector length, matrix blocks that span rows, a ViT.
 *
 * <p>Sums across vector lanes use a fixed butterfly over the machine's vector length, so the recorded value holds
 * for 512-bit vectors (16 floats, this project's machines) and the test is skipped elsewhere. When a change of the
 * arithmetic is intended, say so in the commit and record the new value.
 */
class BitExactThetaTest {
    static final String RECORDED = "5bbea099fc45b92653cda4a44550fcf29dcfdeaacda312cd46d4217e7a565f71";

    static MetaTrainConfig config() {
        String yaml = """
                name: bit-exact
                seed: 11
                outer_steps: 3
                optimizer: {kind: small_fc_lopt, hidden_sizes: [32, 32], step_mult: 0.01, exp_mult: 0.001, mup: true,
                            time_reference: 1000, decay_to: 0.1}
                pes: {pairs: 2, sigma: 0.01, truncation: 4, min_horizon: 20, max_horizon: 40}
                tasks:
                  - {datasets: [synthetic], resolutions: [8], widths: [70], depths: [3], param: mup, batch: 40}
                  - {datasets: [synthetic], resolutions: [4], widths: [16], depths: [2], param: sp, batch: 33}
                  - {family: vit, options: {dataset: [synthetic], res: [4], patch: [2], heads: [2]}, widths: [8],
                     depths: [1], param: mup, batch: 8}
                outer: {lr: 0.003, final_lr: 0.001, warmup: 1, cosine_steps: 2, beta1: 0.9, beta2: 0.999,
                        eps: 1.0e-8, weight_decay: 1.0e-4, clip_norm: 1.0}
                checkpoint_every: 10
                keep_states: 1
                """;
        return Presets.fromYaml(yaml, "bit-exact");
    }

    static String sha256(float[] theta) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(4 * theta.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : theta) {
            b.putFloat(v);
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }

    @Test
    void thetaEqualsTheRecordedValue() throws Exception {
        Assumptions.assumeTrue(FloatVector.SPECIES_PREFERRED.length() == 16, "recorded with 512-bit vectors");
        try (Parallel two = Parallel.of(2)) {
            MetaTrainer t = new MetaTrainer(config(), null, two);
            for (int i = 0; i < 3; i++) {
                t.step();
            }
            String got = sha256(t.theta());
            System.out.println("bit-exact θ sha256 " + got);
            assertEquals(RECORDED, got, "θ after 3 outer steps changed bit-wise");
        }
    }
}
