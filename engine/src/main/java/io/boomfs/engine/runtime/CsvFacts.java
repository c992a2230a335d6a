package io.boomfs.engine.runtime;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Type;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A node's facts directory, as {@code boom olg run --facts} reads it: {@code <relation>.csv}
 * files, RFC 4180 without a header, an unquoted {@code null} is null. When the directory has a
 * subdirectory named after the node, that subdirectory is the node's (one facts tree for a
 * whole deployment, as {@code engine/examples/dls}).
 */
public final class CsvFacts {
    private CsvFacts() {
    }

    /**
     * The facts of node {@code nodeName} under {@code dir}.
     *
     * @throws IllegalArgumentException with file:line and what is wrong, for any bad file or row
     */
    public static List<Tuple> read(Program program, Path dir, String nodeName) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("facts directory " + dir + " does not exist or is not a directory");
        }
        Path own = dir.resolve(nodeName);
        Path from = Files.isDirectory(own) ? own : dir;
        List<Tuple> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".csv")).sorted().toList()) {
                String name = f.getFileName().toString();
                String rel = name.substring(0, name.length() - ".csv".length());
                Relation r = program.relation(rel);
                if (r == null || r.internal) {
                    throw new IllegalArgumentException(f + ": program " + program.name() + " has no relation " + rel);
                }
                List<List<String[]>> rows = parse(f, Files.readString(f, StandardCharsets.UTF_8));
                int line = 0;
                for (List<String[]> row : rows) {
                    line++;
                    if (row.size() != r.arity()) {
                        throw new IllegalArgumentException(f + ":" + line + ": " + rel + " has " + r.arity() + " columns, the row has " + row.size());
                    }
                    Object[] values = new Object[row.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = value(f, line, r.types[i], row.get(i)[0], row.get(i)[1] != null);
                    }
                    out.add(new Tuple(r.name, values));
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read facts directory " + from + ": " + e.getMessage());
        }
        return out;
    }

    private static Object value(Path f, int line, Type type, String text, boolean quoted) {
        if (!quoted && text.equals("null")) {
            return null;
        }
        try {
            switch (type) {
                case LONG:
                    return Long.parseLong(text);
                case DOUBLE:
                    return Double.parseDouble(text);
                case BOOL:
                    if (!text.equals("true") && !text.equals("false")) {
                        throw new NumberFormatException();
                    }
                    return Boolean.valueOf(text);
                default:
                    return text;
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(f + ":" + line + ": \"" + text + "\" is not a " + type);
        }
    }

    /** Rows of fields; each field is {text, non-null when it was quoted}. */
    private static List<List<String[]>> parse(Path f, String text) {
        List<List<String[]>> rows = new ArrayList<>();
        List<String[]> row = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        boolean inQuotes = false;
        boolean wasQuoted = false;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i++);
            if (inQuotes) {
                if (c == '"' && i < text.length() && text.charAt(i) == '"') {
                    sb.append('"');
                    i++;
                } else if (c == '"') {
                    inQuotes = false;
                } else {
                    sb.append(c);
                }
            } else if (c == '"' && sb.length() == 0 && !wasQuoted) {
                inQuotes = true;
                wasQuoted = true;
            } else if (c == ',') {
                row.add(new String[] {sb.toString(), wasQuoted ? "q" : null});
                sb.setLength(0);
                wasQuoted = false;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i < text.length() && text.charAt(i) == '\n') {
                    i++;
                }
                row.add(new String[] {sb.toString(), wasQuoted ? "q" : null});
                rows.add(row);
                row = new ArrayList<>();
                sb.setLength(0);
                wasQuoted = false;
            } else {
                sb.append(c);
            }
        }
        if (inQuotes) {
            throw new IllegalArgumentException(f + ": unterminated quoted field");
        }
        if (sb.length() > 0 || wasQuoted || !row.isEmpty()) {
            row.add(new String[] {sb.toString(), wasQuoted ? "q" : null});
            rows.add(row);
        }
        return rows;
    }
}
