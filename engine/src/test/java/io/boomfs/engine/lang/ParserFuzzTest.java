package io.boomfs.engine.lang;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Parser and checker fuzzing: random token soup and mutations of every shipped program
 * (conformance suite, compile-fail snapshots and their imports, engine/examples). For every
 * input {@link Compiler#compileSource} must return (no exception, no {@link StackOverflowError},
 * no hang: each batch runs under a preemptive timeout); a rejected input has at least one error;
 * every diagnostic points at a line:col inside the input; an accepted input has no error.
 *
 * <p>Replay: a failing batch is named by its seed and prints the failing inputs with their index;
 * {@code -Dfuzz.seed=<batch seed> -Dfuzz.count=250} reruns exactly that batch. {@code -Dfuzz.count=N}
 * also runs more inputs (default 4,000, in batches of 250).
 */
class ParserFuzzTest {
    static final String FILE = "fuzz.olg";
    private static final long SEED = Long.getLong("fuzz.seed", 0x0b00f5L);
    private static final int COUNT = Integer.getInteger("fuzz.count", 4000);
    private static final int BATCH = 250;
    private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(30);

    /** Pieces of Overlog, valid and not, that token soup and insertions draw from. */
    private static final String[] VOCAB = {
        "table", "durable", "view", "event", "timer", "key", "import", "watch", "delete", "notin",
        "true", "false", "null", "@next", "next", "count", "sum", "min", "max", "avg", "set", "list",
        "count<*>", "sum<X>", "min<*>", "file", "edge", "self", "die", "sys_step", "now", "hash", "len",
        "substr", "concat", "X", "Y", "Zed", "_", "_X", "@X", "@Me", "0", "1", "42", "-7", "3.25", "1e5",
        "1.5e-3", "99999999999999999999", "\"s\"", "\"\\\"q\\\"\"", "\"\\n\"", "\"unclosed", "\"\\q\"",
        "\"a\\", ":-", ":=", "==", "!=", "<=", ">=", "&&", "||", "(", ")", ",", ".", "@", "!", "<", ">",
        "+", "-", "*", "/", "%", "?", ":", "=", "[", "]", "{", "}", "$", "#", "~", "`", "'", "\\", ";",
        "//", "// c\n", "/*", "*/", "/* c */", "\n", " ", "\t", "\r\n", "\u0000", "\u00e9t\u00e9",
        "\u00c9T\u00c9", "\u0663", "\u0661.\u0665", "\ud834\udd1e", "\ud834", "\u200b", "long", "double",
        "string", "bool", "addr", "any", "int",
    };

    private static final Pattern TOKEN = Pattern.compile(
        "\\s+|//[^\\n]*|/\\*.*?\\*/|\"(?:[^\"\\\\\\n]|\\\\.)*\"?|[A-Za-z_][A-Za-z0-9_]*|\\d+(?:\\.\\d+)?"
            + "|:-|:=|==|!=|<=|>=|&&|\\|\\||.", Pattern.DOTALL);

    static List<String> corpus() {
        Path resources = CompileFailSnapshotTest.resources();
        Path examples = resources.getParent().getParent().getParent().resolve("examples");
        List<String> out = new ArrayList<>();
        for (Path dir : List.of(resources.resolve("conformance"), resources.resolve("compile-fail"), examples)) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.filter(f -> f.toString().endsWith(".olg")).sorted().collect(Collectors.toList())) {
                    out.add(Files.readString(p, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- generators

    static String soup(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + rnd.nextInt(60);
        for (int i = 0; i < n; i++) {
            sb.append(VOCAB[rnd.nextInt(VOCAB.length)]);
            int sep = rnd.nextInt(4);
            sb.append(sep == 0 ? "" : sep == 1 ? "\n" : " ");
        }
        return sb.toString();
    }

    static String mutateChars(String s, Random rnd) {
        StringBuilder sb = new StringBuilder(s);
        int ops = 1 + rnd.nextInt(4);
        for (int k = 0; k < ops; k++) {
            int i = sb.length() == 0 ? 0 : rnd.nextInt(sb.length());
            switch (rnd.nextInt(4)) {
                case 0:
                    if (sb.length() > 0) {
                        sb.deleteCharAt(i);
                    }
                    break;
                case 1:
                    if (sb.length() > 0) {
                        sb.insert(i, sb.charAt(i));
                    }
                    break;
                case 2:
                    if (sb.length() > 1 && i + 1 < sb.length()) {
                        char c = sb.charAt(i);
                        sb.setCharAt(i, sb.charAt(i + 1));
                        sb.setCharAt(i + 1, c);
                    }
                    break;
                default:
                    String v = VOCAB[rnd.nextInt(VOCAB.length)];
                    sb.insert(i, v.charAt(rnd.nextInt(v.length())));
                    break;
            }
        }
        return sb.toString();
    }

    static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = TOKEN.matcher(s);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    static String mutateTokens(String s, Random rnd) {
        List<String> t = tokens(s);
        int ops = 1 + rnd.nextInt(4);
        for (int k = 0; k < ops; k++) {
            int i = t.isEmpty() ? 0 : rnd.nextInt(t.size());
            switch (rnd.nextInt(5)) {
                case 0:
                    if (!t.isEmpty()) {
                        t.remove(i);
                    }
                    break;
                case 1:
                    if (!t.isEmpty()) {
                        t.add(i, t.get(i));
                    }
                    break;
                case 2:
                    if (t.size() > 1) {
                        int j = rnd.nextInt(t.size());
                        String x = t.get(i);
                        t.set(i, t.get(j));
                        t.set(j, x);
                    }
                    break;
                case 3:
                    t.add(i, VOCAB[rnd.nextInt(VOCAB.length)]);
                    break;
                default:
                    if (!t.isEmpty()) {
                        t.set(i, VOCAB[rnd.nextInt(VOCAB.length)]);
                    }
                    break;
            }
        }
        return String.join("", t);
    }

    static String splice(String a, String b, Random rnd) {
        return a.substring(0, rnd.nextInt(a.length() + 1)) + b.substring(rnd.nextInt(b.length() + 1));
    }

    static String input(List<String> corpus, Random rnd) {
        int kind = rnd.nextInt(20);
        String seed = corpus.get(rnd.nextInt(corpus.size()));
        if (kind < 4) {
            return soup(rnd);
        } else if (kind < 11) {
            return mutateChars(seed, rnd);
        } else if (kind < 18) {
            return mutateTokens(seed, rnd);
        }
        return splice(seed, corpus.get(rnd.nextInt(corpus.size())), rnd);
    }

    // ---------------------------------------------------------------- the property

    /** The length of each line of {@code input} (lines end at '\n', as the lexer counts them). */
    static int[] lineLengths(String input) {
        String[] lines = input.split("\n", -1);
        int[] out = new int[lines.length];
        for (int i = 0; i < lines.length; i++) {
            out[i] = lines[i].length();
        }
        return out;
    }

    /** Whether line:col names a place in the input (the end of a line and of the input included). */
    static boolean inside(int[] lineLengths, Pos p) {
        return p.line() >= 1 && p.line() <= lineLengths.length && p.col() >= 1 && p.col() <= lineLengths[p.line() - 1] + 1;
    }

    /** Compiles {@code input} and checks the property; returns whether it was accepted. */
    static boolean check(String input, String where) {
        Compiler.Result r;
        try {
            r = Compiler.compileSource(FILE, input);
        } catch (Throwable t) {
            throw new AssertionError(where + ": compileSource threw " + t + "\ninput:\n" + show(input), t);
        }
        List<Diagnostic> errors = r.errors();
        if (r.ok()) {
            assertTrue(errors.isEmpty(), () -> where + ": accepted with errors " + errors + "\ninput:\n" + show(input));
        } else {
            assertFalse(errors.isEmpty(), () -> where + ": rejected without an error\ninput:\n" + show(input));
        }
        int[] lines = lineLengths(input);
        for (Diagnostic d : r.diagnostics()) {
            assertEquals(FILE, d.pos().file(), () -> where + ": diagnostic in another file: " + d);
            assertTrue(inside(lines, d.pos()), () -> where + ": diagnostic outside the input: " + d + "\ninput:\n" + show(input));
            assertFalse(d.message().isBlank(), () -> where + ": empty message at " + d.pos());
        }
        return r.ok();
    }

    static String show(String input) {
        String s = input.length() > 4000 ? input.substring(0, 4000) + "... (" + input.length() + " chars)" : input;
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c == '\n' || (c >= 32 && c < 127) ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return sb.toString();
    }

    @TestFactory
    List<DynamicTest> randomAndMutatedInputs() {
        List<String> corpus = corpus();
        assertTrue(corpus.size() >= 30, "the fuzz corpus holds the shipped programs, found " + corpus.size());
        List<DynamicTest> tests = new ArrayList<>();
        for (int start = 0; start < COUNT; start += BATCH) {
            long seed = SEED + start;
            int n = Math.min(BATCH, COUNT - start);
            tests.add(DynamicTest.dynamicTest("inputs " + start + ".." + (start + n - 1) + " seed " + seed,
                () -> assertTimeoutPreemptively(BATCH_TIMEOUT, () -> {
                    // Every input of the batch runs; the failure reports how many failed and the first ones.
                    Random rnd = new Random(seed);
                    List<String> failures = new ArrayList<>();
                    int failed = 0;
                    for (int i = 0; i < n; i++) {
                        String in = input(corpus, rnd);
                        String where = "seed " + seed + " input " + i;
                        try {
                            check(in, where);
                            if (i % 10 == 0) {
                                assertEquals(render(in), render(in), where + ": diagnostics must be deterministic");
                            }
                        } catch (AssertionError e) {
                            failed++;
                            if (failures.size() < 3) {
                                failures.add(e.getMessage());
                            }
                        }
                    }
                    if (failed > 0) {
                        fail(failed + " of " + n + " inputs failed; the first ones:\n\n" + String.join("\n\n", failures));
                    }
                }, "batch with seed " + seed + " took longer than " + BATCH_TIMEOUT)));
        }
        return tests;
    }

    private static String render(String input) {
        return Compiler.compileSource(FILE, input).diagnostics().toString();
    }

    @Test
    void theGeneratorsReachBothAcceptedAndRejectedPrograms() {
        List<String> corpus = corpus();
        Random rnd = new Random(SEED);
        int accepted = 0;
        int total = 600;
        for (int i = 0; i < total; i++) {
            // Only the mix is measured here; the batches above check the property itself.
            String in = input(corpus, rnd);
            try {
                if (Compiler.compileSource(FILE, in).ok()) {
                    accepted++;
                }
            } catch (RuntimeException | StackOverflowError e) {
                // counted as rejected
            }
        }
        assertTrue(accepted >= total / 50, "too few mutants compile (" + accepted + "): the fuzzer only tests the parser's first line");
        assertTrue(accepted <= total * 3 / 4, "too many mutants compile (" + accepted + "): the mutations do not break programs");
    }

    @Test
    void theMutatorsTokenizerKeepsEveryCharacter() {
        for (String s : corpus()) {
            assertEquals(s, String.join("", tokens(s)), "the mutator's tokenizer must not lose text");
        }
    }

    // ---------------------------------------------------------------- edge cases

    private static final String HEAD = "table t(X: long).\nview v(X: long).\n";

    private static void rejectedWith(String input, String words) {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertFalse(check(input, "edge case"), "must be rejected");
            List<Diagnostic> errors = Compiler.compileSource(FILE, input).errors();
            assertTrue(errors.stream().anyMatch(d -> d.message().contains(words)),
                () -> "expected an error saying '" + words + "', got " + errors);
        });
    }

    private static void notCrashing(String input) {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> check(input, "edge case"));
    }

    @Test
    void tenThousandParenthesesGetADiagnostic() {
        rejectedWith(HEAD + "v(X) :- t(Y), X = " + "(".repeat(10_000) + "1" + ")".repeat(10_000) + ".\n", "nested");
        rejectedWith(HEAD + "t(" + "(".repeat(10_000) + "1" + ")".repeat(10_000) + ").\n", "nested");
        rejectedWith(HEAD + "v(X) :- t(X), X == " + "(".repeat(10_000) + "\n", "nested");
    }

    @Test
    void deeplyNestedCallsUnaryAndTernaryGetADiagnostic() {
        rejectedWith(HEAD + "v(X) :- t(Y), X = " + "abs(".repeat(10_000) + "Y" + ")".repeat(10_000) + ".\n", "nested");
        rejectedWith(HEAD + "v(X) :- t(Y), " + "!".repeat(10_000) + "true.\n", "nested");
        rejectedWith(HEAD + "v(X) :- t(Y), X = " + "- ".repeat(10_000) + "Y.\n", "nested");
        rejectedWith(HEAD + "v(X) :- t(Y), X = " + "true ? ".repeat(10_000) + "1" + " : 2".repeat(10_000) + ".\n",
            "nested");
    }

    /** The nesting limit must hold for every statement, also after earlier statements hit it. */
    @Test
    void manyDeeplyNestedStatementsStillGetDiagnostics() {
        StringBuilder sb = new StringBuilder(HEAD);
        for (int i = 0; i < 60; i++) {
            sb.append("v(X) :- t(Y), X = ").append("(".repeat(6_000)).append('1').append(")".repeat(6_000)).append(".\n");
        }
        rejectedWith(sb.toString(), "nested");
    }

    /** A long flat chain is not deep nesting for a person, but the syntax tree is that deep. */
    @Test
    void longOperatorChainsDoNotOverflowTheStack() {
        notCrashing(HEAD + "v(X) :- t(Y), X = " + "1 + ".repeat(100_000) + "1.\n");
        notCrashing(HEAD + "v(X) :- t(X), " + "X > 1 && ".repeat(50_000) + "true.\n");
        notCrashing(HEAD + "v(X) :- t(X), X = " + "X == ".repeat(50_000) + "1.\n");
    }

    @Test
    void hugeGarbageGetsDiagnosticsQuickly() {
        Random rnd = new Random(SEED);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 1_000_000) {
            sb.append((char) rnd.nextInt(0x3000));
        }
        String garbage = sb.toString();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertFalse(check(garbage, "garbage")));
        StringBuilder soup = new StringBuilder();
        while (soup.length() < 1_000_000) {
            soup.append(soup(rnd));
        }
        String s = soup.toString();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertFalse(check(s, "soup")));
    }

    @Test
    void aHugeValidProgramCompiles() {
        StringBuilder sb = new StringBuilder("table edge(From: long, To: long).\n");
        for (int i = 0; i < 2_000; i++) {
            sb.append("view v").append(i).append("(A: long, B: long).\n");
            sb.append("v").append(i).append("(A, B) :- edge(A, C), ").append(i == 0 ? "edge" : "v" + (i - 1))
                .append("(C, B), A != B, B < ").append(i).append(" + A * 2.\n");
        }
        for (int i = 0; i < 100_000; i++) {
            sb.append("edge(").append(i).append(", ").append(i + 1).append(").\n");
        }
        String program = sb.toString();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertTrue(check(program, "huge valid program")));
    }

    @Test
    void everyBrokenStatementOfAHugeFileIsReported() {
        StringBuilder sb = new StringBuilder("table t(X: long).\n");
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            sb.append("t(").append(i).append(" :- .\n");
        }
        String program = sb.toString();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            assertFalse(check(program, "many errors"));
            assertEquals(n, Compiler.compileSource(FILE, program).errors().size());
        });
    }

    @Test
    void emptyAndBlankInputsCompileToEmptyPrograms() {
        for (String s : List.of("", " ", "\n\n", "// only a comment", "/* closed */", "\r\n\t")) {
            assertTrue(check(s, "blank input"), "accepted: " + show(s));
            assertTrue(Compiler.compileSource(FILE, s).diagnostics().isEmpty());
        }
    }

    @Test
    void truncatedStatementsAtTheEndOfTheInputGetDiagnostics() {
        for (String tail : List.of("\"", "\"abc\\", "/*", "/* a *", "table", "table t", "table t(", "table t(X",
            "table t(X:", "table t(X: long", "table t(X: long) key(", "timer", "timer x(", "import", "import \"a",
            "watch", "a(", "a(X) :-", "a(X) :- b(", "a(X) :- X =", "delete", "delete a", "v(X)@", "v(X)@next",
            "v(count<", "v(count<X", "v(X) :- t(X), X ?", "@", "durable", "durable table")) {
            rejectedWith(HEAD + tail, "");
        }
    }

    /** A newline inside a string literal must still count as a line: later errors keep their line. */
    @Test
    void lineNumbersSurviveABackslashNewlineInAString() {
        String input = "table t(X: string).\nt(\"a\\\nb\").\nt(1, 2, 3).\n";
        assertFalse(check(input, "backslash-newline"));
        List<Diagnostic> errors = Compiler.compileSource(FILE, input).errors();
        assertTrue(errors.stream().anyMatch(d -> d.pos().line() == 4 && d.message().contains("3 term(s)")),
            () -> "the arity error of line 4 must be reported at line 4: " + errors);
    }

    /** An import path that the file system cannot represent is an import error, not an exception. */
    @Test
    void importPathsThatNoFileCanHaveGetADiagnostic() {
        for (String path : List.of("a\u0000b.olg", "lib/g\ud834raph.olg", "\udd1e", "")) {
            String input = "import \"" + path + "\".\ntable t(X: long).\n";
            assertFalse(check(input, "import " + show(path)), "an import of a file that cannot exist is an error");
        }
    }

    @Test
    void lineAndColumnOfALaterErrorAreExact() {
        String input = "table t(X: long).\n/* two\nlines */ t(\"x\").\n";
        List<Diagnostic> errors = Compiler.compileSource(FILE, input).errors();
        assertEquals(1, errors.size(), errors::toString);
        assertEquals(new Pos(FILE, 3, 12), errors.get(0).pos());
    }
}
