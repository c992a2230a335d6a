package io.boomfs.chaos.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * history.jsonl: one JSON object per line, {@code {"process":0,"type":"invoke","f":"write",
 * "key":"k1","value":3,"time":12345}} (time in ns since the run started). Values are JSON null,
 * integers (read back as Long), strings, booleans or arrays of them (read back as Lists).
 */
public final class HistoryJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HistoryJson() {
    }

    /** One op as one line of JSON (no newline). */
    public static String line(Op op) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("process", op.process());
        m.put("type", op.type().json());
        m.put("f", op.f());
        m.put("key", op.key());
        m.put("value", op.value());
        m.put("time", op.timeNs());
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("op " + op + " cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static void write(List<Op> ops, Path file) {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Op op : ops) {
                w.write(line(op));
                w.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a history.
     *
     * @throws IllegalArgumentException a line that is not an op, naming the file and line
     */
    public static List<Op> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                ops.add(parse(lines.get(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return ops;
    }

    /** One line of history.jsonl as an op; an error names the missing or bad field. */
    public static Op parse(String line) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object: " + line);
        }
        return new Op(number(n, "process"), Op.Type.ofJson(text(n, "type")), text(n, "f"), text(n, "key"),
            value(n.get("value")), number(n, "time"));
    }

    private static long number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("\"" + field + "\" must be an integer, not " + v);
        }
        return v.longValue();
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a string, not " + v);
        }
        return v.textValue();
    }

    private static Object value(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isIntegralNumber()) {
            return v.longValue();
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isArray()) {
            List<Object> l = new ArrayList<>();
            v.forEach(e -> l.add(value(e)));
            return l;
        }
        throw new IllegalArgumentException("\"value\" must be null, an integer, a string, a boolean or an array, not " + v);
    }
}
