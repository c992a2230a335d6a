package io.boomfs.engine.conformance;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.Tuple;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header of a conformance program: the leading {@code //} comment lines. A line
 * {@code // key: value} with a known key is a directive; a comment line that looks like an
 * unknown directive (lowercase key, colon) is an error, so a typo cannot silently change a test;
 * other comment lines describe the program.
 *
 * <pre>
 * // print: rel1, rel2      relations to print, in this order ({@code @sent}: tuples sent to other addresses)
 * // steps: 3               run exactly 3 steps (otherwise until quiescent)
 * // tick-ms: 100           time between steps (default 100; step 1 is at nowMs 0)
 * // at 2: e(1, "x"), e(2, "y")   inbound tuples of step 2 (several lines add up)
 * // expect-error: text     some step must throw an OverlogException whose message contains text
 * // error-step: 2          ... and it must be step 2
 * // expect-die: message    the run stops at the first step with die messages; they must be these
 * // max-tuples-per-step: N, max-tuples-per-relation: N, max-fixpoint-iterations: N,
 * // max-string-length: N   the node's limits (NodeOptions), default otherwise
 * </pre>
 */
final class Script {
    final List<String> print = new ArrayList<>();
    Integer steps;
    long tickMs = 100;
    final Map<Integer, List<Tuple>> at = new TreeMap<>();
    final List<String> expectErrors = new ArrayList<>();
    Integer errorStep;
    final List<String> expectDie = new ArrayList<>();
    Long maxTuplesPerStep;
    Long maxTuplesPerRelation;
    Integer maxFixpointIterations;
    Integer maxStringLength;

    private static final Pattern DIRECTIVE = Pattern.compile("//\\s*([a-z][a-z-]*)(\\s+\\d+)?\\s*:\\s?(.*)");

    static Script parse(String source) {
        Script s = new Script();
        for (String raw : source.split("\n", -1)) {
            String line = raw.strip();
            if (!line.startsWith("//")) {
                break;
            }
            Matcher m = DIRECTIVE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String key = m.group(1);
            String arg = m.group(2) == null ? null : m.group(2).strip();
            String value = m.group(3).strip();
            if (arg != null && !key.equals("at")) {
                throw new IllegalArgumentException("directive " + key + " takes no step number: " + line);
            }
            switch (key) {
                case "print":
                    for (String r : value.split(",")) {
                        if (!r.isBlank()) {
                            s.print.add(r.strip());
                        }
                    }
                    break;
                case "steps":
                    s.steps = Integer.parseInt(value);
                    break;
                case "tick-ms":
                    s.tickMs = Long.parseLong(value);
                    break;
                case "at":
                    if (arg == null) {
                        throw new IllegalArgumentException("'at' needs a step number: " + line);
                    }
                    s.at.computeIfAbsent(Integer.parseInt(arg), k -> new ArrayList<>()).addAll(tuples(value));
                    break;
                case "expect-error":
                    s.expectErrors.add(value);
                    break;
                case "error-step":
                    s.errorStep = Integer.parseInt(value);
                    break;
                case "expect-die":
                    s.expectDie.add(value);
                    break;
                case "max-tuples-per-step":
                    s.maxTuplesPerStep = Long.parseLong(value);
                    break;
                case "max-tuples-per-relation":
                    s.maxTuplesPerRelation = Long.parseLong(value);
                    break;
                case "max-fixpoint-iterations":
                    s.maxFixpointIterations = Integer.parseInt(value);
                    break;
                case "max-string-length":
                    s.maxStringLength = Integer.parseInt(value);
                    break;
                default:
                    throw new IllegalArgumentException("unknown directive '" + key + "' in: " + line);
            }
        }
        if (s.print.isEmpty() && s.expectErrors.isEmpty()) {
            throw new IllegalArgumentException("a conformance program says what to print (// print: ...) or which error to expect");
        }
        return s;
    }

    /** The node options: the defaults with this script's limits, for the given evaluator. */
    NodeOptions options(NodeOptions.EvaluatorKind kind) {
        NodeOptions o = NodeOptions.defaults().withEvaluator(kind);
        if (maxTuplesPerStep != null) {
            o = o.withMaxTuplesPerStep(maxTuplesPerStep);
        }
        if (maxTuplesPerRelation != null) {
            o = o.withMaxTuplesPerRelation(maxTuplesPerRelation);
        }
        if (maxFixpointIterations != null) {
            o = o.withMaxFixpointIterations(maxFixpointIterations);
        }
        if (maxStringLength != null) {
            o = o.withMaxStringLength(maxStringLength);
        }
        return o;
    }

    int lastInboundStep() {
        return at.isEmpty() ? 0 : ((TreeMap<Integer, List<Tuple>>) at).lastKey();
    }

    // ---------------------------------------------------------------- tuple literals

    /** Parses {@code name(v, ...), name(v, ...)} with Overlog constants. */
    static List<Tuple> tuples(String text) {
        List<Tuple> out = new ArrayList<>();
        int[] pos = {0};
        skipSpace(text, pos);
        while (pos[0] < text.length()) {
            out.add(tuple(text, pos));
            skipSpace(text, pos);
            if (pos[0] < text.length()) {
                expect(text, pos, ',');
                skipSpace(text, pos);
            }
        }
        return out;
    }

    private static Tuple tuple(String text, int[] pos) {
        int start = pos[0];
        while (pos[0] < text.length() && (Character.isLetterOrDigit(text.charAt(pos[0])) || text.charAt(pos[0]) == '_')) {
            pos[0]++;
        }
        String name = text.substring(start, pos[0]);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("expected a relation name at " + start + " in: " + text);
        }
        expect(text, pos, '(');
        List<Object> values = new ArrayList<>();
        skipSpace(text, pos);
        if (text.charAt(pos[0]) == ')') {
            pos[0]++;
            return new Tuple(name, values.toArray());
        }
        while (true) {
            skipSpace(text, pos);
            values.add(constant(text, pos));
            skipSpace(text, pos);
            char c = text.charAt(pos[0]++);
            if (c == ')') {
                return new Tuple(name, values.toArray());
            }
            if (c != ',') {
                throw new IllegalArgumentException("expected ',' or ')' at " + (pos[0] - 1) + " in: " + text);
            }
        }
    }

    private static Object constant(String text, int[] pos) {
        char c = text.charAt(pos[0]);
        if (c == '"') {
            StringBuilder sb = new StringBuilder();
            pos[0]++;
            while (true) {
                char d = text.charAt(pos[0]++);
                if (d == '"') {
                    return sb.toString();
                }
                if (d == '\\') {
                    char e = text.charAt(pos[0]++);
                    sb.append(e == 'n' ? '\n' : e);
                } else {
                    sb.append(d);
                }
            }
        }
        int start = pos[0];
        while (pos[0] < text.length() && ",)".indexOf(text.charAt(pos[0])) < 0 && !Character.isWhitespace(text.charAt(pos[0]))) {
            pos[0]++;
        }
        String word = text.substring(start, pos[0]);
        switch (word) {
            case "true":
                return Boolean.TRUE;
            case "false":
                return Boolean.FALSE;
            case "null":
                return null;
            default:
                if (word.matches("-?\\d+")) {
                    return Long.parseLong(word);
                }
                if (word.matches("-?\\d+\\.\\d+([eE][-+]?\\d+)?")) {
                    return Double.parseDouble(word);
                }
                throw new IllegalArgumentException("not a constant: '" + word + "' in: " + text);
        }
    }

    private static void skipSpace(String text, int[] pos) {
        while (pos[0] < text.length() && Character.isWhitespace(text.charAt(pos[0]))) {
            pos[0]++;
        }
    }

    private static void expect(String text, int[] pos, char c) {
        if (pos[0] >= text.length() || text.charAt(pos[0]) != c) {
            throw new IllegalArgumentException("expected '" + c + "' at " + pos[0] + " in: " + text);
        }
        pos[0]++;
    }

    /** For messages: the directives as read. */
    @Override
    public String toString() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("print", print);
        m.put("steps", steps);
        m.put("tick-ms", tickMs);
        m.put("at", at);
        m.put("expect-error", expectErrors);
        m.put("error-step", errorStep);
        m.put("expect-die", expectDie);
        m.put("limits", List.of(String.valueOf(maxTuplesPerStep), String.valueOf(maxTuplesPerRelation),
            String.valueOf(maxFixpointIterations), String.valueOf(maxStringLength)));
        return m.toString();
    }
}
