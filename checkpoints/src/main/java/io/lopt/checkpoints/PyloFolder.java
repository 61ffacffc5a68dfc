package io.lopt.checkpoints;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lopt.optim.lo.LoptConfig;
import io.lopt.optim.lo.MetaParameters;
import io.lopt.optim.lo.SmallFcLopt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The folder layout of pylo (the PyTorch port of μLO) and of the released μLO weights on the Hugging Face hub:
 * {@code config.json} = {@code {"hidden_layers": H, "hidden_size": N, "input_size": 39}} and {@code model.safetensors}
 * with {@code network.input.*}, {@code network.linear_i.*} (i &lt; H) and {@code network.output.*}, weights in PyTorch
 * {@code [out, in]} layout; output 0 is the direction, output 1 the magnitude.
 *
 * <p>pylo keeps the decay offsets out of the folder, as defaults ({@link #PYLO_MOMENTUM} etc.). Import uses the
 * offsets lopt wrote into the safetensors metadata when present, pylo's defaults otherwise. Export writes exactly the
 * tensors pylo expects and puts lopt's offsets in the metadata; when they differ from pylo's defaults, pass them to
 * pylo's optimizer ({@code momentum_decays=…, rms_decays=…, adafactor_decays=…}).
 *
 * <p>Unlike pylo, the reader is strict: a missing, extra or mis-shaped key is an error.
 */
public final class PyloFolder {
    public static final float[] PYLO_MOMENTUM = {0.15216392f, 0.14245212f, 0.06812963f};
    public static final float[] PYLO_RMS = {0.01079706f};
    public static final float[] PYLO_ADAFACTOR = {0.18621896f, -0.10864615f, -0.06185547f};
    static final String OFFSETS_KEY = "lopt_decay_offsets";
    private static final Set<String> CONFIG_KEYS = Set.of("hidden_layers", "hidden_size", "input_size");

    private PyloFolder() {
    }

    /**
     * Reads a pylo folder as a small_fc_lopt.
     *
     * @param mup true: μLO (λ1 = 0.01, steps scaled by s_W); false: the SP learned optimizer (λ1 = 0.001)
     */
    public static LearnedOptimizerCheckpoint importFolder(Path dir, boolean mup) {
        if (!Files.exists(dir)) {
            throw new CheckpointException(CheckpointException.Kind.NOT_FOUND, dir, "no such folder");
        }
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(CheckpointException.Kind.NOT_A_FILE, dir,
                    "is a file; a pylo checkpoint is a folder with config.json and model.safetensors");
        }
        Path cfgFile = dir.resolve("config.json");
        int[] hl = parseConfig(Safetensors.readFile(cfgFile), cfgFile);
        int layers = hl[0];
        int h = hl[1];
        List<Integer> hidden = new ArrayList<>();
        for (int i = 0; i <= layers; i++) {
            hidden.add(h);
        }
        LoptConfig base = mup ? LoptConfig.mulo() : LoptConfig.sp();
        LoptConfig cfg = new LoptConfig(hidden, base.stepMult(), base.expMult(), mup);
        MetaParameters lay = MetaParameters.of(cfg);
        Path model = dir.resolve("model.safetensors");
        Safetensors.Contents c = Safetensors.read(model);
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor t : c.tensors()) {
            byName.put(t.name(), t);
        }
        float[] theta = new float[lay.size()];
        List<String> expected = new ArrayList<>();
        for (int l = 0; l < lay.layers(); l++) {
            String torch = torchName(l, lay.layers());
            int in = lay.layerInputs(l);
            int out = lay.layerOutputs(l);
            float[] w = take(byName, torch + ".weight", new int[] {out, in}, model);
            float[] b = take(byName, torch + ".bias", new int[] {out}, model);
            expected.add(torch + ".weight");
            expected.add(torch + ".bias");
            // PyTorch [out, in] → ours [in, out]
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    theta[lay.weightOffset(l) + i * out + o] = w[o * in + i];
                }
            }
            System.arraycopy(b, 0, theta, lay.biasOffset(l), out);
        }
        if (!byName.isEmpty()) {
            throw new CheckpointException(CheckpointException.Kind.MISMATCH, model, "unexpected tensor(s) "
                    + byName.keySet() + " (expected exactly " + expected + ")");
        }
        float[][] offsets = offsets(c.metadata().get(OFFSETS_KEY), model);
        lay.set(theta, MetaParameters.MOMENTUM, offsets[0]);
        lay.set(theta, MetaParameters.RMS, offsets[1]);
        lay.set(theta, MetaParameters.ADAFACTOR, offsets[2]);
        return LearnedOptimizerKinds.of(new SmallFcLopt(cfg, theta),
                Provenance.of("imported from pylo folder " + dir.toAbsolutePath().normalize()
                        + (c.metadata().containsKey(OFFSETS_KEY) ? " (decay offsets from its metadata)"
                                : " (pylo's default decay offsets)")));
    }

    /** [hidden_layers, hidden_size] from config.json, strictly checked. */
    static int[] parseConfig(byte[] bytes, Path file) {
        JsonNode cfg;
        try {
            cfg = Safetensors.JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw Safetensors.corrupt(file, "not valid JSON: " + e.getOriginalMessage());
        }
        if (cfg == null || !cfg.isObject()) {
            throw Safetensors.corrupt(file, "not a JSON object");
        }
        Iterator<String> names = cfg.fieldNames();
        while (names.hasNext()) {
            String k = names.next();
            if (!CONFIG_KEYS.contains(k)) {
                throw Safetensors.corrupt(file, "unknown key '" + k + "' (expected hidden_layers, hidden_size, input_size)");
            }
        }
        for (String k : CONFIG_KEYS) {
            if (!cfg.path(k).isIntegralNumber()) {
                throw Safetensors.corrupt(file, "'" + k + "' must be an integer");
            }
        }
        int layers = cfg.get("hidden_layers").asInt();
        int h = cfg.get("hidden_size").asInt();
        int in = cfg.get("input_size").asInt();
        if (in != MetaParameters.INPUTS) {
            throw new CheckpointException(CheckpointException.Kind.MISMATCH, file, "input_size " + in
                    + " is not the 39 features of small_fc_lopt");
        }
        if (layers < 0 || layers > 16 || h < 4 || h > 1024 || h % 4 != 0) {
            throw new CheckpointException(CheckpointException.Kind.MISMATCH, file, "hidden_layers " + layers
                    + " / hidden_size " + h + " out of the supported range (0..16 layers, sizes multiple of 4 up to 1024)");
        }
        return new int[] {layers, h};
    }

    private static String torchName(int l, int layers) {
        if (l == 0) {
            return "network.input";
        }
        if (l == layers - 1) {
            return "network.output";
        }
        return "network.linear_" + (l - 1);
    }

    private static float[] take(Map<String, Tensor> byName, String name, int[] shape, Path file) {
        Tensor t = byName.remove(name);
        if (t == null) {
            throw new CheckpointException(CheckpointException.Kind.MISMATCH, file, "tensor '" + name
                    + "' is missing (expected F32" + Arrays.toString(shape) + ")");
        }
        if (t.dtype() != Tensor.DType.F32 || !Arrays.equals(t.intShape(), shape)) {
            throw new CheckpointException(CheckpointException.Kind.MISMATCH, file, "tensor '" + name + "' is "
                    + t.dtype() + Arrays.toString(t.shape()) + ", expected F32" + Arrays.toString(shape));
        }
        return t.floats();
    }

    private static float[][] offsets(String json, Path file) {
        if (json == null) {
            return new float[][] {PYLO_MOMENTUM.clone(), PYLO_RMS.clone(), PYLO_ADAFACTOR.clone()};
        }
        try {
            JsonNode o = Safetensors.JSON.readTree(json);
            return new float[][] {floats(o, "momentum", 3, file), floats(o, "rms", 1, file),
                floats(o, "adafactor", 3, file)};
        } catch (JsonProcessingException e) {
            throw Safetensors.corrupt(file, OFFSETS_KEY + " metadata is not valid JSON");
        }
    }

    private static float[] floats(JsonNode o, String k, int n, Path file) {
        JsonNode a = o == null ? null : o.get(k);
        if (a == null || !a.isArray() || a.size() != n) {
            throw Safetensors.corrupt(file, OFFSETS_KEY + "." + k + " must be a list of " + n + " numbers");
        }
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            if (!a.get(i).isNumber()) {
                throw Safetensors.corrupt(file, OFFSETS_KEY + "." + k + " must be a list of " + n + " numbers");
            }
            f[i] = (float) a.get(i).asDouble();
        }
        return f;
    }

    /**
     * Writes a small_fc_lopt checkpoint as a pylo folder. Existing config.json / model.safetensors are only replaced
     * with {@code overwrite}.
     *
     * @return whether the decay offsets differ from pylo's defaults (then pylo users must pass them explicitly)
     */
    public static boolean exportFolder(LearnedOptimizerCheckpoint ckpt, Path dir, boolean overwrite) {
        LoptConfig cfg = LearnedOptimizerKinds.smallFcConfig(ckpt);
        if (cfg.adamInputs()) {
            throw new IllegalArgumentException("pylo's MetaMLP reads the paper's 39 inputs; this optimizer also reads the "
                    + "un-normalised Adam inputs (adam_inputs: true), which pylo does not compute");
        }
        List<Integer> hidden = cfg.hiddenSizes();
        for (int h : hidden) {
            if (h != hidden.get(0)) {
                throw new IllegalArgumentException("pylo's MetaMLP has equal hidden sizes; this optimizer has " + hidden);
            }
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new CheckpointException(CheckpointException.Kind.NOT_A_FILE, dir, "exists and is not a folder");
        }
        Path cfgFile = dir.resolve("config.json");
        Path model = dir.resolve("model.safetensors");
        if (!overwrite && (Files.exists(cfgFile) || Files.exists(model))) {
            throw new CheckpointException(CheckpointException.Kind.IO, dir,
                    "already holds config.json or model.safetensors (use --force to replace them)");
        }
        MetaParameters lay = MetaParameters.of(cfg);
        float[] theta = ckpt.theta();
        List<Tensor> tensors = new ArrayList<>();
        for (int l = 0; l < lay.layers(); l++) {
            int in = lay.layerInputs(l);
            int out = lay.layerOutputs(l);
            float[] w = new float[in * out];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    w[o * in + i] = theta[lay.weightOffset(l) + i * out + o];
                }
            }
            String torch = torchName(l, lay.layers());
            tensors.add(Tensor.f32(torch + ".weight", new int[] {out, in}, w));
            tensors.add(Tensor.f32(torch + ".bias", new int[] {out}, Arrays.copyOfRange(theta, lay.biasOffset(l),
                    lay.biasOffset(l) + out)));
        }
        float[] mom = lay.get(theta, MetaParameters.MOMENTUM);
        float[] rms = lay.get(theta, MetaParameters.RMS);
        float[] ada = lay.get(theta, MetaParameters.ADAFACTOR);
        ObjectNode off = Safetensors.JSON.createObjectNode();
        Arrays.asList(new Object[] {"momentum", mom}, new Object[] {"rms", rms}, new Object[] {"adafactor", ada})
                .forEach(e -> {
                    var arr = off.putArray((String) e[0]);
                    for (float f : (float[]) e[1]) {
                        arr.add(f);
                    }
                });
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(OFFSETS_KEY, off.toString());
        meta.put("lopt_source_sha256", ckpt.sha256());
        ObjectNode c = Safetensors.JSON.createObjectNode();
        c.put("hidden_layers", hidden.size() - 1);
        c.put("hidden_size", hidden.get(0));
        c.put("input_size", MetaParameters.INPUTS);
        try {
            Files.createDirectories(dir);
            AtomicFiles.write(model, Safetensors.toBytes(tensors, meta));
            AtomicFiles.write(cfgFile, Safetensors.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(c));
        } catch (IOException e) {
            throw new CheckpointException(CheckpointException.Kind.IO, dir, "cannot write: " + e.getMessage(), e);
        }
        return !(Arrays.equals(mom, PYLO_MOMENTUM) && Arrays.equals(rms, PYLO_RMS) && Arrays.equals(ada, PYLO_ADAFACTOR));
    }
}
