package io.boomfs.engine.eval;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogException;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Compiler;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Behaviour of the incremental evaluator on small programs whose answers are known. */
class IncrementalEvaluatorTest {
    /** The seed slides' program (also the benchmarks'): file, the recursive fqpath view, rm. */
    static final String FQPATH = io.boomfs.engine.bench.Namespace.FQPATH;

    static OverlogNode node(String src) {
        Compiler.Result r = Compiler.compileSource("test.olg", src);
        assertTrue(r.ok(), () -> r.diagnostics().toString());
        return new OverlogNode(r.program(), "local", NodeOptions.defaults());
    }

    static String show(OverlogNode n, String rel) {
        return n.contents(rel).stream().map(Tuple::toString).collect(Collectors.joining("\n"));
    }

    @Test
    void fqpathIsDerivedAndShrinksWhenADirectoryGoes() {
        OverlogNode n = node(FQPATH);
        n.load(new Tuple("file", 0L, null, "", true));
        n.load(new Tuple("file", 1L, 0L, "a", true));
        n.load(new Tuple("file", 2L, 1L, "b.txt", false));
        n.load(new Tuple("file", 3L, 0L, "c", false));
        n.step(0, List.of());
        assertEquals("fqpath(0, \"/\")\nfqpath(1, \"/a\")\nfqpath(2, \"/a/b.txt\")\nfqpath(3, \"/c\")", show(n, "fqpath"));
        n.step(100, List.of(new Tuple("rm", 1L)));
        n.step(200, List.of());
        assertEquals("fqpath(0, \"/\")\nfqpath(3, \"/c\")", show(n, "fqpath"));
        n.load(new Tuple("file", 1L, 0L, "z", true));
        n.step(300, List.of());
        assertEquals("fqpath(0, \"/\")\nfqpath(1, \"/z\")\nfqpath(2, \"/z/b.txt\")\nfqpath(3, \"/c\")", show(n, "fqpath"));
    }

    /**
     * A view derived from this step's events (seen) that a view kept up to date reads (groups,
     * which also reads a table): seen is emptied row by row as a step starts and derived again
     * (IncrementalEvaluator.reportsRemovals), and groups loses exactly the rows whose event did
     * not come again, keeps those whose event came again, and follows the table and the count.
     */
    @Test
    void aViewOfTheStepsEventsReportsWhatWentToAViewKeptUpToDate() {
        OverlogNode n = node("""
            table acct(U: string).
            event who(Ref: long, U: string).
            view seen(U: string).
            seen(U) :- who(_, U).
            view groups(U: string, G: string).
            groups(U, "staff") :- acct(U).
            groups(U, "guest") :- seen(U), notin acct(U).
            view ngroups(N: long).
            ngroups(count<U>) :- groups(U, _).
            """);
        n.load(new Tuple("acct", "alice"));
        n.step(0, List.of(new Tuple("who", 1L, "bob")));
        assertEquals("groups(\"alice\", \"staff\")\ngroups(\"bob\", \"guest\")", show(n, "groups"));
        n.step(100, List.of(new Tuple("who", 2L, "bob"), new Tuple("who", 3L, "carol")));
        assertEquals("groups(\"alice\", \"staff\")\ngroups(\"bob\", \"guest\")\ngroups(\"carol\", \"guest\")", show(n, "groups"));
        assertEquals("ngroups(3)", show(n, "ngroups"));
        n.step(200, List.of(new Tuple("who", 4L, "carol")));
        assertEquals("groups(\"alice\", \"staff\")\ngroups(\"carol\", \"guest\")", show(n, "groups"));
        n.step(300, List.of());
        assertEquals("groups(\"alice\", \"staff\")", show(n, "groups"));
        assertEquals("", show(n, "seen"));
        n.load(new Tuple("acct", "bob"));
        n.step(400, List.of(new Tuple("who", 5L, "bob")));
        assertEquals("groups(\"alice\", \"staff\")\ngroups(\"bob\", \"staff\")", show(n, "groups"));
        assertEquals("ngroups(2)", show(n, "ngroups"));
    }

    /**
     * Views derived from scratch from the step's events read the rows holding their atom's
     * constants from an index on those columns (not every row, bound and tested), and only
     * those: several kinds in one step, a kind with no row, two constants, a boolean constant
     * (not indexed: tested on each row) and a constant in a condition (a scan).
     */
    @Test
    void viewsOfAnEventsKindsReadTheirKindsRowsAlone() {
        OverlogNode n = node("""
            event req(K: string, X: long, F: bool).
            view a(X: long).
            a(X) :- req("a", X, _).
            view a7(F: bool).
            a7(F) :- req("a", 7, F).
            view b(X: long).
            b(X) :- req("b", X, true).
            view c(X: long).
            c(X) :- req(K, X, _), K == "c".
            view t(X: long).
            t(X) :- req(_, X, true).
            """);
        n.step(0, List.of(new Tuple("req", "a", 1L, false), new Tuple("req", "b", 2L, true), new Tuple("req", "b", 3L, false),
            new Tuple("req", "c", 4L, true), new Tuple("req", "a", 7L, true), new Tuple("req", "x", 8L, false)));
        assertEquals("a(1)\na(7)", show(n, "a"));
        assertEquals("a7(true)", show(n, "a7"));
        assertEquals("b(2)", show(n, "b"));
        assertEquals("c(4)", show(n, "c"));
        assertEquals("t(2)\nt(4)\nt(7)", show(n, "t"));
        assertTrue(n.storageReport(0).lines().anyMatch(l -> l.startsWith("req ") && l.contains("[0]:") && l.contains("[0, 1]:")),
            n.storageReport(0));
        n.step(100, List.of(new Tuple("req", "b", 5L, true), new Tuple("req", "a", 7L, false)));
        assertEquals("a(7)", show(n, "a"));
        assertEquals("a7(false)", show(n, "a7"));
        assertEquals("b(5)", show(n, "b"));
        assertEquals("", show(n, "c"));
        assertEquals("t(5)", show(n, "t"));
        n.step(200, List.of());
        assertEquals("", show(n, "a") + show(n, "a7") + show(n, "b") + show(n, "t"));
    }

    /**
     * A match that joins new rows of two atoms is left by the run seeded with the later atom to
     * the run seeded with the earlier one (IncrementalEvaluator.skipEarlierNew): each such match
     * must still be derived, in a join of two relations and in a self-join, and go again when a
     * row of it goes.
     */
    @Test
    void matchesOfSeveralNewRowsAreDerivedOnceAndAllOfThem() {
        OverlogNode n = node("""
            table a(X: long, Y: long).
            table b(Y: long, Z: long).
            view j(X: long, Z: long).
            j(X, Z) :- a(X, Y), b(Y, Z).
            view pair(X1: long, X2: long).
            pair(X1, X2) :- a(X1, Y), a(X2, Y), X1 < X2.
            event drop(X: long).
            delete a(X, Y) :- drop(X), a(X, Y).
            """);
        n.load(new Tuple("a", 1L, 10L));
        n.load(new Tuple("b", 10L, 100L));
        n.step(0, List.of());
        assertEquals("j(1, 100)", show(n, "j"));
        n.load(new Tuple("a", 2L, 10L));
        n.load(new Tuple("b", 10L, 200L));
        n.load(new Tuple("a", 3L, 20L));
        n.load(new Tuple("a", 4L, 20L));
        n.load(new Tuple("b", 20L, 300L));
        n.step(100, List.of());
        assertEquals("j(1, 100)\nj(1, 200)\nj(2, 100)\nj(2, 200)\nj(3, 300)\nj(4, 300)", show(n, "j"));
        assertEquals("pair(1, 2)\npair(3, 4)", show(n, "pair"));
        n.step(200, List.of(new Tuple("drop", 2L), new Tuple("drop", 3L)));
        n.step(300, List.of());
        assertEquals("j(1, 100)\nj(1, 200)\nj(4, 300)", show(n, "j"));
        assertEquals("", show(n, "pair"));
    }

    @Test
    void transitiveClosureWithCyclesSurvivesEdgeDeletion() {
        OverlogNode n = node("""
            table edge(A: long, B: long).
            event cut(A: long, B: long).
            view path(A: long, B: long).
            path(A, B) :- edge(A, B).
            path(A, C) :- path(A, B), edge(B, C).
            delete edge(A, B) :- cut(A, B), edge(A, B).
            """);
        for (long[] e : new long[][] {{1, 2}, {2, 3}, {3, 1}, {3, 4}}) {
            n.load(new Tuple("edge", e[0], e[1]));
        }
        n.step(0, List.of());
        assertEquals(12, n.contents("path").size());
        n.step(1, List.of(new Tuple("cut", 3L, 1L)));
        n.step(2, List.of());
        assertEquals("path(1, 2)\npath(1, 3)\npath(1, 4)\npath(2, 3)\npath(2, 4)\npath(3, 4)", show(n, "path"));
    }

    @Test
    void aggregatesFollowInsertsAndDeletes() {
        OverlogNode n = node("""
            table item(G: string, V: long).
            event drop(G: string, V: long).
            view stats(G: string, C: long, S: long, Lo: long, Hi: long).
            stats(G, count<*>, sum<V>, min<V>, max<V>) :- item(G, V).
            delete item(G, V) :- drop(G, V), item(G, V).
            """);
        n.load(new Tuple("item", "a", 1L));
        n.load(new Tuple("item", "a", 5L));
        n.load(new Tuple("item", "b", 7L));
        n.step(0, List.of());
        assertEquals("stats(\"a\", 2, 6, 1, 5)\nstats(\"b\", 1, 7, 7, 7)", show(n, "stats"));
        n.step(1, List.of(new Tuple("drop", "a", 1L), new Tuple("drop", "b", 7L)));
        n.step(2, List.of());
        assertEquals("stats(\"a\", 1, 5, 5, 5)", show(n, "stats"));
    }

    @Test
    void timerDrivesANextCounter() {
        OverlogNode n = node("""
            timer tick(100).
            table counter(K: long, N: long) key(K).
            counter(0, 0).
            counter@next(K, N + 1) :- tick(), counter(K, N).
            """);
        for (int i = 0; i < 5; i++) {
            n.step(i * 50L, List.of());
        }
        // Fires at 0, 100, 200: three increments.
        assertEquals("counter(0, 3)", show(n, "counter"));
    }

    @Test
    void insertWinsOverDeleteInTheSameStep() {
        OverlogNode n = node("""
            table t(X: long).
            event e(X: long).
            delete t(X) :- e(X), t(X).
            t@next(X) :- e(X).
            """);
        n.load(new Tuple("t", 1L));
        n.step(0, List.of());
        n.step(1, List.of(new Tuple("e", 1L)));
        assertEquals("t(1)", show(n, "t"));
    }

    @Test
    void instantKeyViolationNamesTheRule() {
        OverlogNode n = node("""
            table t(K: long, V: long) key(K).
            event e(K: long, V: long).
            put: t(K, V) :- e(K, V).
            """);
        n.step(0, List.of(new Tuple("e", 1L, 1L)));
        OverlogException ex = assertThrows(OverlogException.class, () -> n.step(1, List.of(new Tuple("e", 1L, 2L))));
        assertTrue(ex.getMessage().contains("key violation in rule put"), ex.getMessage());
    }

    @Test
    void sendToSelfArrivesAsOutbound() {
        OverlogNode n = node("""
            table peer(@A: addr, B: addr).
            event ping(@A: addr, From: addr).
            event go(N: long).
            ping(@B, A) :- go(_), peer(@A, B).
            """);
        n.load(new Tuple("peer", "local", "other"));
        StepResult r = n.step(0, List.of(new Tuple("go", 1L)));
        assertEquals("{other=[ping(\"other\", \"local\")]}", r.outbound().toString());
    }

    @Test
    void negationIsMaintained() {
        OverlogNode n = node("""
            table a(X: long).
            table b(X: long).
            event rmb(X: long).
            view only_a(X: long).
            only_a(X) :- a(X), notin b(X).
            delete b(X) :- rmb(X), b(X).
            """);
        n.load(new Tuple("a", 1L));
        n.load(new Tuple("a", 2L));
        n.load(new Tuple("b", 2L));
        n.step(0, List.of());
        assertEquals("only_a(1)", show(n, "only_a"));
        n.load(new Tuple("b", 1L));
        n.step(1, List.of(new Tuple("rmb", 2L)));
        assertEquals("", show(n, "only_a"));
        n.step(2, List.of());
        assertEquals("only_a(2)", show(n, "only_a"));
    }

    @Test
    void anOversizedMessageIsRefusedWithTheRuleNamed() {
        for (NodeOptions.EvaluatorKind kind : NodeOptions.EvaluatorKind.values()) {
            Compiler.Result r = Compiler.compileSource("big.olg", """
                event go(@A: addr, S: string).
                event msg(@A: addr, S: string).
                shout: msg(@"peer", S) :- go(@A, S).
                """);
            OverlogNode n = new OverlogNode(r.program(), "local",
                NodeOptions.defaults().withEvaluator(kind).withMaxMessageBytes(100));
            n.step(0, List.of(new Tuple("go", "local", "short")));
            OverlogException ex = assertThrows(OverlogException.class,
                () -> n.step(1, List.of(new Tuple("go", "local", "x".repeat(200)))));
            assertTrue(ex.getMessage().contains("shout") && ex.getMessage().contains("maxMessageBytes"), ex.getMessage());
        }
    }

    @Test
    void aBodyTooLongForTheEvaluatorIsRefusedByTheChecker() {
        StringBuilder src = new StringBuilder("table t(X: long).\nview v(X: long).\nv(X) :- t(X)");
        for (int i = 0; i < 1000; i++) {
            src.append(", X > ").append(-i);
        }
        Compiler.Result r = Compiler.compileSource("long.olg", src + ".\n");
        assertTrue(r.errors().get(0).toString().startsWith("long.olg:3:1: error: rule body has 1001 literals"),
            r.errors().toString());
    }

    @Test
    void rulesReadingNowAreEvaluatedAgainInEveryStep() {
        for (NodeOptions.EvaluatorKind kind : NodeOptions.EvaluatorKind.values()) {
            Compiler.Result r = Compiler.compileSource("now.olg", """
                timer tick(100).
                table logb(T: long).
                table lease(F: long, Until: long).
                view expired(F: long).
                logb(T) :- tick(), T := now().
                expired(F) :- lease(F, U), U <= now().
                lease(1, 150).
                lease(2, 250).
                """);
            assertTrue(r.ok(), () -> r.diagnostics().toString());
            OverlogNode n = new OverlogNode(r.program(), "local", NodeOptions.defaults().withEvaluator(kind));
            n.step(0, List.of());
            assertEquals("", show(n, "expired"), kind.name());
            n.step(200, List.of());
            assertEquals("expired(1)", show(n, "expired"), kind.name());
            n.step(300, List.of());
            assertEquals("expired(1)\nexpired(2)", show(n, "expired"), kind.name());
            assertEquals("logb(0)\nlogb(200)\nlogb(300)", show(n, "logb"), kind.name());
        }
    }
}
