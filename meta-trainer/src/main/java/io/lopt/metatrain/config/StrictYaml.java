package io.lopt.metatrain.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;

/**
 * The strict YAML/JSON reading of configuration files (meta-training configurations and evaluation suites): a key
 * given twice, a fraction where an integer is expected ({@code outer_steps: 5.9}) and a quoted value where a number or
 * a boolean is expected ({@code outer_steps: "6"}) are errors rather than silently the last value, truncated or
 * converted. Unknown keys and missing values are refused as before.
 */
public final class StrictYaml {
    private StrictYaml() {
    }

    /** A mapper that reads YAML (and so JSON) strictly. */
    public static ObjectMapper mapper() {
        ObjectMapper m = new ObjectMapper(YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        for (LogicalType t : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            m.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
        return m;
    }

    /**
     * For a value of the wrong type (a fraction or a string where an integer is expected, ...), a one-line
     * description naming the key, e.g. {@code outer_steps must be an integer, got 5.9}; null for other errors.
     */
    public static String typeMismatch(JsonMappingException e) {
        if (e.getPath().isEmpty()) {
            return null;
        }
        if (e instanceof InvalidFormatException f) {
            return path(f) + " must be " + expected(f.getTargetType()) + ", got " + value(f.getValue());
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^Cannot coerce String value \\(\"(.*)\"\\) to")
                .matcher(String.valueOf(e.getOriginalMessage()));
        if (e instanceof MismatchedInputException mi && m.find()) {
            return path(mi) + " must be " + expected(mi.getTargetType()) + ", got " + value(m.group(1));
        }
        return null;
    }

    /** A one-line description of a read or binding error: the message and where (line, or key path). */
    public static String describe(IOException e) {
        String mismatch = e instanceof JsonMappingException jm ? typeMismatch(jm) : null;
        if (mismatch != null) {
            return mismatch;
        }
        if (e instanceof JsonProcessingException j) {
            String msg = j.getOriginalMessage().lines().findFirst().orElse("").strip();
            JsonLocation at = j.getLocation();
            if (j instanceof JsonMappingException jm && !jm.getPath().isEmpty()) {
                return msg + " (at " + path(jm) + ")";
            }
            return at != null && at.getLineNr() > 0 ? msg + " (line " + at.getLineNr() + ", column " + at.getColumnNr()
                    + ")" : msg;
        }
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip();
    }

    /** The key path of a binding error, e.g. {@code pes.pairs} or {@code tasks[0].widths}. */
    public static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.isEmpty() ? "the top level" : sb.toString();
    }

    private static String expected(Class<?> t) {
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
            return "an integer";
        }
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
            return "a number";
        }
        if (t == boolean.class || t == Boolean.class) {
            return "true or false";
        }
        return "a " + (t == null ? "value of another type" : t.getSimpleName());
    }

    private static String value(Object v) {
        return v instanceof String s ? "the string \"" + s + "\"" : String.valueOf(v);
    }
}
