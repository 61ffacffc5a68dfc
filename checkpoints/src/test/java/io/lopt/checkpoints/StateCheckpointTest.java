package io.lopt.checkpoints;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.optim.Optimizer;
import io.lopt.optim.OptimizerState;
import io.lopt.optim.ParamSpec;
import io.lopt.optim.Parameter;
import io.lopt.optim.Role;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.SmallFcLopt;
import io.lopt.util.Rng;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateCheckpointTest {
    @TempDir
    Path dir;

    static StateCheckpoint state(long step) {
        ObjectNode meta = Safetensors.JSON.createObjectNode().put("outer_step", step).put("note", "hello");
        return new StateCheckpoint(step, meta, List.of(Tensor.f32("theta", new int[] {3}, new float[] {1, 2, step}),
                Tensor.i64("rng", new long[] {Long.MIN_VALUE, 7}), Tensor.f64("acc", new double[] {Math.PI})));
    }

    @Test
    void roundTripAndRotation() {
        for (long s = 1; s <= 5; s++) {
            state(s).save(dir, 3);
        }
        List<Path> files = StateCheckpoint.list(dir);
        assertEquals(3, files.size(), "only the newest 3 are kept");
        assertTrue(files.get(2).getFileName().toString().equals("state-00000005.safetensors"));
        StateCheckpoint last = StateCheckpoint.latest(dir, null);
        assertEquals(5, last.step());
        assertEquals(state(5).tensors(), last.tensors());
        assertEquals(state(5).meta().toString(), last.meta().toString());
        assertArrayEquals(new long[] {Long.MIN_VALUE, 7}, last.tensor("rng").longs());
        assertEquals("hello", last.meta().get("note").asText());
        // size is about the bytes held: 3 floats + 2 longs + 1 double + a small header
        assertTrue(Files.exists(files.get(2)));
    }

    @Test
    void latestSkipsADamagedNewestFile() throws IOException {
        state(1).save(dir, 5);
        state(2).save(dir, 5);
        Path newest = StateCheckpoint.fileFor(dir, 2);
        byte[] b = Files.readAllBytes(newest);
        Files.write(newest, Arrays.copyOf(b, b.length - 5)); // as if a non-atomic writer crashed mid-write
        List<CheckpointException> skipped = new ArrayList<>();
        assertEquals(1, StateCheckpoint.latest(dir, skipped::add).step());
        assertEquals(1, skipped.size());
        assertEquals(CheckpointException.Kind.TRUNCATED, skipped.get(0).kind());
        assertNull(StateCheckpoint.latest(dir.resolve("empty"), null));
    }

    @Test
    void stateChecksumAndFormatAreChecked() {
        byte[] b = state(3).toBytes();
        byte[] flipped = b.clone();
        flipped[b.length - 3] ^= 1;
        assertEquals(CheckpointException.Kind.CHECKSUM_MISMATCH,
                assertThrows(CheckpointException.class, () -> StateCheckpoint.parse(flipped, Path.of("s"))).kind());
        byte[] lo = LearnedOptimizerCheckpointTest.sample().toBytes();
        assertEquals(CheckpointException.Kind.UNSUPPORTED_FORMAT,
                assertThrows(CheckpointException.class, () -> StateCheckpoint.parse(lo, Path.of("s"))).kind());
    }

    @Test
    void restoredOptimizerContinuesExactlyLikeTheSavedOne() {
        List<ParamSpec> specs = List.of(ParamSpec.mup("w", new int[] {30, 20}, Role.HIDDEN, 30, 1.0),
                ParamSpec.mup("b", new int[] {20}, Role.BIAS, 1, 1.0));
        SmallFcLopt lo = LearnedOptimizerCheckpointTest.randomLo(LoptConfig.mulo(), 4);
        Optimizer a = lo.create(specs);
        List<Parameter> pa = new ArrayList<>();
        for (ParamSpec s : specs) {
            Parameter p = Parameter.zeros(s);
            new Rng(1).fillNormal(p.values(), 0.1);
            pa.add(p);
        }
        Rng r = new Rng(3);
        List<List<float[]>> grads = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            List<float[]> g = new ArrayList<>();
            for (ParamSpec s : specs) {
                float[] v = new float[s.size()];
                r.fillNormal(v, 1);
                g.add(v);
            }
            grads.add(g);
        }
        for (int i = 0; i < 3; i++) {
            a.step(pa, grads.get(i));
        }
        OptimizerState st = a.exportState();
        List<Tensor> tensors = new ArrayList<>(OptimizerStates.toTensors("opt", st));
        for (Parameter p : pa) {
            tensors.add(Tensor.f32("param/" + p.name(), p.spec().shape(), p.values()));
        }
        ObjectNode meta = Safetensors.JSON.createObjectNode().put("kind", st.kind()).put("step", st.step());
        Path f = dir.resolve("s.safetensors");
        new StateCheckpoint(3, meta, tensors).write(f);

        StateCheckpoint back = StateCheckpoint.read(f);
        Optimizer b = lo.create(specs);
        b.restoreState(OptimizerStates.fromTensors("opt", back.meta().get("kind").asText(),
                back.meta().get("step").asLong(), back.tensorMap()));
        List<Parameter> pb = new ArrayList<>();
        for (ParamSpec s : specs) {
            pb.add(new Parameter(s, back.tensor("param/" + s.name()).floats()));
        }
        for (int i = 3; i < 6; i++) {
            a.step(pa, grads.get(i));
            b.step(pb, grads.get(i));
        }
        for (int t = 0; t < specs.size(); t++) {
            assertArrayEquals(pa.get(t).values(), pb.get(t).values());
        }
    }

    @Test
    void anOptimizerStateFileRoundTripsAndRefusesDamageAndForeignFiles() throws IOException {
        List<ParamSpec> specs = List.of(ParamSpec.mup("w", new int[] {7, 5}, Role.HIDDEN, 7),
                ParamSpec.mup("b", new int[] {5}, Role.BIAS, 1));
        Optimizer a = LearnedOptimizerCheckpointTest.randomLo(LoptConfig.mulo(), 2).create(specs);
        List<Parameter> p = new ArrayList<>();
        for (ParamSpec s : specs) {
            p.add(Parameter.zeros(s));
        }
        Rng r = new Rng(8);
        for (int i = 0; i < 4; i++) {
            List<float[]> g = new ArrayList<>();
            for (ParamSpec s : specs) {
                float[] v = new float[s.size()];
                r.fillNormal(v, 1);
                g.add(v);
            }
            a.step(p, g);
        }
        OptimizerState st = a.exportState();
        Path f = dir.resolve("opt.safetensors");
        OptimizerStates.write(f, st);
        OptimizerState back = OptimizerStates.read(f);
        assertEquals(st.kind(), back.kind());
        assertEquals(4, back.step());
        assertEquals(st.tensors().keySet(), back.tensors().keySet());
        for (String k : st.tensors().keySet()) {
            assertArrayEquals(st.tensors().get(k), back.tensors().get(k), k);
        }
        byte[] bytes = Files.readAllBytes(f);
        bytes[bytes.length - 3] ^= 0x10;
        Files.write(f, bytes);
        assertEquals(CheckpointException.Kind.CHECKSUM_MISMATCH,
                assertThrows(CheckpointException.class, () -> OptimizerStates.read(f)).kind());
        Path meta = dir.resolve("meta.safetensors");
        state(3).write(meta);
        CheckpointException e = assertThrows(CheckpointException.class, () -> OptimizerStates.read(meta));
        assertTrue(e.getMessage().contains("not an optimizer state"), e.getMessage());
        // several named states in one file (the DJL and DL4J adapters keep one per tensor)
        Path all = dir.resolve("all.safetensors");
        java.util.Map<String, OptimizerState> m = new java.util.LinkedHashMap<>();
        m.put("fc1/weight", st);
        m.put("fc1/bias", new OptimizerState(st.kind(), 2, java.util.Map.of("x", new float[] {1, 2})));
        OptimizerStates.writeAll(all, m);
        java.util.Map<String, OptimizerState> back2 = OptimizerStates.readAll(all);
        assertEquals(m.keySet(), back2.keySet());
        assertEquals(2, back2.get("fc1/bias").step());
        assertArrayEquals(new float[] {1, 2}, back2.get("fc1/bias").tensors().get("x"));
        assertThrows(CheckpointException.class, () -> OptimizerStates.readAll(meta));
    }
}
