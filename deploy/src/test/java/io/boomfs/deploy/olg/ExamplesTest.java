package io.boomfs.deploy.olg;

import io.boomfs.deploy.Cli;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs every shipped example {@code engine/examples/X.olg} that has an {@code X.expected}
 * through {@code boom olg run}, exactly as its first line says ({@code // run: boom olg run
 * ...}, paths relative to the repository root, arguments separated by spaces), and requires
 * the output to be {@code X.expected} byte for byte.
 */
class ExamplesTest {
    private static final String RUN_PREFIX = "// run: boom ";

    /** The repository root: the nearest directory above the working directory with engine/examples. */
    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("engine/examples"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new AssertionError("no engine/examples above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    private static List<Path> examplesWithExpectedOutput() throws IOException {
        try (Stream<Path> s = Files.list(repoRoot().resolve("engine/examples"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".olg"))
                .filter(p -> Files.isRegularFile(expectedOf(p)))
                .sorted()
                .toList();
        }
    }

    private static Path expectedOf(Path olg) {
        String name = olg.getFileName().toString();
        return olg.resolveSibling(name.substring(0, name.length() - ".olg".length()) + ".expected");
    }

    /** The command line of an example: its first line without the comment and the leading {@code boom}. */
    static String[] runLine(Path olg) throws IOException {
        String first = Files.readAllLines(olg, StandardCharsets.UTF_8).get(0);
        assertTrue(first.startsWith(RUN_PREFIX + "olg run "),
            olg + ": the first line must be '" + RUN_PREFIX + "olg run ...', not: " + first);
        return first.substring(RUN_PREFIX.length()).trim().split(" +");
    }

    @Test
    void theShippedExamplesAreAllHere() throws IOException {
        List<String> names = examplesWithExpectedOutput().stream().map(p -> p.getFileName().toString()).toList();
        for (String required : List.of("fqpath.olg", "shortest_paths.olg", "counter.olg")) {
            assertTrue(names.contains(required), required + " or its .expected is missing: " + names);
        }
    }

    @TestFactory
    List<DynamicTest> eachExamplePrintsItsExpectedOutput() throws IOException {
        Path root = repoRoot();
        List<DynamicTest> tests = new ArrayList<>();
        for (Path olg : examplesWithExpectedOutput()) {
            tests.add(DynamicTest.dynamicTest(olg.getFileName().toString(), () -> {
                String[] args = runLine(olg);
                String expected = Files.readString(expectedOf(olg), StandardCharsets.UTF_8);
                Cli.Result r = Cli.run(root, args);
                assertEquals(0, r.code(), "boom " + String.join(" ", args) + "\n" + r);
                assertEquals(expected, r.out(), "boom " + String.join(" ", args) + "\n" + r);
            }));
        }
        return tests;
    }

    /** Examples are what newcomers copy: each one checks clean, without a warning. */
    @TestFactory
    List<DynamicTest> eachExampleChecksWithoutAWarning() throws IOException {
        Path root = repoRoot();
        List<Path> all;
        try (Stream<Path> s = Files.list(root.resolve("engine/examples"))) {
            all = s.filter(p -> p.getFileName().toString().endsWith(".olg")).sorted().toList();
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Path olg : all) {
            String file = "engine/examples/" + olg.getFileName();
            tests.add(DynamicTest.dynamicTest(olg.getFileName().toString(),
                () -> assertEquals(new Cli.Result(0, file + ": ok\n", ""), Cli.run(root, "olg", "check", file))));
        }
        return tests;
    }

    /** The README shows the newcomer's first command and its output: both must be true. */
    @Test
    void theReadmeShowsTheFqpathRunAndItsExactOutput() throws IOException {
        Path root = repoRoot();
        String readme = Files.readString(root.resolve("README.md"), StandardCharsets.UTF_8);
        String[] args = runLine(root.resolve("engine/examples/fqpath.olg"));
        String command = "./boom " + String.join(" ", args);
        assertTrue(readme.contains("\n" + command + "\n"), "README.md does not show: " + command);
        String expected = Files.readString(root.resolve("engine/examples/fqpath.expected"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("\n" + expected + "```"),
            "README.md does not show fqpath.expected verbatim in a code block after the command:\n" + expected);
        assertEquals(List.of("olg", "run", "engine/examples/fqpath.olg", "--facts", "engine/examples/fqpath",
            "--print", "fqpath"), Arrays.asList(args), "the issue pins this command line");
    }
}
