package io.lopt.pretrained;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The index of pretrained learned optimizers ({@code index.json}): one {@link PretrainedEntry} per name, in the
 * order they were added. Adding an optimizer is adding its file and an entry; no code knows the names.
 */
public record PretrainedIndex(List<PretrainedEntry> entries) {
    public static final String FORMAT = "lopt.pretrained-index";
    public static final int VERSION = 1;
    public static final String FILE = "index.json";

    static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    public PretrainedIndex {
        entries = List.copyOf(entries);
        Map<String, String> files = new LinkedHashMap<>();
        for (PretrainedEntry e : entries) {
            if (files.containsKey(e.name())) {
                throw new IllegalArgumentException("the index lists '" + e.name() + "' twice");
            }
            if (files.containsValue(e.file())) {
                throw new IllegalArgumentException("the index lists the file " + e.file() + " twice");
            }
            files.put(e.name(), e.file());
        }
    }

    /** The names, in index order. */
    public List<String> names() {
        return entries.stream().map(PretrainedEntry::name).toList();
    }

    /** The entry of {@code name}; an unknown name is an error that lists the available ones. */
    public PretrainedEntry get(String name) {
        for (PretrainedEntry e : entries) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown pretrained learned optimizer '" + name + "' (available: "
                + (entries.isEmpty() ? "none" : String.join(", ", names())) + ")");
    }

    public boolean contains(String name) {
        return names().contains(name);
    }

    /** This index with {@code e} added, or replacing the entry of the same name in place. */
    public PretrainedIndex with(PretrainedEntry e) {
        List<PretrainedEntry> out = new ArrayList<>(entries);
        int i = names().indexOf(e.name());
        if (i >= 0) {
            out.set(i, e);
        } else {
            out.add(e);
        }
        return new PretrainedIndex(out);
    }

    /** The index as pretty-printed JSON, ending with a newline. */
    public byte[] toBytes() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("format_version", VERSION);
        ArrayNode arr = o.putArray("optimizers");
        entries.forEach(e -> arr.add(e.toJson()));
        try {
            DefaultPrettyPrinter pretty = new DefaultPrettyPrinter();
            DefaultIndenter lines = new DefaultIndenter("  ", "\n"); // the same bytes on every OS
            pretty.indentObjectsWith(lines);
            pretty.indentArraysWith(lines); // one result line per line: readable diffs
            return (JSON.writer(pretty).writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses and checks an index; {@code source} names it in errors. */
    public static PretrainedIndex parse(byte[] bytes, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) {
            throw new IllegalArgumentException(source + ": not a pretrained index (format " + FORMAT + ")");
        }
        if (root.path("format_version").asInt(-1) != VERSION) {
            throw new IllegalArgumentException(source + ": index format version " + root.path("format_version")
                    + " is not supported (this lopt reads version " + VERSION + ")");
        }
        JsonNode arr = root.get("optimizers");
        if (arr == null || !arr.isArray()) {
            throw new IllegalArgumentException(source + ": 'optimizers' must be a list");
        }
        List<PretrainedEntry> entries = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            entries.add(PretrainedEntry.fromJson(arr.get(i), source + " entry " + i));
        }
        try {
            return new PretrainedIndex(entries);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }
}
