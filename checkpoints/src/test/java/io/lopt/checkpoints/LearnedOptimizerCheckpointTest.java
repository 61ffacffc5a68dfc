package io.lopt.checkpoints;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.lo.SmallFcLopt;
import io.lopt.util.Rng;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LearnedOptimizerCheckpointTest {
    @TempDir
    Path dir;

    static SmallFcLopt randomLo(LoptConfig cfg, long seed) {
        float[] theta = MetaParameters.of(cfg).init(seed);
        Rng r = new Rng(seed);
        for (int i = theta.length - 7; i < theta.length; i++) {
            theta[i] = (float) (0.05 * r.nextGaussian());
        }
        return new SmallFcLopt(cfg, theta);
    }

    static LearnedOptimizerCheckpoint sample() {
        ObjectNode mt = Safetensors.JSON.createObjectNode().put("preset", "quick");
        return LearnedOptimizerKinds.of(randomLo(LoptConfig.mulo(), 3),
                new Provenance("0.1.0-test", "2026-11-28T12:00:00Z", mt, 42, null, "test"));
    }

    static CheckpointException.Kind failureKind(byte[] bytes) {
        return assertThrows(CheckpointException.class, () -> LearnedOptimizerCheckpoint.parse(bytes, Path.of("x")))
                .kind();
    }

    @Test
    void roundTripIsExact() {
        LearnedOptimizerCheckpoint c = sample();
        Path f = dir.resolve("lo.safetensors");
        c.write(f);
        LearnedOptimizerCheckpoint back = LearnedOptimizerCheckpoint.read(f);
        assertArrayEquals(c.theta(), back.theta());
        assertEquals(c.config(), back.config());
        assertEquals(c.provenance(), back.provenance());
        assertEquals(c.sha256(), back.sha256());
        assertEquals(LoptConfig.mulo(), LearnedOptimizerKinds.smallFcConfig(back));
        // the tensors are the named views of θ, readable by any safetensors reader
        Safetensors.Contents raw = Safetensors.read(f);
        assertEquals(List.of(39L, 32L), Arrays.stream(raw.tensor("mlp/w0").shape()).boxed().toList());
        assertEquals(3, raw.tensor("decay/momentum").elements());
    }

    @Test
    void aRelativeTimeReferenceRoundTripsAndOldFilesReadAsAbsoluteTime() {
        LoptConfig rel = LoptConfig.mulo().withTimeReference(1000).withDecayTo(0.1);
        LearnedOptimizerCheckpoint c = LearnedOptimizerKinds.of(randomLo(rel, 5), Provenance.of("relative time test"));
        Path f = dir.resolve("rel.safetensors");
        c.write(f);
        LearnedOptimizerCheckpoint back = LearnedOptimizerCheckpoint.read(f);
        assertEquals(rel, LearnedOptimizerKinds.smallFcConfig(back));
        assertTrue(Safetensors.parse(c.toBytes(), null).metadata().get("lopt").contains("\"time_reference\":1000"));
        assertTrue(Safetensors.parse(c.toBytes(), null).metadata().get("lopt").contains("\"decay_to\":0.1"));
        // absolute time writes no key, so files from before the key are read (and written) unchanged
        assertFalse(Safetensors.parse(sample().toBytes(), null).metadata().get("lopt").contains("time_reference"));
        assertFalse(Safetensors.parse(sample().toBytes(), null).metadata().get("lopt").contains("decay_to"));
        String bad = Safetensors.parse(c.toBytes(), null).metadata().get("lopt").replace("\"time_reference\":1000",
                "\"time_reference\":-3");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LearnedOptimizerCheckpoint.parse(withMetadata(c, Map.of("lopt", bad), null), Path.of("x")));
        assertTrue(e.getMessage().contains("time_reference"), e.getMessage());
    }

    @Test
    void aHorizonExponentRoundTripsAndIsAbsentWhenZero() {
        LoptConfig scaled = LoptConfig.mulo().withTimeReference(1000).withDecayTo(0.1).withHorizonExponent(0.5);
        LearnedOptimizerCheckpoint c = LearnedOptimizerKinds.of(randomLo(scaled, 6), Provenance.of("horizon test"));
        Path f = dir.resolve("h.safetensors");
        c.write(f);
        assertEquals(scaled, LearnedOptimizerKinds.smallFcConfig(LearnedOptimizerCheckpoint.read(f)));
        String meta = Safetensors.parse(c.toBytes(), null).metadata().get("lopt");
        assertTrue(meta.contains("\"horizon_exponent\":0.5"), meta);
        LearnedOptimizerCheckpoint plain = LearnedOptimizerKinds.of(randomLo(scaled.withHorizonExponent(0), 6),
                Provenance.of("horizon test"));
        assertFalse(Safetensors.parse(plain.toBytes(), null).metadata().get("lopt").contains("horizon_exponent"));
        String bad = meta.replace("\"horizon_exponent\":0.5", "\"horizon_exponent\":\"big\"");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LearnedOptimizerCheckpoint.parse(withMetadata(c, Map.of("lopt", bad), null), Path.of("x")));
        assertTrue(e.getMessage().contains("horizon_exponent"), e.getMessage());
        String orphan = meta.replace("\"time_reference\":1000,", "");
        e = assertThrows(CheckpointException.class,
                () -> LearnedOptimizerCheckpoint.parse(withMetadata(c, Map.of("lopt", orphan), null), Path.of("x")));
        assertTrue(e.getMessage().contains("needs time_reference"), e.getMessage());
    }

    @Test
    void veloCheckpointsRoundTripToo() {
        io.lopt.optim.velo.VeloConfig cfg = io.lopt.optim.velo.VeloConfig.muVelo();
        LearnedOptimizerCheckpoint c = LearnedOptimizerKinds.of(cfg, cfg.initialTheta(4), Provenance.of("velo test"));
        Path f = dir.resolve("velo.safetensors");
        c.write(f);
        LearnedOptimizerCheckpoint back = LearnedOptimizerCheckpoint.read(f);
        assertEquals("velo", back.optimizer());
        assertArrayEquals(c.theta(), back.theta());
        assertEquals(cfg, LearnedOptimizerKinds.family(back));
        assertTrue(LearnedOptimizerKinds.mup(back));
        assertTrue(LearnedOptimizerKinds.factory(back) instanceof io.lopt.optim.velo.Velo);
        assertEquals(List.of(8L, 30L, 4L), Arrays.stream(Safetensors.read(f).tensor("bank/w0").shape()).boxed().toList());
        // a velo configuration that disagrees with its tensors
        String meta = Safetensors.parse(c.toBytes(), null).metadata().get("lopt");
        String lopt = meta.replace("\"bank_size\":8", "\"bank_size\":4");
        assertEquals(CheckpointException.Kind.MISMATCH, failureKind(withMetadata(c, Map.of("lopt", lopt), null)));
        // a checkpoint of the first, VeLO-inspired design (no design_version) gets a one-line error saying what to do
        String first = meta.replace("\"design_version\":2,", "");
        assertTrue(!first.equals(meta));
        CheckpointException old = assertThrows(CheckpointException.class,
                () -> LearnedOptimizerCheckpoint.parse(withMetadata(c, Map.of("lopt", first), null), Path.of("old")));
        assertEquals(CheckpointException.Kind.UNSUPPORTED_FORMAT, old.kind());
        assertTrue(old.getMessage().contains("meta-train it again"), old.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PyloFolder.exportFolder(c, dir.resolve("p"), false),
                "pylo folders hold small_fc_lopt only");
    }

    @Test
    void everyTruncationIsRejected() {
        byte[] b = sample().toBytes();
        for (int len = 0; len < b.length; len += (len < 600 ? 1 : 97)) {
            byte[] cut = Arrays.copyOf(b, len);
            CheckpointException.Kind k = failureKind(cut);
            assertTrue(k == CheckpointException.Kind.TRUNCATED || k == CheckpointException.Kind.CORRUPT,
                    "length " + len + ": " + k);
        }
    }

    @Test
    void bitFlipsAreDetected() {
        byte[] b = sample().toBytes();
        long hlen = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Rng r = new Rng(1);
        for (int i = 0; i < 300; i++) {
            byte[] d = b.clone();
            int pos = 8 + r.nextInt(d.length - 8);
            d[pos] ^= (byte) (1 << r.nextInt(8));
            if (pos >= 8 + hlen) {
                assertEquals(CheckpointException.Kind.CHECKSUM_MISMATCH, failureKind(d), "flip in the data at " + pos);
            } else {
                // in the header: invalid JSON, a changed value, or a changed checksum: never a silent success
                assertThrows(CheckpointException.class, () -> LearnedOptimizerCheckpoint.parse(d, Path.of("x")),
                        "flip in the header at " + pos);
            }
        }
        byte[] len = b.clone();
        len[3] ^= 0x10;
        assertEquals(CheckpointException.Kind.CORRUPT, failureKind(len), "absurd header length");
    }

    private static byte[] withMetadata(LearnedOptimizerCheckpoint c, Map<String, String> changes, List<Tensor> tensors) {
        Safetensors.Contents orig = Safetensors.parse(c.toBytes(), null);
        Map<String, String> meta = new LinkedHashMap<>(orig.metadata());
        meta.putAll(changes);
        List<Tensor> ts = tensors == null ? orig.tensors() : tensors;
        if (!changes.containsKey("sha256")) {
            meta.put("sha256", LearnedOptimizerCheckpoint.digest(meta.get("format"), Integer.parseInt(
                    meta.get("format_version")), meta.get("lopt"), ts));
        }
        return Safetensors.toBytes(ts, meta);
    }

    @Test
    void wrongFormatOrVersionIsUnsupported() {
        LearnedOptimizerCheckpoint c = sample();
        CheckpointException e = assertThrows(CheckpointException.class, () -> LearnedOptimizerCheckpoint.parse(
                withMetadata(c, Map.of("format_version", "99"), null), Path.of("f")));
        assertEquals(CheckpointException.Kind.UNSUPPORTED_FORMAT, e.kind());
        assertTrue(e.getMessage().contains("version 99"), e.getMessage());
        assertEquals(CheckpointException.Kind.UNSUPPORTED_FORMAT,
                failureKind(withMetadata(c, Map.of("format", "lopt.meta-training-state"), null)));
        assertEquals(CheckpointException.Kind.UNSUPPORTED_FORMAT,
                failureKind(Safetensors.toBytes(List.of(Tensor.f64("x", new double[] {1})), Map.of())));
    }

    @Test
    void tensorsThatDoNotMatchTheConfigurationAreRejected() {
        LearnedOptimizerCheckpoint c = sample();
        List<Tensor> ts = new ArrayList<>(Safetensors.parse(c.toBytes(), null).tensors());
        // mis-shaped
        List<Tensor> bad = new ArrayList<>(ts);
        bad.set(0, Tensor.f32("mlp/w0", new int[] {32, 39}, new float[39 * 32]));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LearnedOptimizerCheckpoint.parse(withMetadata(c, Map.of(), bad), Path.of("f")));
        assertEquals(CheckpointException.Kind.MISMATCH, e.kind());
        assertTrue(e.getMessage().contains("mlp/w0") && e.getMessage().contains("[39, 32]"), e.getMessage());
        // missing
        List<Tensor> missing = new ArrayList<>(ts);
        missing.remove(1);
        assertEquals(CheckpointException.Kind.MISMATCH, failureKind(withMetadata(c, Map.of(), missing)));
        // extra
        List<Tensor> extra = new ArrayList<>(ts);
        extra.add(Tensor.f32("mlp/w9", new int[] {1}, new float[1]));
        assertEquals(CheckpointException.Kind.MISMATCH, failureKind(withMetadata(c, Map.of(), extra)));
        // a configuration that disagrees with the tensors
        String lopt = Safetensors.parse(c.toBytes(), null).metadata().get("lopt").replace("[32,32]", "[16,16]");
        assertEquals(CheckpointException.Kind.MISMATCH, failureKind(withMetadata(c, Map.of("lopt", lopt), null)));
        // non-finite θ
        List<Tensor> nan = new ArrayList<>(ts);
        float[] w = nan.get(0).floats();
        w[5] = Float.NaN;
        nan.set(0, Tensor.f32("mlp/w0", new int[] {39, 32}, w));
        assertEquals(CheckpointException.Kind.CORRUPT, failureKind(withMetadata(c, Map.of(), nan)));
        // an unknown configuration key
        String extraKey = Safetensors.parse(c.toBytes(), null).metadata().get("lopt").replace("\"mup\":true",
                "\"mup\":true,\"lr\":3");
        CheckpointException e2 = assertThrows(CheckpointException.class, () -> LearnedOptimizerCheckpoint.parse(
                withMetadata(c, Map.of("lopt", extraKey), null), Path.of("f")));
        assertTrue(e2.getMessage().contains("unknown small_fc_lopt configuration key 'lr'"), e2.getMessage());
    }

    @Test
    void malformedHeadersGetClearErrors() {
        assertEquals(CheckpointException.Kind.CORRUPT, failureKind(header("[1, 2, 3]")));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LearnedOptimizerCheckpoint.parse(header("[1, 2, 3]"), Path.of("h")));
        assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
        assertEquals(CheckpointException.Kind.CORRUPT, failureKind(header("{\"a\": ")));
        assertEquals(CheckpointException.Kind.CORRUPT,
                failureKind(header("{\"t\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}")));
        assertEquals(CheckpointException.Kind.CORRUPT,
                failureKind(header("{\"t\": {\"dtype\": \"Q7\", \"shape\": [1], \"data_offsets\": [0, 4]}}")));
        assertEquals(CheckpointException.Kind.CORRUPT, failureKind(header("{\"__metadata__\": {\"a\": 1}}")));
        byte[] absurd = new byte[16];
        ByteBuffer.wrap(absurd).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE);
        CheckpointException e3 = assertThrows(CheckpointException.class,
                () -> LearnedOptimizerCheckpoint.parse(absurd, Path.of("h")));
        assertTrue(e3.getMessage().contains("absurd header length"), e3.getMessage());
        assertEquals(CheckpointException.Kind.TRUNCATED, failureKind(new byte[3]));
    }

    static byte[] header(String json) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    @Test
    void directoriesAndMissingFilesAreReported() throws IOException {
        assertEquals(CheckpointException.Kind.NOT_A_FILE,
                assertThrows(CheckpointException.class, () -> LearnedOptimizerCheckpoint.read(dir)).kind());
        assertEquals(CheckpointException.Kind.NOT_FOUND, assertThrows(CheckpointException.class,
                () -> LearnedOptimizerCheckpoint.read(dir.resolve("nope"))).kind());
        Path sub = Files.createDirectory(dir.resolve("sub"));
        assertEquals(CheckpointException.Kind.NOT_A_FILE,
                assertThrows(CheckpointException.class, () -> sample().write(sub)).kind());
    }

    @Test
    void atomicWriteReplacesWholeFilesAndLeavesNoTemporaries() throws IOException {
        Path f = dir.resolve("lo.safetensors");
        sample().write(f);
        LearnedOptimizerCheckpoint other = LearnedOptimizerKinds.of(randomLo(LoptConfig.sp(), 9), Provenance.of("x"));
        other.write(f);
        assertArrayEquals(other.theta(), LearnedOptimizerCheckpoint.read(f).theta());
        try (var s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList());
        }
    }

    @Test
    void pyloFolderRoundTripIsBitIdentical() {
        for (LoptConfig cfg : List.of(LoptConfig.mulo(), LoptConfig.sp())) {
            LearnedOptimizerCheckpoint c = LearnedOptimizerKinds.of(randomLo(cfg, 5), Provenance.of("t"));
            Path folder = dir.resolve("pylo-" + cfg.mup());
            assertTrue(PyloFolder.exportFolder(c, folder, false), "random offsets differ from pylo's defaults");
            LearnedOptimizerCheckpoint back = PyloFolder.importFolder(folder, cfg.mup());
            assertArrayEquals(c.theta(), back.theta());
            assertEquals(cfg, LearnedOptimizerKinds.smallFcConfig(back));
            assertThrows(CheckpointException.class, () -> PyloFolder.exportFolder(c, folder, false),
                    "no silent overwrite");
        }
    }

    /** A folder written the way pylo / the hub write it: PyTorch layout, no lopt metadata. */
    static Path writePyloLike(Path folder, Map<String, int[]> shapes, String config) throws IOException {
        Files.createDirectories(folder);
        List<Tensor> ts = new ArrayList<>();
        Rng r = new Rng(2);
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            int n = Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
            float[] v = new float[n];
            r.fillNormal(v, 0.1);
            ts.add(Tensor.f32(e.getKey(), e.getValue(), v));
        }
        Files.write(folder.resolve("model.safetensors"), Safetensors.toBytes(ts, Map.of("format", "pt")));
        Files.writeString(folder.resolve("config.json"), config);
        return folder;
    }

    static Map<String, int[]> pyloShapes() {
        Map<String, int[]> m = new LinkedHashMap<>();
        m.put("network.input.weight", new int[] {32, 39});
        m.put("network.input.bias", new int[] {32});
        m.put("network.linear_0.weight", new int[] {32, 32});
        m.put("network.linear_0.bias", new int[] {32});
        m.put("network.output.weight", new int[] {2, 32});
        m.put("network.output.bias", new int[] {2});
        return m;
    }

    static final String PYLO_CONFIG = "{\"hidden_layers\": 1, \"hidden_size\": 32, \"input_size\": 39}";

    @Test
    void importsAHubStyleFolderWithPylosDefaultOffsetsAndTransposes() throws IOException {
        Path folder = writePyloLike(dir.resolve("hub"), pyloShapes(), PYLO_CONFIG);
        LearnedOptimizerCheckpoint c = PyloFolder.importFolder(folder, true);
        MetaParameters lay = MetaParameters.of(LoptConfig.mulo());
        float[] theta = c.theta();
        assertArrayEquals(PyloFolder.PYLO_MOMENTUM, lay.get(theta, MetaParameters.MOMENTUM));
        assertArrayEquals(PyloFolder.PYLO_ADAFACTOR, lay.get(theta, MetaParameters.ADAFACTOR));
        float[] torchW = Safetensors.read(folder.resolve("model.safetensors")).tensor("network.input.weight").floats();
        // torch [out=32, in=39] element (o=5, i=7) is our [in, out] element (7, 5)
        assertEquals(torchW[5 * 39 + 7], theta[lay.weightOffset(0) + 7 * 32 + 5]);
        float[] outW = Safetensors.read(folder.resolve("model.safetensors")).tensor("network.output.weight").floats();
        assertEquals(outW[1 * 32 + 3], theta[lay.weightOffset(2) + 3 * 2 + 1], "output 1 is the magnitude");
        assertTrue(c.provenance().source().contains("pylo's default decay offsets"));
    }

    @Test
    void pyloImportIsStrict() throws IOException {
        Map<String, int[]> missing = pyloShapes();
        missing.remove("network.linear_0.bias");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> PyloFolder.importFolder(writePyloLike(dir.resolve("m"), missing, PYLO_CONFIG), true));
        assertTrue(e.getMessage().contains("network.linear_0.bias") && e.getMessage().contains("missing"), e.getMessage());
        Map<String, int[]> extra = pyloShapes();
        extra.put("network.linear_1.weight", new int[] {32, 32});
        e = assertThrows(CheckpointException.class,
                () -> PyloFolder.importFolder(writePyloLike(dir.resolve("e"), extra, PYLO_CONFIG), true));
        assertTrue(e.getMessage().contains("unexpected tensor"), e.getMessage());
        Map<String, int[]> shaped = pyloShapes();
        shaped.put("network.input.weight", new int[] {39, 32});
        e = assertThrows(CheckpointException.class,
                () -> PyloFolder.importFolder(writePyloLike(dir.resolve("s"), shaped, PYLO_CONFIG), true));
        assertTrue(e.getMessage().contains("expected F32[32, 39]"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> PyloFolder.importFolder(
                writePyloLike(dir.resolve("c"), pyloShapes(), "{\"hidden_layers\": 1, \"hidden_size\": 32}"), true));
        assertTrue(e.getMessage().contains("input_size"), e.getMessage());
        assertEquals(CheckpointException.Kind.NOT_FOUND, assertThrows(CheckpointException.class,
                () -> PyloFolder.importFolder(dir.resolve("absent"), true)).kind());
        assertFalse(Files.exists(dir.resolve("absent")));
    }
}
