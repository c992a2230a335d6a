package io.boomfs.engine.eval;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.program.Relation;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the store keeps costs less heap than what it was given, and answers the same: equal
 * numbers in stored rows share one box (Canon), and a view whose only rule is an aggregate is
 * kept once (no hidden copy).
 */
class SharedNumbersTest {
    private static final String SRC = """
        table a(Id: long, Size: long) key(Id).
        table b(Id: long, Mode: long) key(Id).
        view per_size(Size: long, N: long).
        per_size(S, count<I>) :- a(I, S).
        view both(Id: long, N: long).
        both(I, count<S>) :- a(I, S).
        both(I, 0) :- b(I, _).
        """;

    private static OverlogNode node() {
        Compiler.Result r = Compiler.compileSource("shared.olg", SRC);
        assertTrue(r.ok(), r.diagnostics().toString());
        return new OverlogNode(r.program(), "local", NodeOptions.defaults());
    }

    /** A box of {@code v} that no one else holds (Long.valueOf shares only -128..127). */
    @SuppressWarnings({"deprecation", "removal"})
    private static Long fresh(long v) {
        return new Long(v);
    }

    private static Object value(OverlogNode n, String rel, int col) {
        List<Tuple> rows = n.contents(rel);
        assertEquals(1, rows.size(), rel + ": " + rows);
        return rows.get(0).get(col);
    }

    @Test
    void equalNumbersOfStoredRowsShareOneBox() {
        OverlogNode n = node();
        Long id = fresh(1L << 41);
        Long idAgain = fresh(1L << 41);
        Long mode = fresh(420);
        Long size = fresh(420);
        assertNotSame(id, idAgain);
        n.load(new Tuple("a", id, size));
        n.load(new Tuple("b", idAgain, mode));
        n.step(0, List.of());
        assertSame(value(n, "a", 0), value(n, "b", 0), "the id of both rows is one box");
        assertSame(value(n, "a", 1), value(n, "b", 1), "420 as a size and as a mode is one box");
        assertEquals(1L << 41, value(n, "b", 0));
        assertEquals(420L, value(n, "b", 1));
    }

    @Test
    void numbersThatMissTheTableKeepTheirValues() {
        OverlogNode n = node();
        // Many distinct numbers, most of them sharing a slot of the table with another: each
        // row keeps its own value whatever the table held before.
        for (long i = 0; i < 50_000; i++) {
            n.load(new Tuple("a", fresh(1000 + i), fresh(1000 + i * 7919)));
        }
        n.step(0, List.of());
        List<Tuple> rows = n.contents("a");
        assertEquals(50_000, rows.size());
        for (Tuple t : rows) {
            long id = (Long) t.get(0);
            assertEquals(1000 + (id - 1000) * 7919, (Long) t.get(1), t.toString());
        }
    }

    @Test
    void aViewOfOneAggregateRuleIsKeptOnceAndOneOfSeveralRulesThroughAHiddenRelation() {
        OverlogNode n = node();
        List<String> names = n.program().relations().stream().map(r -> r.name).toList();
        assertFalse(names.stream().anyMatch(s -> s.startsWith("per_size$agg")), names.toString());
        assertTrue(names.stream().anyMatch(s -> s.startsWith("both$agg")), names.toString());
        for (long i = 0; i < 10; i++) {
            n.load(new Tuple("a", i, i % 3));
        }
        n.load(new Tuple("b", 3L, 1L));
        n.step(0, List.of());
        assertEquals("[per_size(0, 4), per_size(1, 3), per_size(2, 3)]", n.contents("per_size").toString());
        assertTrue(n.contents("both").contains(new Tuple("both", 3L, 0L)), n.contents("both").toString());
        assertTrue(n.contents("both").contains(new Tuple("both", 3L, 1L)), n.contents("both").toString());
        n.step(1, List.of());
        Relation r = n.program().relation("per_size");
        assertEquals(Relation.Kind.VIEW, r.kind);
    }
}
