package io.boomfs.engine.oracle;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.NodeOptions.EvaluatorKind;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The shrunk programs on which the property test found the evaluators disagreeing, each run on
 * both evaluators against the outcome engine/LANGUAGE.md ("Reference semantics") prescribes,
 * worked out by hand in the comments. A failing seed becomes a regression test (STYLE.md, 9);
 * the programs are the shrinker's output, renamed for reading.
 */
class DisagreementRegressionTest {

    private static OverlogNode node(EvaluatorKind kind, String src) {
        return new OverlogNode(NaiveEvaluatorTest.compile(src), "local", NodeOptions.defaults().withEvaluator(kind));
    }

    private static List<String> rel(OverlogNode n, String name) {
        return NaiveEvaluatorTest.rel(n, name);
    }

    /**
     * "delete head :- body. removes every such head tuple at the end of the step" and deferred
     * rules "fire in every step where their body holds": t(2) arrives again in step 2, the rule
     * holds again, so it is deleted again.
     */
    @ParameterizedTest
    @EnumSource(EvaluatorKind.class)
    void aDeleteRuleDeletesATupleThatCameBack(EvaluatorKind kind) {
        OverlogNode n = node(kind, """
            durable table t(X: long).
            delete t(X) :- t(X).
            """);
        n.step(0, List.of(new Tuple("t", 2L)));
        assertEquals(List.of(), rel(n, "t"));
        StepResult r = n.step(100, List.of(new Tuple("t", 2L)));
        assertEquals(List.of(), rel(n, "t"));
        assertEquals(List.of("+t(2)", "-t(2)"), NaiveEvaluatorTest.texts(r.durableChanges()));
    }

    /**
     * N is "the union of the sources of NEXT actions" in this step, and every tuple of N is
     * inserted, replacing the key holder: t(4, 2) replaces the t(4, 3) that arrived in step 2,
     * although the rule derived the same t(4, 2) in step 1.
     */
    @ParameterizedTest
    @EnumSource(EvaluatorKind.class)
    void aNextRuleReplacesAKeyHolderEveryStepItHolds(EvaluatorKind kind) {
        OverlogNode n = node(kind, """
            table t(K: long, V: long) key(K).
            timer tk(100).
            t(4, 2)@next :- tk().
            """);
        n.step(0, List.of());
        assertEquals(List.of("t(4, 2)"), rel(n, "t"));
        n.step(100, List.of(new Tuple("t", 4L, 3L)));
        assertEquals(List.of("t(4, 2)"), rel(n, "t"));
    }

    /**
     * "every head tuple of the rule that is true at the fixpoint is in the table. A different
     * tuple already holding the key ... is a key-violation error": the inbound i(0, 2) took the
     * key of i(0, 3), which the rule still derives in step 2.
     */
    @ParameterizedTest
    @EnumSource(EvaluatorKind.class)
    void anInstantInsertWhoseKeyWasTakenByAnInboundTupleIsAKeyViolation(EvaluatorKind kind) {
        OverlogNode n = node(kind, """
            table t(K: long, V: long).
            table i(K: long, V: long) key(K).
            i(K, V) :- t(K, V).
            t(0, 3).
            """);
        n.step(0, List.of());
        assertEquals(List.of("i(0, 3)"), rel(n, "i"));
        assertThrows(io.boomfs.engine.OverlogException.class, () -> n.step(100, List.of(new Tuple("i", 0L, 2L))));
    }

    /**
     * A rule derives head tuples from its matches; t(0) has no match because blocked(0) holds,
     * so 10 / X is never a derivation and there is no division by zero.
     */
    @ParameterizedTest
    @EnumSource(EvaluatorKind.class)
    void aHeadIsNotEvaluatedForAValuationThatANegationRejects(EvaluatorKind kind) {
        OverlogNode n = node(kind, """
            table t(X: long).
            table blocked(X: long).
            view q(Y: long).
            q(10 / X) :- t(X), notin blocked(X).
            t(0). blocked(0).
            """);
        assertDoesNotThrow(() -> n.step(0, List.of()));
        assertEquals(List.of(), rel(n, "q"));
    }

    /**
     * e(0) and m(0) never hold in the same step (m(0) in step 1, e(0) in step 2), so the rule
     * never has a match and 10 / X is never evaluated: nothing was derived that a step would
     * have to take back.
     */
    @ParameterizedTest
    @EnumSource(EvaluatorKind.class)
    void aHeadIsNotEvaluatedForAJoinOfTuplesFromDifferentSteps(EvaluatorKind kind) {
        OverlogNode n = node(kind, """
            event e(X: long).
            event m(X: long).
            view q(Y: long).
            q(10 / X) :- e(X), m(X).
            """);
        n.step(0, List.of(new Tuple("m", 0L)));
        assertDoesNotThrow(() -> n.step(100, List.of(new Tuple("e", 0L))));
        assertEquals(List.of(), rel(n, "q"));
    }

    /**
     * "sys_relation holds (address, name, size) for every user relation with its size at the end
     * of step k-1": e held two tuples at the end of step 1 and none at the end of step 2.
     */
    @ParameterizedTest
    @EnumSource(EvaluatorKind.class)
    void sysRelationShowsTheSizesAtTheEndOfThePreviousStep(EvaluatorKind kind) {
        OverlogNode n = node(kind, """
            event e(X: long).
            view size(N: long).
            size(N) :- sys_relation(@Me, "e", N).
            """);
        List<String> seen = new ArrayList<>();
        n.step(0, List.of(new Tuple("e", 1L), new Tuple("e", 2L)));
        seen.addAll(rel(n, "size"));
        n.step(100, List.of());
        seen.addAll(rel(n, "size"));
        n.step(200, List.of());
        seen.addAll(rel(n, "size"));
        assertEquals(List.of("size(0)", "size(2)", "size(0)"), seen);
    }
}
