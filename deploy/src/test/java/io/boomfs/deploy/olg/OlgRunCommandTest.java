package io.boomfs.deploy.olg;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code boom olg run}: exit codes, what goes to stdout and stderr, facts, steps and nodes. */
class OlgRunCommandTest {
    private static final String FQPATH = """
        table file(FileId: long, ParentId: long, Name: string, IsDir: bool) key(FileId).
        view  fqpath(FileId: long, Path: string).
        fqpath(F, "/") :- file(F, P, _, true), P = null.
        fqpath(F, Path) :- file(F, P, N, _), fqpath(P, PP), Path = PP + (PP == "/" ? "" : "/") + N.
        """;

    /** A counter that changes in every step, so it never becomes quiescent. */
    private static final String COUNTER = """
        table c(Name: string, N: long) key(Name).
        c("n", 0).
        c(Name, N + 1)@next :- c(Name, N).
        watch c.
        """;

    @TempDir
    Path dir;

    private void write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    private Cli.Result run(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "olg";
        all[1] = "run";
        System.arraycopy(args, 0, all, 2, args.length);
        return Cli.run(dir, all);
    }

    @Test
    void printsTheRequestedRelationsSortedAndInTheOrderGiven() throws IOException {
        write("p.olg", FQPATH);
        write("facts/file.csv", "1,null,\"\",true\n2,1,b,true\n3,1,a,false\n10,2,\"x, \"\"y\"\"\",false\n");
        Cli.Result r = run("p.olg", "--facts", "facts", "--print", "fqpath", "--print", "file");
        assertEquals(new Cli.Result(Boom.OK, """
            fqpath(1, "/")
            fqpath(10, "/b/x, \\"y\\"")
            fqpath(2, "/b")
            fqpath(3, "/a")
            file(1, null, "", true)
            file(10, 2, "x, \\"y\\"", false)
            file(2, 1, "b", true)
            file(3, 1, "a", false)
            """, ""), r);
    }

    @Test
    void aProgramThatDoesNotCompilePrintsItsDiagnosticsAndExits1() throws IOException {
        write("bad.olg", "table a(X: long).\nview b(X: long).\nb(X) :- a(Y).\n");
        Cli.Result r = run("bad.olg", "--print", "b");
        assertEquals(new Cli.Result(Boom.ERROR, "", """
            bad.olg:3:3: error: unsafe rule: head variable X is not bound by the body
              hint: bind it in a positive atom or with X = expr
            boom: error: bad.olg does not compile (1 error)
            """), r);
    }

    @Test
    void warningsGoToStderrAndTheRunGoesOn() throws IOException {
        write("w.olg", "table t(X: long).\nt(1).\nview v(X: long).\n");
        Cli.Result r = run("w.olg", "--print", "t");
        assertEquals(new Cli.Result(Boom.OK, "t(1)\n",
            "w.olg:2:1: warning: view v has no rules, so it is always empty\n".replace("2:1", "3:1")), r);
    }

    @Test
    void aBadFactsFileNamesFileLineAndColumnAndExits1() throws IOException {
        write("p.olg", FQPATH);
        write("facts/file.csv", "1,null,\"\",true\n2,x,b,true\n");
        Cli.Result r = run("p.olg", "--facts", "facts", "--print", "fqpath");
        assertEquals(new Cli.Result(Boom.ERROR, "",
            "facts/file.csv:2: error: column ParentId (long): \"x\" is not a whole number\n"), r);
    }

    @Test
    void factsForAViewOrAnUnknownRelationAreRefused() throws IOException {
        write("p.olg", FQPATH);
        write("facts/fqpath.csv", "1,\"/\"\n");
        Cli.Result view = run("p.olg", "--facts", "facts");
        assertEquals(new Cli.Result(Boom.ERROR, "", "facts/fqpath.csv: error: fqpath is a view: it holds what its rules"
            + " derive, so facts go into tables and events only\n"), view);
        Files.move(dir.resolve("facts/fqpath.csv"), dir.resolve("facts/files.csv"));
        Cli.Result unknown = run("p.olg", "--facts", "facts");
        assertEquals(new Cli.Result(Boom.ERROR, "", "facts/files.csv: error: the program has no relation files"
            + " (facts files are named <relation>.csv; its tables and events: file)\n"), unknown);
    }

    @Test
    void aMissingFactsDirectoryIsAnError() throws IOException {
        write("p.olg", FQPATH);
        Cli.Result r = run("p.olg", "--facts", "nowhere", "--print", "file");
        assertEquals(new Cli.Result(Boom.ERROR, "", "nowhere: error: facts directory not found\n"), r);
    }

    @Test
    void anUnknownPrintRelationNamesTheRelationsThereAre() throws IOException {
        write("p.olg", FQPATH);
        Cli.Result r = run("p.olg", "--print", "fqpath", "--print", "paths");
        assertEquals(new Cli.Result(Boom.ERROR, "",
            "boom: error: --print paths: p.olg has no relation paths (its relations: file, fqpath)\n"), r);
    }

    @Test
    void aTimerProgramNeedsSteps() throws IOException {
        write("t.olg", "timer tick(100).\ntable n(X: long).\nn(1)@next :- tick().\n");
        Cli.Result r = run("t.olg", "--print", "n");
        assertEquals(new Cli.Result(Boom.ERROR, "", "boom: error: t.olg declares timer tick(100), so it never becomes"
            + " quiescent: give --steps N to run exactly N steps\n"), r);
    }

    @Test
    void dieStopsTheRunWithExitCode3() throws IOException {
        write("d.olg", "table t(X: long).\ndie(M) :- t(X), X > 2, M := \"too big: \" + str(X).\n");
        write("facts/t.csv", "1\n3\n4\n");
        Cli.Result r = run("d.olg", "--facts", "facts", "--print", "t");
        assertEquals(new Cli.Result(Boom.DIE, "",
            "boom: die in step 1: local: too big: 3\nboom: die in step 1: local: too big: 4\n"), r);
    }

    @Test
    void stepsRunsExactlyNStepsAndWatchTracesGoToStderr() throws IOException {
        write("c.olg", COUNTER);
        Cli.Result r = run("c.olg", "--steps", "3", "--print", "c");
        assertEquals(new Cli.Result(Boom.OK, "c(\"n\", 3)\n", """
            watch: step 1 +c("n", 1)
            watch: step 2 -c("n", 1)
            watch: step 2 +c("n", 2)
            watch: step 3 -c("n", 2)
            watch: step 3 +c("n", 3)
            """), r);
    }

    @Test
    void stepsAreTickMsApart() throws IOException {
        write("n.olg", "table at(Step: long, NowMs: long).\nat(S, T)@next :- sys_step(Me, S, T).\n");
        Cli.Result r = run("n.olg", "--steps", "3", "--tick-ms", "250", "--print", "at");
        assertEquals(new Cli.Result(Boom.OK, "at(1, 0)\nat(2, 250)\nat(3, 500)\n", ""), r);
    }

    @Test
    void aProgramThatNeverSettlesFailsAtTheStepLimit() throws IOException {
        write("c.olg", COUNTER.replace("watch c.\n", ""));
        Cli.Result r = run("c.olg", "--max-steps", "25", "--print", "c");
        assertEquals(new Cli.Result(Boom.ERROR, "", "boom: error: c.olg is still not quiescent after 25 steps"
            + " (something changes in every step): give --steps N to run exactly N steps, or a larger --max-steps\n"), r);
    }

    @Test
    void withoutStepsTheRunEndsWhenNothingIsLeftToDo() throws IOException {
        write("q.olg", """
            table c(Name: string, N: long) key(Name).
            c("n", 0).
            c(Name, N + 1)@next :- c(Name, N), N < 5.
            """);
        Cli.Result r = run("q.olg", "--print", "c");
        assertEquals(new Cli.Result(Boom.OK, "c(\"n\", 5)\n", ""), r);
    }

    private static final String HELLO = """
        table peer(@Me: addr, Peer: addr).
        table got(@Me: addr, From: addr).
        event start(@Me: addr).
        event hello(@To: addr, From: addr).
        hello(@P, Me) :- start(@Me), peer(@Me, P).
        got(@Me, F) :- hello(@Me, F).
        """;

    @Test
    void nodesPrefixEachLineWithTheAddressInTheOrderGiven() throws IOException {
        write("h.olg", HELLO);
        write("facts/a/start.csv", "a\n");
        write("facts/a/peer.csv", "a,b\na,c\n");
        write("facts/c/start.csv", "c\n");
        write("facts/c/peer.csv", "c,a\n");
        Cli.Result r = run("h.olg", "--facts", "facts", "--nodes", "c,b,a", "--print", "got", "--print", "peer");
        assertEquals(Boom.OK, r.code(), r.toString());
        assertEquals("""
            c got("c", "a")
            b got("b", "a")
            a got("a", "c")
            c peer("c", "a")
            a peer("a", "b")
            a peer("a", "c")
            """, r.out());
        assertTrue(r.err().startsWith("SEED=0"), r.err());
    }

    @Test
    void withNodesFactsLiveInOneDirectoryPerNode() throws IOException {
        write("h.olg", HELLO);
        write("facts/peer.csv", "a,b\n");
        Cli.Result flat = run("h.olg", "--facts", "facts", "--nodes", "a,b");
        assertEquals(new Cli.Result(Boom.ERROR, "", "facts/peer.csv: error: with --nodes, facts go in"
            + " facts/<node>/<relation>.csv, one directory per node\n"), flat);
        Files.delete(dir.resolve("facts/peer.csv"));
        write("facts/x/peer.csv", "x,a\n");
        Cli.Result stray = run("h.olg", "--facts", "facts", "--nodes", "a,b");
        assertEquals(new Cli.Result(Boom.ERROR, "", "facts/x: error: x is not one of the --nodes (a,b),"
            + " so no node would read these facts\n"), stray);
    }

    @Test
    void aSeededNetworkPrintsItsSeedFirstOnStderrAndKeepsStdoutClean() throws IOException {
        write("p.olg", FQPATH);
        write("facts/file.csv", "1,null,\"\",true\n2,1,b,true\n");
        Cli.Result r = run("p.olg", "--facts", "facts", "--print", "fqpath", "--seed", "5", "--drop", "0.5",
            "--dup", "0.25", "--reorder", "0.5", "--delay-ms", "0..300");
        assertEquals(Boom.OK, r.code(), r.toString());
        assertEquals("fqpath(1, \"/\")\nfqpath(2, \"/b\")\n", r.out());
        assertTrue(r.err().startsWith("SEED=5\n"), r.err());
    }

    @Test
    void aRuleThatFailsAtRunTimeIsAnErrorInWordsWithoutAStackTrace() throws IOException {
        write("k.olg", "table t(X: long).\ntable k(A: long, B: long) key(A).\nk(1, X) :- t(X).\n");
        write("facts/t.csv", "1\n2\n");
        Cli.Result r = run("k.olg", "--facts", "facts", "--print", "k");
        assertEquals(Boom.ERROR, r.code(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("boom: error: node local failed in round 1 "), r.err());
        assertTrue(r.err().contains("k.olg:3:"), "the message names the rule: " + r.err());
        assertTrue(r.err().lines().noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception")),
            "no stack trace: " + r.err());
    }

    @Test
    void badOptionsAreUsageErrors() throws IOException {
        write("p.olg", FQPATH);
        assertUsage("--steps must be at least 1, not 0", "p.olg", "--steps", "0");
        assertUsage("--tick-ms must be at least 1, not 0", "p.olg", "--tick-ms", "0");
        assertUsage("--drop needs --seed N, so that the run can be replayed from its seed", "p.olg", "--drop", "0.1");
        assertUsage("--drop is a probability between 0 and 1, not 1.5", "p.olg", "--seed", "1", "--drop", "1.5");
        assertUsage("--delay-ms takes MIN..MAX or one value in ms, not '5-9'", "p.olg", "--seed", "1",
            "--delay-ms", "5-9");
        assertUsage("--delay-ms 9..5: MIN is larger than MAX", "p.olg", "--seed", "1", "--delay-ms", "9..5");
        assertUsage("--delay-ms 0..100000000: maxDelayMs must be at most", "p.olg", "--seed", "1",
            "--delay-ms", "0..100000000");
        assertUsage("--nodes: a is given twice", "p.olg", "--nodes", "a,b,a");
        assertUsage("--nodes: '' is not a node address (letters, digits and _ . : - only)", "p.olg", "--nodes", "a,,b");
    }

    private void assertUsage(String message, String... args) {
        Cli.Result r = run(args);
        assertEquals(Boom.USAGE, r.code(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("boom: error: " + message), r.err());
        assertTrue(r.err().contains("Try 'boom olg run --help' for more information.\n"), r.err());
    }
}
