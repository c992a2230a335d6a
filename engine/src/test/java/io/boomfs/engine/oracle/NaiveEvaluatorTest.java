package io.boomfs.engine.oracle;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogException;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.program.Program;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The oracle against expectations computed by hand from engine/LANGUAGE.md ("Reference
 * semantics"). The property tests trust the oracle, so the oracle itself is pinned here.
 */
class NaiveEvaluatorTest {

    static Program compile(String src) {
        Compiler.Result r = Compiler.compileSource("t.olg", src);
        assertTrue(r.ok(), () -> "does not compile: " + r.diagnostics());
        return r.program();
    }

    static OverlogNode naive(String src) {
        return naive(src, NodeOptions.defaults());
    }

    static OverlogNode naive(String src, NodeOptions options) {
        return new OverlogNode(compile(src), "local", options.withEvaluator(NodeOptions.EvaluatorKind.NAIVE));
    }

    static List<String> rel(OverlogNode n, String name) {
        List<String> out = new ArrayList<>();
        for (Tuple t : n.contents(name)) {
            out.add(t.toString());
        }
        return out;
    }

    static List<String> texts(List<?> xs) {
        List<String> out = new ArrayList<>();
        for (Object x : xs) {
            out.add(x.toString());
        }
        return out;
    }

    private static final String GRAPH = """
        table edge(A: long, B: long).
        event unlink(A: long, B: long).
        view path(A: long, B: long).
        path(A, B) :- edge(A, B).
        path(A, C) :- path(A, B), edge(B, C).
        delete edge(A, B) :- unlink(A, B), edge(A, B).
        edge(1, 2). edge(2, 3). edge(3, 1). edge(3, 4).
        """;

    @Test
    void transitiveClosureOverACycleFollowsDeletesOneStepLater() {
        OverlogNode n = naive(GRAPH);
        n.step(0, List.of());
        List<String> all = new ArrayList<>();
        for (int a = 1; a <= 3; a++) {
            for (int b = 1; b <= 4; b++) {
                all.add("path(" + a + ", " + b + ")");
            }
        }
        assertEquals(all, rel(n, "path"));
        // The delete happens at the end of step 2, so step 2's fixpoint still sees the cycle.
        n.step(100, List.of(new Tuple("unlink", 3L, 1L)));
        assertEquals(all, rel(n, "path"));
        assertEquals(List.of("edge(1, 2)", "edge(2, 3)", "edge(3, 4)"), rel(n, "edge"));
        assertTrue(n.hasPendingWork(), "a table changed in the transition and no fixpoint has seen it");
        n.step(200, List.of());
        assertEquals(List.of("path(1, 2)", "path(1, 3)", "path(1, 4)", "path(2, 3)", "path(2, 4)", "path(3, 4)"),
            rel(n, "path"));
        assertFalse(n.hasPendingWork());
        assertEquals(List.of(), rel(n, "unlink"), "an event lives for one step");
    }

    @Test
    void negationTestsAbsenceWithAnonymousPositionsMatchingAnything() {
        OverlogNode n = naive("""
            table node(X: long).
            table edge(A: long, B: long).
            view sink(X: long).
            view notSelfLoop(X: long).
            sink(X) :- node(X), notin edge(X, _).
            notSelfLoop(X) :- node(X), notin edge(X, X).
            node(1). node(2). node(3).
            edge(1, 2). edge(2, 2).
            """);
        n.step(0, List.of());
        assertEquals(List.of("sink(3)"), rel(n, "sink"));
        assertEquals(List.of("notSelfLoop(1)", "notSelfLoop(3)"), rel(n, "notSelfLoop"));
    }

    private static final String AGG = """
        table m(G: long, K: long, V: long) key(G, K).
        view cstar(G: long, N: long).
        view cvar(G: long, N: long).
        view total(G: long, S: long).
        view lo(G: long, V: long).
        view hi(G: long, V: long).
        view mean(G: long, A: double).
        view vals(G: long, S: any).
        view all(G: long, L: any).
        cstar(G, count<*>) :- m(G, _, _).
        cvar(G, count<V>) :- m(G, _, V).
        total(G, sum<V>) :- m(G, _, V).
        lo(G, min<V>) :- m(G, _, V).
        hi(G, max<V>) :- m(G, _, V).
        mean(G, avg<V>) :- m(G, _, V).
        vals(G, set<V>) :- m(G, _, V).
        all(G, list<V>) :- m(G, _, V).
        m(1, 1, 5). m(1, 2, 5). m(1, 3, null). m(1, 4, 2). m(2, 1, null). m(3, 1, 7).
        """;

    @Test
    void everyAggregateFunctionOverDistinctValuationsPerGroup() {
        OverlogNode n = naive(AGG);
        n.step(0, List.of());
        // Group 1 has four matches (the anonymous K makes them distinct); nulls count only for count<*>.
        assertEquals(List.of("cstar(1, 4)", "cstar(2, 1)", "cstar(3, 1)"), rel(n, "cstar"));
        assertEquals(List.of("cvar(1, 2)", "cvar(2, 0)", "cvar(3, 1)"), rel(n, "cvar"));
        assertEquals(List.of("total(1, 12)", "total(2, null)", "total(3, 7)"), rel(n, "total"));
        assertEquals(List.of("lo(1, 2)", "lo(2, null)", "lo(3, 7)"), rel(n, "lo"));
        assertEquals(List.of("hi(1, 5)", "hi(2, null)", "hi(3, 7)"), rel(n, "hi"));
        assertEquals(List.of("mean(1, 4.0)", "mean(2, null)", "mean(3, 7.0)"), rel(n, "mean"));
        assertEquals(List.of("vals(1, {2, 5})", "vals(2, {})", "vals(3, {7})"), rel(n, "vals"));
        assertEquals(List.of("all(1, [2, 5, 5])", "all(2, [])", "all(3, [7])"), rel(n, "all"));
    }

    @Test
    void aGroupWithNoMatchHasNoTupleEvenForCount() {
        OverlogNode n = naive("""
            table g(G: long).
            table m(G: long, V: long).
            view c(G: long, N: long).
            c(G, count<*>) :- g(G), m(G, V).
            g(1). g(2). m(1, 9).
            """);
        n.step(0, List.of());
        assertEquals(List.of("c(1, 1)"), rel(n, "c"));
    }

    @Test
    void doublesAreSummedInAscendingOrder() {
        OverlogNode n = naive("""
            table d(K: long, V: double).
            view s(N: long, S: double).
            s(N, sum<V>) :- d(K, V), N = 0.
            d(1, 1.0E16). d(2, 1.0). d(3, 1.0).
            """);
        n.step(0, List.of());
        // In the order given, 1e16 + 1.0 rounds back to 1e16 twice; ascending keeps both ones.
        assertEquals(List.of("s(0, 1.0000000000000002E16)"), rel(n, "s"));
    }

    private static final String NEXT = """
        table t(X: long).
        table kv(K: long, V: long) key(K).
        event go(X: long).
        event later(X: long).
        event bump(K: long).
        view seen(X: long).
        t(X)@next :- go(X).
        delete t(X) :- go(X), t(X).
        delete t(X) :- go(Y), t(X), X > Y.
        later(X)@next :- go(X).
        seen(X) :- later(X).
        kv(K, V2)@next :- bump(K), kv(K, V), V2 = V + 1.
        t(1). t(5). kv(1, 10).
        """;

    @Test
    void deleteAndNextOfTheSameTupleKeepsItAndNextEventsArriveOneStepLater() {
        OverlogNode n = naive(NEXT);
        n.step(0, List.of(new Tuple("go", 1L), new Tuple("bump", 1L)));
        // t(1) is both deleted and inserted by @next: the insert wins; t(5) is only deleted.
        assertEquals(List.of("t(1)"), rel(n, "t"));
        assertEquals(List.of("kv(1, 11)"), rel(n, "kv"), "@next replaces the tuple holding the key");
        assertEquals(List.of(), rel(n, "seen"));
        assertTrue(n.hasPendingWork());
        n.step(100, List.of());
        assertEquals(List.of("seen(1)"), rel(n, "seen"));
        assertEquals(List.of("later(1)"), rel(n, "later"));
        assertFalse(n.hasPendingWork());
        n.step(200, List.of());
        assertEquals(List.of(), rel(n, "seen"));
    }

    @Test
    void instantInsertIsVisibleInTheSameFixpoint() {
        OverlogNode n = naive("""
            table t(X: long).
            event put(X: long).
            view twice(X: long).
            t(X) :- put(X).
            t(Y) :- t(X), X < 3, Y = X + 1.
            twice(Y) :- t(X), Y = X * 2.
            """);
        n.step(0, List.of(new Tuple("put", 0L)));
        assertEquals(List.of("t(0)", "t(1)", "t(2)", "t(3)"), rel(n, "t"));
        assertEquals(List.of("twice(0)", "twice(2)", "twice(4)", "twice(6)"), rel(n, "twice"));
    }

    private static final String KEYED = """
        table kv(K: long, V: long) key(K).
        event put(K: long, V: long).
        event put2(K: long, V: long).
        ins: kv(K, V) :- put(K, V).
        nxt: kv(K, V)@next :- put2(K, V).
        kv(1, 10).
        """;

    @Test
    void instantInsertOfADifferentTupleWithAHeldKeyIsAnErrorNamingTheRule() {
        OverlogNode n = naive(KEYED);
        n.step(0, List.of(new Tuple("put", 1L, 10L)));
        assertEquals(List.of("kv(1, 10)"), rel(n, "kv"), "the same tuple again is no violation");
        OverlogException e = assertThrows(OverlogException.class, () -> n.step(100, List.of(new Tuple("put", 1L, 11L))));
        assertTrue(e.getMessage().contains("ins") && e.getMessage().contains("kv(K, V) :- put(K, V)"), e.getMessage());
    }

    @Test
    void twoInstantInsertsWithOneKeyInOneStepAreAnError() {
        OverlogNode n = naive(KEYED);
        assertThrows(OverlogException.class,
            () -> n.step(0, List.of(new Tuple("put", 2L, 1L), new Tuple("put", 2L, 2L))));
    }

    @Test
    void twoNextTuplesWithOneKeyAreAnErrorButNextReplacesAnOldHolder() {
        OverlogNode n = naive(KEYED);
        n.step(0, List.of(new Tuple("put2", 1L, 11L)));
        assertEquals(List.of("kv(1, 11)"), rel(n, "kv"));
        OverlogException e = assertThrows(OverlogException.class,
            () -> n.step(100, List.of(new Tuple("put2", 3L, 1L), new Tuple("put2", 3L, 2L))));
        assertTrue(e.getMessage().contains("nxt"), e.getMessage());
    }

    private static final String PING = """
        table peer(@Me: addr, P: addr).
        event req(X: long).
        event ping(@To: addr, X: long).
        view got(X: long).
        ping(@P, X) :- req(X), peer(@Me, P).
        got(X) :- ping(@A, X).
        peer("local", "local").
        """;

    @Test
    void aHeadLocatedAtAnotherVariableIsSentEvenToTheNodeItself() {
        OverlogNode n = naive(PING);
        StepResult r = n.step(0, List.of(new Tuple("req", 7L)));
        assertEquals(List.of("ping(\"local\", 7)"), texts(r.outbound().get("local")));
        assertEquals(List.of(), rel(n, "ping"), "a sent tuple is not delivered locally in the same step");
        assertEquals(List.of(), rel(n, "got"));
        StepResult r2 = n.step(100, r.outbound().get("local"));
        assertEquals(List.of("got(7)"), rel(n, "got"));
        assertFalse(r2.hasOutbound());
    }

    @Test
    void timersFireFromTheFirstStepAndEveryPeriodAfter() {
        OverlogNode n = naive("""
            timer tick(100).
            table fired(S: long, Now: long).
            fired(S, N)@next :- tick(), sys_step(@Me, S, N).
            """);
        assertEquals(Long.MIN_VALUE, n.nextTimerDueMs(), "before step 1 a timer is due at once");
        for (long now : new long[] {1000, 1050, 1100, 1250, 1260}) {
            n.step(now, List.of());
        }
        assertEquals(List.of("fired(1, 1000)", "fired(3, 1100)", "fired(4, 1250)"), rel(n, "fired"));
        assertEquals(1300, n.nextTimerDueMs());
    }

    @Test
    void durableChangesListLoadsReplacementsAndDeletesInOrder() {
        OverlogNode n = naive("""
            durable table kv(K: long, V: long) key(K).
            event del(K: long).
            delete kv(K, V) :- del(K), kv(K, V).
            kv(1, 10).
            """);
        n.load(new Tuple("kv", 1L, 11L));
        StepResult r = n.step(0, List.of(new Tuple("kv", 2L, 20L)));
        assertEquals(List.of("+kv(1, 10)", "-kv(1, 10)", "+kv(1, 11)", "+kv(2, 20)"), texts(r.durableChanges()));
        StepResult r2 = n.step(100, List.of(new Tuple("del", 2L)));
        assertEquals(List.of("-kv(2, 20)"), texts(r2.durableChanges()));
    }

    @Test
    void watchEventsAreDifferencesBetweenStepsWithDeletionsFirst() {
        OverlogNode n = naive("""
            table t(X: long).
            event put(X: long).
            event del(X: long).
            view v(X: long).
            watch v.
            t(X) :- put(X).
            delete t(X) :- del(X), t(X).
            v(X) :- t(X).
            """);
        StepResult r = n.step(0, List.of(new Tuple("put", 2L), new Tuple("put", 1L)));
        assertEquals(List.of("step 1 +v(1)", "step 1 +v(2)"), texts(r.watchEvents()));
        n.step(100, List.of(new Tuple("del", 1L), new Tuple("put", 3L)));
        StepResult r3 = n.step(200, List.of());
        assertEquals(List.of("step 3 -v(1)"), texts(r3.watchEvents()));
    }

    @Test
    void dieMessagesAreSortedAndBuiltinsDescribeTheStep() {
        OverlogNode n = naive("""
            table t(X: long).
            view seen(Me: addr, S: long, Now: long, Size: long).
            die(M) :- t(X), X > 1, M = "big " + str(X).
            seen(Me, S, Now, Size) :- self(@Me), sys_step(@Me, S, Now), sys_relation(@Me, "t", Size).
            t(1). t(3). t(2).
            """);
        StepResult r = n.step(500, List.of());
        assertEquals(List.of("big 2", "big 3"), r.dieMessages());
        assertEquals(List.of("seen(\"local\", 1, 500, 3)"), rel(n, "seen"));
    }

    @Test
    void sysRelationShowsSizesAtTheEndOfThePreviousStep() {
        OverlogNode n = naive("""
            table t(X: long).
            event put(X: long).
            view size(N: long).
            t(X) :- put(X).
            size(N) :- sys_relation(@Me, "t", N).
            """);
        n.step(0, List.of(new Tuple("put", 1L)));
        assertEquals(List.of("size(0)"), rel(n, "size"));
        n.step(100, List.of(new Tuple("put", 2L)));
        assertEquals(List.of("size(1)"), rel(n, "size"));
    }

    @Test
    void assignmentsBindOrCompareAndConditionsNeedTrue() {
        OverlogNode n = naive("""
            table p(X: long, Y: long).
            view same(X: long).
            view succ(X: long, Z: long).
            view nullY(X: long).
            same(X) :- p(X, Y), Y = X.
            succ(X, Z) :- p(X, Y), Z := X + 1, Z = Y.
            nullY(X) :- p(X, Y), Y == null.
            nullY(X) :- p(X, Y), Y > 100.
            p(1, 1). p(2, 3). p(3, 3). p(4, null).
            """);
        n.step(0, List.of());
        assertEquals(List.of("same(1)", "same(3)"), rel(n, "same"));
        assertEquals(List.of("succ(2, 3)"), rel(n, "succ"));
        assertEquals(List.of("nullY(4)"), rel(n, "nullY"), "a comparison with null is false, never true");
    }

    @Test
    void repeatedVariablesAndConstantsInAnAtomMustMatch() {
        OverlogNode n = naive("""
            table e(A: long, B: long).
            view loop(A: long).
            view fromTwo(B: long).
            loop(A) :- e(A, A).
            fromTwo(B) :- e(2, B).
            e(1, 1). e(2, 3). e(2, 2).
            """);
        n.step(0, List.of());
        assertEquals(List.of("loop(1)", "loop(2)"), rel(n, "loop"));
        assertEquals(List.of("fromTwo(2)", "fromTwo(3)"), rel(n, "fromTwo"));
    }

    @Test
    void divisionByZeroInAHeadIsAnErrorNamingTheRule() {
        OverlogNode n = naive("""
            table t(X: long).
            view q(X: long).
            quot: q(10 / X) :- t(X).
            t(0).
            """);
        OverlogException e = assertThrows(OverlogException.class, () -> n.step(0, List.of()));
        assertTrue(e.getMessage().contains("quot") && e.getMessage().contains("division by zero"), e.getMessage());
    }

    @Test
    void divisionByZeroInABodyMakesTheLiteralFalse() {
        OverlogNode n = naive("""
            table t(X: long).
            view q(X: long).
            q(Y) :- t(X), Y = 10 / X.
            t(0).
            t(5).
            """);
        n.step(0, List.of());
        assertEquals("[q(2)]", n.contents("q").toString());
    }

    private static final String COUNTER = """
        table n(X: long).
        n(Y) :- n(X), Y = X + 1.
        n(0).
        """;

    @Test
    void anUnboundedRecursionHitsTheIterationLimitInsteadOfHanging() {
        OverlogNode n = naive(COUNTER, NodeOptions.defaults().withMaxFixpointIterations(50));
        OverlogException e = assertThrows(OverlogException.class, () -> n.step(0, List.of()));
        assertTrue(e.getMessage().contains("maxFixpointIterations"), e.getMessage());
    }

    @Test
    void relationAndStepSizeLimitsAreErrors() {
        OverlogNode byRelation = naive(COUNTER, NodeOptions.defaults().withMaxTuplesPerRelation(100));
        OverlogException e = assertThrows(OverlogException.class, () -> byRelation.step(0, List.of()));
        assertTrue(e.getMessage().contains("maxTuplesPerRelation"), e.getMessage());
        OverlogNode byStep = naive(COUNTER, NodeOptions.defaults().withMaxTuplesPerStep(100));
        e = assertThrows(OverlogException.class, () -> byStep.step(0, List.of()));
        assertTrue(e.getMessage().contains("maxTuplesPerStep"), e.getMessage());
    }

    @Test
    void aTooLongStringIsAnError() {
        OverlogNode n = naive("""
            table s(X: string).
            s(Y) :- s(X), Y = X + X.
            s("ab").
            """, NodeOptions.defaults().withMaxStringLength(64));
        OverlogException e = assertThrows(OverlogException.class, () -> n.step(0, List.of()));
        assertTrue(e.getMessage().contains("maxStringLength"), e.getMessage());
    }

    @Test
    void derivedEventsReceiveInboundTuplesAndHostLoadsNextStep() {
        OverlogNode n = naive("""
            table t(X: long).
            event e(X: long).
            view v(X: long).
            e(X) :- t(X).
            v(X) :- e(X).
            t(1).
            """);
        n.load(new Tuple("e", 2L));
        assertTrue(n.hasPendingWork());
        n.step(0, List.of(new Tuple("e", 3L)));
        assertEquals(List.of("v(1)", "v(2)", "v(3)"), rel(n, "v"));
        n.step(100, List.of());
        assertEquals(List.of("v(1)"), rel(n, "v"));
    }
}
