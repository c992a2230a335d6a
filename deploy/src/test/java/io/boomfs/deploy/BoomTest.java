package io.boomfs.deploy;

import io.boomfs.paxos.kv.KvException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The top of the command tree: help, version, usage errors. */
class BoomTest {
    private static final Path HERE = Path.of("");

    private static void assertLine(String text, String regex) {
        assertTrue(Pattern.compile(regex, Pattern.MULTILINE).matcher(text).find(),
            "no line matching /" + regex + "/ in:\n" + text);
    }

    @Test
    void helpListsEachCommandOnOneLine() {
        Cli.Result r = Cli.run(HERE, "--help");
        assertEquals(0, r.code(), r.toString());
        assertLine(r.out(), "^Usage: boom ");
        assertLine(r.out(), "^  olg +Check and run Overlog programs\\.$");
        assertLine(r.out(), "^  help +Display help information about the specified command\\.$");
        assertEquals("", r.err());
    }

    @Test
    void olgHelpListsCheckAndRunOnOneLineEach() {
        Cli.Result r = Cli.run(HERE, "olg", "--help");
        assertEquals(0, r.code(), r.toString());
        assertLine(r.out(), "^  check +Check Overlog files and print their errors and warnings\\.$");
        assertLine(r.out(), "^  run +Run an Overlog program and print the contents of relations\\.$");
        assertEquals(Cli.run(HERE, "help", "olg").out(), r.out());
    }

    @Test
    void runHelpDescribesEveryOption() {
        String out = Cli.run(HERE, "olg", "run", "--help").out();
        for (String option : new String[] {"--facts=DIR", "--print=REL", "--steps=N", "--tick-ms=MS", "--nodes=A,B,...",
            "--seed=N", "--drop=P", "--dup=P", "--reorder=P", "--delay-ms=MIN..MAX", "--max-steps=N"}) {
            assertLine(out, "^ +" + Pattern.quote(option) + " ");
        }
    }

    @Test
    void versionIsTheProjectVersion() {
        Cli.Result r = Cli.run(HERE, "--version");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().matches("boom [0-9]+\\.[0-9]+\\.[0-9]+(-SNAPSHOT)?\n"), r.out());
    }

    /** A cluster that does not answer in time is an error of one line, not a bug with a trace. */
    @Test
    void aTimeoutFromTheClusterIsOneErrorLine() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Boom app = new Boom(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), HERE);
        String why = "op create: no answer within 10000 ms (sent 3 times, to 127.0.0.1:7151); its outcome is unknown";
        int code = Boom.failure(app, new CompletionException(
            new KvException.Timeout(why, List.of("127.0.0.1:7151"))));
        assertEquals(Boom.ERROR, code);
        assertEquals("boom: error: " + why + "\n", err.toString(StandardCharsets.UTF_8));
        // Anything else keeps its trace for the bug report.
        err.reset();
        Boom.failure(app, new IllegalStateException("broken"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("this is a bug in BoomFS"));
    }

    @Test
    void noCommandPrintsTheUsageOnStderr() {
        Cli.Result r = Cli.run(HERE);
        assertEquals(Boom.USAGE, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("boom: error: missing command\nUsage: boom "), r.err());
        Cli.Result olg = Cli.run(HERE, "olg");
        assertEquals(Boom.USAGE, olg.code());
        assertTrue(olg.err().startsWith("boom: error: missing command\nUsage: boom olg "), olg.err());
    }

    @Test
    void anUnknownOptionIsAUsageErrorWithAPointerToHelp() {
        Cli.Result r = Cli.run(HERE, "olg", "run", "--frobnicate", "x.olg");
        assertEquals(Boom.USAGE, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("boom: error: Unknown option: '--frobnicate'\n"), r.err());
        assertTrue(r.err().endsWith("Try 'boom olg run --help' for more information.\n"), r.err());
    }
}
