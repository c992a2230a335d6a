package io.boomfs.engine.conformance;

import io.boomfs.engine.NodeOptions.EvaluatorKind;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.lang.Diagnostic;
import io.boomfs.engine.program.Program;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conformance suite (STYLE.md item 13): every {@code NAME.olg} directly under
 * {@code src/test/resources/conformance/} runs on BOTH evaluators and must print exactly
 * {@code NAME.expected}, whose text was computed by hand from engine/LANGUAGE.md. The header
 * format is described in {@link Script}, the run in {@link ConformanceRun}; files under
 * {@code conformance/lib/} are only imported.
 *
 * <p>There is deliberately no rewrite mode: an expected file is a statement of the semantics,
 * never a recording of what an evaluator did. {@code -Dconformance.only=NAME} runs one program.
 */
class ConformanceTest {
    static final Path DIR = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize()
        .resolve("src/test/resources/conformance");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    static List<Path> programs() throws IOException {
        String only = System.getProperty("conformance.only");
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".olg"))
                .filter(p -> only == null || p.getFileName().toString().equals(only + ".olg"))
                .sorted()
                .collect(Collectors.toList());
        }
    }

    private static Path expectedFile(Path olg) {
        return olg.resolveSibling(olg.getFileName().toString().replaceFirst("\\.olg$", ".expected"));
    }

    @TestFactory
    List<DynamicNode> suite() throws IOException {
        List<DynamicNode> out = new ArrayList<>();
        for (Path olg : programs()) {
            List<DynamicNode> perEvaluator = new ArrayList<>();
            for (EvaluatorKind kind : EvaluatorKind.values()) {
                perEvaluator.add(DynamicTest.dynamicTest(kind.name().toLowerCase(), olg.toUri(),
                    () -> assertTimeoutPreemptively(TIMEOUT, () -> check(olg, kind))));
            }
            out.add(DynamicContainer.dynamicContainer(olg.getFileName().toString(), olg.toUri(), perEvaluator.stream()));
        }
        return out;
    }

    static Program compile(Path olg) {
        Compiler.Result r = Compiler.compileFile(olg);
        assertTrue(r.ok(), () -> "the conformance program must compile:\n"
            + r.diagnostics().stream().map(Diagnostic::toString).collect(Collectors.joining("\n")));
        return r.program();
    }

    private static void check(Path olg, EvaluatorKind kind) throws IOException {
        String source = Files.readString(olg, StandardCharsets.UTF_8);
        Script script = Script.parse(source);
        Program program = compile(olg);
        ConformanceRun.Outcome o = ConformanceRun.run(program, script, kind);
        String trace = "\n--- trace (" + kind + ") ---\n" + String.join("\n", o.trace());
        if (!script.expectErrors.isEmpty()) {
            assertNotNull(o.error(), () -> "expected a run-time error containing " + script.expectErrors
                + ", but the run ended normally after " + o.steps() + " step(s) printing:\n" + o.output() + trace);
            for (String words : script.expectErrors) {
                assertTrue(o.error().contains(words), () -> "the error must contain '" + words + "': " + o.error() + trace);
            }
            if (script.errorStep != null) {
                assertEquals(script.errorStep.intValue(), o.errorStep(), () -> "the step that fails" + trace);
            }
            return;
        }
        assertNull(o.error(), () -> "unexpected run-time error: " + o.error() + trace);
        assertEquals(script.expectDie, o.dieMessages(), () -> "die messages" + trace);
        String expected = Files.readString(expectedFile(olg), StandardCharsets.UTF_8);
        assertEquals(expected, o.output(), () -> "output of " + olg.getFileName() + " on " + kind + trace);
    }

    @Test
    void theSuiteIsCompleteAndWellFormed() throws IOException {
        List<Path> programs = programs();
        if (System.getProperty("conformance.only") == null) {
            assertTrue(programs.size() >= 40, "at least 40 conformance programs, found " + programs.size());
        }
        for (Path olg : programs) {
            Script script = Script.parse(Files.readString(olg, StandardCharsets.UTF_8));
            Program program = compile(olg);
            boolean hasExpected = Files.isRegularFile(expectedFile(olg));
            if (script.expectErrors.isEmpty()) {
                assertTrue(hasExpected, "missing " + expectedFile(olg).getFileName());
            } else {
                assertFalse(hasExpected, olg.getFileName() + " expects an error, so it has no expected output");
                assertTrue(script.expectDie.isEmpty(), olg.getFileName() + ": an error and die messages at once");
            }
            for (String rel : script.print) {
                assertTrue(rel.equals("@sent") || (program.relation(rel) != null && !program.relation(rel).internal),
                    olg.getFileName() + " prints unknown relation " + rel);
            }
            for (List<io.boomfs.engine.Tuple> ts : script.at.values()) {
                for (io.boomfs.engine.Tuple t : ts) {
                    assertNotNull(program.relation(t.relation()), olg.getFileName() + ": inbound tuple of unknown relation " + t);
                }
            }
        }
        try (Stream<Path> s = Files.list(DIR)) {
            for (Path e : s.filter(p -> p.toString().endsWith(".expected")).toList()) {
                Path olg = e.resolveSibling(e.getFileName().toString().replaceFirst("\\.expected$", ".olg"));
                assertTrue(Files.isRegularFile(olg), "expected output without a program: " + e.getFileName());
            }
        }
    }

    @Test
    void headerDirectivesAreParsedStrictly() {
        Script s = Script.parse("// A description: with a colon.\n// print: a, b\n// steps: 3\n// tick-ms: 50\n"
            + "// at 2: e(1, \"x, \\\"y\\\"\"), e(-2, null)\n// at 2: f(true, 2.5, -1.0E3)\n// at 4: g()\ntable a(X: long).\n"
            + "// print: not-a-header-line\n");
        assertEquals(List.of("a", "b"), s.print);
        assertEquals(3, s.steps);
        assertEquals(50, s.tickMs);
        assertEquals("[e(1, \"x, \\\"y\\\"\"), e(-2, null), f(true, 2.5, -1000.0)]", s.at.get(2).toString());
        assertEquals("[g()]", s.at.get(4).toString());
        assertEquals(4, s.lastInboundStep());
        IllegalArgumentException typo = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> Script.parse("// print: a\n// step: 3\n"));
        assertTrue(typo.getMessage().contains("unknown directive 'step'"), typo.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Script.parse("// steps: 3\n"));
    }
}
