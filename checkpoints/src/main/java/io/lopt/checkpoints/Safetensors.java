package io.lopt.checkpoints;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The safetensors format (8-byte little-endian header length, a JSON header, raw little-endian tensor data), read
 * strictly: the header must be a JSON object, every entry must have a known dtype, a shape and offsets that tile the
 * data section exactly, and {@code __metadata__} must map strings to strings. Any violation is a
 * {@link CheckpointException} that says what is wrong.
 */
public final class Safetensors {
    /** Headers larger than this are refused as absurd (the format's own reference limit is 100 MB). */
    public static final long MAX_HEADER = 100L << 20;
    public static final String METADATA = "__metadata__";
    static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Safetensors() {
    }

    /** A parsed file: tensors in file order and the string metadata. */
    public record Contents(List<Tensor> tensors, Map<String, String> metadata) {
        public Contents {
            tensors = List.copyOf(tensors);
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        public Tensor tensor(String name) {
            for (Tensor t : tensors) {
                if (t.name().equals(name)) {
                    return t;
                }
            }
            return null;
        }
    }

    /** Serialises tensors (in the given order) and metadata. */
    public static byte[] toBytes(List<Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            metadata.forEach(meta::put);
        }
        long off = 0;
        Set<String> names = new HashSet<>();
        for (Tensor t : tensors) {
            if (t.name().equals(METADATA) || !names.add(t.name())) {
                throw new IllegalArgumentException("duplicate or reserved tensor name '" + t.name() + "'");
            }
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", t.dtype().name());
            ArrayNode shape = e.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            ArrayNode offs = e.putArray("data_offsets");
            offs.add(off);
            off += t.data().length;
            offs.add(off);
        }
        byte[] h;
        try {
            h = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // pad the header with spaces to a multiple of 8 bytes, as the reference implementation does
        int pad = (8 - h.length % 8) % 8;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + h.length + pad + off)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length + pad);
        out.put(h);
        for (int i = 0; i < pad; i++) {
            out.put((byte) ' ');
        }
        for (Tensor t : tensors) {
            out.put(t.data());
        }
        return out.array();
    }

    /** Reads and validates a file. */
    public static Contents read(Path file) {
        return parse(readSafetensors(file), file);
    }

    /**
     * The bytes of a safetensors file, its header length checked against its size first: a damaged or foreign file
     * (say, 2 GB of zeros) is refused without being read.
     */
    static byte[] readSafetensors(Path file) {
        if (Files.isRegularFile(file)) {
            try (var ch = java.nio.channels.FileChannel.open(file)) {
                long size = ch.size();
                ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                while (head.hasRemaining() && ch.read(head) >= 0) {
                    // the 8-byte header length
                }
                if (!head.hasRemaining()) {
                    checkHeaderLength(head.getLong(0), size - 8, file);
                }
            } catch (IOException e) {
                throw new CheckpointException(CheckpointException.Kind.IO, file, "cannot read: " + e.getMessage(), e);
            }
        }
        return readFile(file);
    }

    /** The bytes of a file, with the errors every checkpoint reader gives (not found, not a file, too large, I/O). */
    public static byte[] readFile(Path file) {
        if (!Files.exists(file)) {
            throw new CheckpointException(CheckpointException.Kind.NOT_FOUND, file, "no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(CheckpointException.Kind.NOT_A_FILE, file,
                    Files.isDirectory(file) ? "is a directory, not a file" : "is not a regular file");
        }
        try {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 16) {
                throw new CheckpointException(CheckpointException.Kind.CORRUPT, file, "file of " + size
                        + " bytes is larger than lopt reads (2 GiB)");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CheckpointException(CheckpointException.Kind.IO, file, "cannot read: " + e.getMessage(), e);
        }
    }

    /** Parses and validates safetensors bytes; {@code source} only names them in errors. */
    public static Contents parse(byte[] bytes, Path source) {
        if (bytes.length < 8) {
            throw new CheckpointException(CheckpointException.Kind.TRUNCATED, source, "only " + bytes.length
                    + " bytes: a safetensors file starts with an 8-byte header length");
        }
        long hlen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        checkHeaderLength(hlen, bytes.length - 8, source);
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) hlen, StandardCharsets.UTF_8));
        } catch (JsonParseException e) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, source, "header is not valid JSON: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, source, "header is not valid JSON: "
                    + e.getMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, source, "header is not a JSON object");
        }
        long dataStart = 8 + hlen;
        long dataLen = bytes.length - dataStart;
        Map<String, String> meta = new LinkedHashMap<>();
        record Entry(String name, Tensor.DType dtype, long[] shape, long begin, long end) {
        }
        List<Entry> entries = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = header.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals(METADATA)) {
                if (!v.isObject()) {
                    throw corrupt(source, "__metadata__ is not a JSON object");
                }
                Iterator<Map.Entry<String, JsonNode>> mi = v.fields();
                while (mi.hasNext()) {
                    Map.Entry<String, JsonNode> m = mi.next();
                    if (!m.getValue().isTextual()) {
                        throw corrupt(source, "__metadata__ value of '" + m.getKey() + "' is not a string");
                    }
                    meta.put(m.getKey(), m.getValue().asText());
                }
                continue;
            }
            if (!v.isObject()) {
                throw corrupt(source, "header entry '" + name + "' is not a JSON object");
            }
            JsonNode dt = v.get("dtype");
            Tensor.DType dtype = dt != null && dt.isTextual() ? Tensor.DType.parse(dt.asText()) : null;
            if (dtype == null) {
                throw corrupt(source, "tensor '" + name + "' has " + (dt == null ? "no dtype" : "unsupported dtype " + dt));
            }
            JsonNode sh = v.get("shape");
            if (sh == null || !sh.isArray() || sh.size() > 8) {
                throw corrupt(source, "tensor '" + name + "' has no valid shape");
            }
            long[] shape = new long[sh.size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = sh.get(i);
                if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE) {
                    throw corrupt(source, "tensor '" + name + "' has an invalid dimension " + d);
                }
                shape[i] = d.asLong();
            }
            JsonNode off = v.get("data_offsets");
            if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber()
                    || !off.get(1).isIntegralNumber()) {
                throw corrupt(source, "tensor '" + name + "' has no valid data_offsets");
            }
            long b = off.get(0).asLong();
            long e = off.get(1).asLong();
            long need;
            try {
                need = Math.multiplyExact(Tensor.elementCount(shape), (long) dtype.bytes);
            } catch (ArithmeticException ex) {
                throw corrupt(source, "tensor '" + name + "' has an absurd shape " + Arrays.toString(shape));
            }
            if (b < 0 || e < b || e - b != need) {
                throw corrupt(source, "tensor '" + name + "': offsets [" + b + ", " + e + ") do not hold " + dtype
                        + Arrays.toString(shape) + " (" + need + " bytes)");
            }
            if (e > dataLen) {
                throw new CheckpointException(CheckpointException.Kind.TRUNCATED, source, "tensor '" + name
                        + "' ends at byte " + e + " of the data, but the file has only " + dataLen + " data bytes");
            }
            entries.add(new Entry(name, dtype, shape, b, e));
        }
        // the tensors must tile the data section exactly: sorted by offset, no gaps, no overlap, nothing left over
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((x, y) -> Long.compare(x.begin, y.begin));
        long pos = 0;
        for (Entry en : sorted) {
            if (en.begin != pos) {
                throw corrupt(source, "tensor '" + en.name + "' starts at " + en.begin + ", expected " + pos
                        + " (overlapping or gapped offsets)");
            }
            pos = en.end;
        }
        if (pos != dataLen) {
            throw corrupt(source, (dataLen - pos) + " unexpected bytes after the last tensor");
        }
        List<Tensor> tensors = new ArrayList<>();
        for (Entry en : entries) {
            byte[] data = Arrays.copyOfRange(bytes, (int) (dataStart + en.begin), (int) (dataStart + en.end));
            tensors.add(new Tensor(en.name, en.dtype, en.shape, data));
        }
        return new Contents(tensors, meta);
    }

    /** Refuses a header length that is absurd or longer than the {@code available} bytes after it. */
    static void checkHeaderLength(long hlen, long available, Path source) {
        if (hlen < 2 || hlen > MAX_HEADER) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, source, "absurd header length " + hlen
                    + " (not a safetensors file, or damaged)");
        }
        if (hlen > available) {
            throw new CheckpointException(CheckpointException.Kind.TRUNCATED, source, "header of " + hlen
                    + " bytes announced, but the file has only " + available + " bytes after the length");
        }
    }

    static CheckpointException corrupt(Path source, String msg) {
        return new CheckpointException(CheckpointException.Kind.CORRUPT, source, msg);
    }
}
