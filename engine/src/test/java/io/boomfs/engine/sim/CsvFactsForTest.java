package io.boomfs.engine.sim;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Type;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads a node's facts directory ({@code <relation>.csv}, RFC 4180 without a header, unquoted
 * {@code null} is null) the way {@code boom olg run --facts} does, so that the simulator's tests
 * run the shipped example without depending on the CLI's loader.
 */
final class CsvFactsForTest {
    private CsvFactsForTest() {
    }

    /** The tuples of every {@code .csv} file in {@code dir}, files in name order. */
    static List<Tuple> read(Program program, Path dir) {
        List<Tuple> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".csv")).sorted().toList()) {
                String name = f.getFileName().toString();
                Relation r = program.relation(name.substring(0, name.length() - ".csv".length()));
                if (r == null) {
                    throw new AssertionError(f + ": no relation " + name + " in " + program.name());
                }
                for (List<Field> row : parse(Files.readString(f, StandardCharsets.UTF_8))) {
                    if (row.size() != r.arity()) {
                        throw new AssertionError(f + ": " + r.name + " has " + r.arity() + " columns, row has " + row.size());
                    }
                    Object[] values = new Object[row.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = value(r.types[i], row.get(i));
                    }
                    out.add(new Tuple(r.name, values));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private record Field(String text, boolean quoted) {
    }

    private static Object value(Type type, Field f) {
        if (!f.quoted() && f.text().equals("null")) {
            return null;
        }
        switch (type) {
            case LONG:
                return Long.parseLong(f.text());
            case DOUBLE:
                return Double.parseDouble(f.text());
            case BOOL:
                if (!f.text().equals("true") && !f.text().equals("false")) {
                    throw new AssertionError("not a bool: " + f.text());
                }
                return Boolean.valueOf(f.text());
            default:
                return f.text();
        }
    }

    /** RFC 4180 records: fields split by commas, quoted fields with "" for a quote, CRLF or LF. */
    private static List<List<Field>> parse(String text) {
        List<List<Field>> rows = new ArrayList<>();
        List<Field> row = new ArrayList<>();
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
                row.add(new Field(sb.toString(), wasQuoted));
                sb.setLength(0);
                wasQuoted = false;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i < text.length() && text.charAt(i) == '\n') {
                    i++;
                }
                row.add(new Field(sb.toString(), wasQuoted));
                rows.add(row);
                row = new ArrayList<>();
                sb.setLength(0);
                wasQuoted = false;
            } else {
                sb.append(c);
            }
        }
        if (inQuotes) {
            throw new AssertionError("unterminated quoted field");
        }
        if (sb.length() > 0 || wasQuoted || !row.isEmpty()) {
            row.add(new Field(sb.toString(), wasQuoted));
            rows.add(row);
        }
        return rows;
    }
}
