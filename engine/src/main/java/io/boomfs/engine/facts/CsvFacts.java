package io.boomfs.engine.facts;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.Values;
import io.boomfs.engine.lang.Type;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads the facts of a program's tables and events from CSV files, one file per relation
 * ({@code <relation>.csv}), as {@code boom olg run --facts DIR} does.
 *
 * <p>The format is RFC 4180 without a header: fields separated by commas, records by line
 * breaks (LF or CRLF); a field in double quotes may hold commas, line breaks and doubled quotes
 * ({@code ""} for one {@code "}). Blank lines are skipped. Each value is parsed by its column's
 * declared type: {@code long} (a whole number), {@code double} (a decimal number, also
 * {@code NaN} and {@code Infinity}), {@code bool} ({@code true} or {@code false}), and
 * {@code string}, {@code addr} and {@code any} (the text itself). The unquoted word
 * {@code null} is the null value in every column; {@code "null"} in quotes is the string.
 *
 * <p>Every problem is a {@link FactsException} whose message is {@code file:line: error: ...}
 * naming the line where the record starts and, in plain words, the column that is wrong.
 */
public final class CsvFacts {
    private static final Pattern LONG = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern DOUBLE =
        Pattern.compile("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?Infinity|NaN");

    private CsvFacts() {
    }

    /** A facts file that cannot be loaded; the message is complete and meant for a person. */
    public static final class FactsException extends Exception {
        private static final long serialVersionUID = 1L;

        public FactsException(String message) {
            super(message);
        }
    }

    /**
     * Reads every {@code DIR/<relation>.csv} (in name order) into tuples of {@code program}'s
     * relations. Files that do not end in {@code .csv} and hidden files are ignored.
     *
     * @throws FactsException when the directory cannot be read, a file names no table or
     *                        event of the program, or a file is malformed
     */
    public static List<Tuple> readDirectory(Path dir, Program program) throws FactsException {
        return readDirectory(dir, dir.toString(), program);
    }

    /**
     * As {@link #readDirectory(Path, Program)}, with messages naming the directory
     * {@code shownAs} (the way the user wrote it) instead of {@code dir}.
     */
    public static List<Tuple> readDirectory(Path dir, String shownAs, Program program) throws FactsException {
        if (!Files.isDirectory(dir)) {
            throw new FactsException(shownAs + ": error: facts directory not found");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".csv"))
                .filter(p -> !p.getFileName().toString().startsWith("."))
                .filter(p -> !Files.isDirectory(p))
                .sorted()
                .toList();
        } catch (IOException e) {
            throw new FactsException(shownAs + ": error: cannot list the directory: " + e.getMessage());
        }
        List<Tuple> out = new ArrayList<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            String shownFile = Path.of(shownAs).resolve(name).toString();
            Relation rel = loadableRelation(shownFile, name.substring(0, name.length() - ".csv".length()), program);
            out.addAll(readFile(f, shownFile, rel));
        }
        return out;
    }

    /** The relation a facts file fills, or a clear error when it names no table or event. */
    private static Relation loadableRelation(String file, String name, Program program) throws FactsException {
        Relation r = program.relation(name);
        if (r == null || r.internal) {
            throw new FactsException(file + ": error: the program has no relation " + name
                + " (facts files are named <relation>.csv; its tables and events: " + loadableNames(program) + ")");
        }
        if (r.kind == Relation.Kind.BUILTIN) {
            throw new FactsException(file + ": error: " + name
                + " is maintained by the node itself, so it cannot be loaded from a file");
        }
        if (r.isTimer()) {
            throw new FactsException(file + ": error: " + name + " is a timer: it fires by itself");
        }
        if (r.isDerived() && r.receivedInto == r) {
            throw new FactsException(file + ": error: " + name
                + " is a view: it holds what its rules derive, so facts go into tables and events only");
        }
        return r;
    }

    /** The tables and events a facts file may fill, leaving out the built-in die event. */
    private static String loadableNames(Program program) {
        String names = program.userRelations().stream()
            .filter(r -> r.kind != Relation.Kind.BUILTIN && !r.isTimer() && !(r.isDerived() && r.receivedInto == r))
            .filter(r -> !r.name.equals("die"))
            .map(r -> r.name)
            .collect(Collectors.joining(", "));
        return names.isEmpty() ? "none" : names;
    }

    /** Reads one CSV file of tuples of {@code rel}. */
    public static List<Tuple> readFile(Path file, Relation rel) throws FactsException {
        return readFile(file, file.toString(), rel);
    }

    /** Reads one CSV file of tuples of {@code rel}; messages name it {@code shownAs}. */
    public static List<Tuple> readFile(Path file, String shownAs, Relation rel) throws FactsException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new FactsException(shownAs + ": error: cannot read the file: " + e.getMessage());
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
        } catch (CharacterCodingException e) {
            throw new FactsException(shownAs + ": error: the file is not UTF-8 text");
        }
        return parse(shownAs, text, rel);
    }

    /**
     * Parses CSV text into tuples of {@code rel}, in the order of the records.
     *
     * @param fileName how messages name the source
     */
    public static List<Tuple> parse(String fileName, String text, Relation rel) throws FactsException {
        List<Tuple> out = new ArrayList<>();
        Reader r = new Reader(fileName, text, rel);
        List<Field> record;
        while ((record = r.nextRecord()) != null) {
            out.add(toTuple(fileName, r.recordLine, record, rel));
        }
        return out;
    }

    /** One field as written: its text and whether it was quoted. */
    private record Field(String text, boolean quoted) {
    }

    /** The RFC 4180 record reader: a small state machine over the text. */
    private static final class Reader {
        private final String file;
        private final String s;
        private final Relation rel;
        private int i;
        private int line = 1;
        int recordLine;

        Reader(String file, String s, Relation rel) {
            this.file = file;
            this.s = s;
            this.rel = rel;
            this.i = !s.isEmpty() && s.charAt(0) == '\uFEFF' ? 1 : 0;
        }

        /** The next record, or null at the end; blank lines are skipped. */
        List<Field> nextRecord() throws FactsException {
            while (i < s.length() && atLineBreak()) {
                skipLineBreak();
            }
            if (i >= s.length()) {
                return null;
            }
            recordLine = line;
            List<Field> fields = new ArrayList<>();
            while (true) {
                fields.add(s.charAt(i) == '"' ? quoted(fields.size()) : unquoted(fields.size()));
                if (i < s.length() && s.charAt(i) == ',') {
                    i++;
                    continue;
                }
                if (i < s.length()) {
                    skipLineBreak();
                }
                return fields;
            }
        }

        private Field quoted(int index) throws FactsException {
            int startLine = line;
            StringBuilder sb = new StringBuilder();
            i++;
            while (true) {
                if (i >= s.length()) {
                    throw new FactsException(file + ":" + startLine + ": error: the quoted value of " + columnName(index)
                        + " is never closed (a \" is missing)");
                }
                char c = s.charAt(i);
                if (c == '"') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                        sb.append('"');
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (c == '\n' || (c == '\r' && !(i + 1 < s.length() && s.charAt(i + 1) == '\n'))) {
                    line++;
                }
                sb.append(c);
                i++;
            }
            if (i < s.length() && s.charAt(i) != ',' && !atLineBreak()) {
                throw new FactsException(file + ":" + line + ": error: after the closing quote of " + columnName(index)
                    + " a comma or the end of the line must follow, not '" + s.charAt(i) + "'");
            }
            return new Field(sb.toString(), true);
        }

        private Field unquoted(int index) throws FactsException {
            int start = i;
            while (i < s.length() && s.charAt(i) != ',' && !atLineBreak()) {
                if (s.charAt(i) == '"') {
                    throw new FactsException(file + ":" + line + ": error: a quote inside the unquoted value of "
                        + columnName(index) + "; quote the whole value and double the quotes inside it");
                }
                i++;
            }
            return new Field(s.substring(start, i), false);
        }

        private boolean atLineBreak() {
            char c = s.charAt(i);
            return c == '\n' || c == '\r';
        }

        private void skipLineBreak() {
            if (s.charAt(i) == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                i++;
            }
            i++;
            line++;
        }

        private String columnName(int index) {
            return CsvFacts.columnName(rel, index);
        }
    }

    private static String columnName(Relation rel, int index) {
        if (index < rel.arity()) {
            return "column " + rel.columns[index] + " (" + rel.types[index] + ")";
        }
        return "value " + (index + 1) + " (" + rel.name + " has only " + rel.arity() + " columns)";
    }

    private static Tuple toTuple(String file, int line, List<Field> fields, Relation rel) throws FactsException {
        if (fields.size() != rel.arity()) {
            throw new FactsException(file + ":" + line + ": error: " + rel.name + " has " + rel.arity() + " "
                + (rel.arity() == 1 ? "column" : "columns") + " (" + String.join(", ", rel.columns) + "), but this line has "
                + fields.size() + (fields.size() == 1 ? " value" : " values"));
        }
        Object[] values = new Object[fields.size()];
        for (int c = 0; c < values.length; c++) {
            values[c] = value(file, line, fields.get(c), rel, c);
        }
        return new Tuple(rel.name, values);
    }

    private static Object value(String file, int line, Field f, Relation rel, int c) throws FactsException {
        if (!f.quoted() && f.text().equals("null")) {
            return null;
        }
        String t = f.text();
        Type type = rel.types[c];
        switch (type) {
            case LONG:
                if (!LONG.matcher(t).matches()) {
                    throw bad(file, line, rel, c, t, "is not a whole number");
                }
                try {
                    return Long.parseLong(t);
                } catch (NumberFormatException e) {
                    throw bad(file, line, rel, c, t, "is out of range for a long");
                }
            case DOUBLE:
                if (!DOUBLE.matcher(t).matches()) {
                    throw bad(file, line, rel, c, t, "is not a number");
                }
                return Double.parseDouble(t);
            case BOOL:
                if (t.equals("true")) {
                    return Boolean.TRUE;
                }
                if (t.equals("false")) {
                    return Boolean.FALSE;
                }
                throw bad(file, line, rel, c, t, "is neither true nor false");
            default:
                return t;
        }
    }

    private static FactsException bad(String file, int line, Relation rel, int c, String text, String what) {
        StringBuilder shown = new StringBuilder();
        Values.appendQuoted(shown, text);
        return new FactsException(file + ":" + line + ": error: " + columnName(rel, c) + ": " + shown + " " + what);
    }
}
