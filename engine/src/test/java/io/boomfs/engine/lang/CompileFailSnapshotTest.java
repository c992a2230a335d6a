package io.boomfs.engine.lang;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshots of the checker's diagnostics (STYLE.md item 12). Every {@code NN-name.olg} directly
 * under {@code src/test/resources/compile-fail/} is compiled with {@link Compiler#compileFile};
 * its diagnostics, one {@link Diagnostic#toString()} per diagnostic in the compiler's order,
 * joined by newlines and ended by one newline, must equal {@code NN-name.err} exactly.
 *
 * <p>Paths: the files are compiled by their absolute path, and the absolute path of the
 * compile-fail directory followed by '/' is removed from the whole text, so the snapshots say
 * {@code 01-x.olg:3:5} and {@code imports/cycle-b.olg:2:1} on every machine. Files under
 * {@code imports/} are only imported by the snapshots, never compiled on their own.
 *
 * <p>{@code mvn -pl engine test -Dtest=CompileFailSnapshotTest -Drewrite=true} rewrites every
 * {@code .err} from what the compiler says today, for review with {@code git diff}.
 */
class CompileFailSnapshotTest {
    static final Path DIR = resources().resolve("compile-fail");
    private static final boolean REWRITE = Boolean.getBoolean("rewrite");

    static Path resources() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize()
            .resolve("src/test/resources");
    }

    static List<Path> programs() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.getFileName().toString().matches("\\d\\d-[a-z0-9-]+\\.olg"))
                .sorted()
                .collect(Collectors.toList());
        }
    }

    /** What the compiler says about {@code file}, with the directory prefix removed. */
    static String diagnostics(Path file) {
        Compiler.Result result = Compiler.compileFile(file.toAbsolutePath());
        StringBuilder sb = new StringBuilder();
        for (Diagnostic d : result.diagnostics()) {
            sb.append(d).append('\n');
        }
        return sb.toString().replace(DIR.toString() + "/", "");
    }

    @TestFactory
    List<DynamicTest> snapshots() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path olg : programs()) {
            String name = olg.getFileName().toString();
            Path err = olg.resolveSibling(name.replaceFirst("\\.olg$", ".err"));
            tests.add(DynamicTest.dynamicTest(name, olg.toUri(), () -> check(olg, err)));
        }
        return tests;
    }

    private static void check(Path olg, Path err) throws IOException {
        String actual = diagnostics(olg);
        if (REWRITE) {
            Files.writeString(err, actual, StandardCharsets.UTF_8);
        }
        assertTrue(Files.isRegularFile(err), "missing snapshot " + err + " (run with -Drewrite=true to create it)");
        String expected = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(expected, actual, "diagnostics of " + olg.getFileName());
        Compiler.Result result = Compiler.compileFile(olg.toAbsolutePath());
        boolean errors = expected.lines().anyMatch(l -> l.matches("[^ ].*:\\d+:\\d+: error: .*"));
        if (errors) {
            assertNull(result.program(), "a program with errors must not compile");
        } else {
            assertNotNull(result.program(), "a program with only warnings compiles");
            assertEquals(result.diagnostics(), result.program().warnings(), "the program carries its warnings");
        }
    }

    @Test
    void theSuiteIsLargeAndEverySnapshotHasItsProgram() throws IOException {
        List<Path> programs = programs();
        assertTrue(programs.size() >= 30, "at least 30 compile-fail programs, found " + programs.size());
        try (Stream<Path> s = Files.list(DIR)) {
            for (Path err : s.filter(p -> p.toString().endsWith(".err")).toList()) {
                Path olg = err.resolveSibling(err.getFileName().toString().replaceFirst("\\.err$", ".olg"));
                assertTrue(programs.contains(olg), "snapshot without a program: " + err.getFileName());
                String text = Files.readString(err, StandardCharsets.UTF_8);
                assertFalse(text.isBlank(), "a compile-fail snapshot holds at least one diagnostic: " + err.getFileName());
                assertTrue(text.endsWith("\n"), "snapshots end with a newline: " + err.getFileName());
            }
        }
    }
}
