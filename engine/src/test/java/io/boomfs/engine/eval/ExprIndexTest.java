package io.boomfs.engine.eval;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.NodeOptions.EvaluatorKind;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.lang.Functions;
import io.boomfs.engine.lang.Type;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;
import io.boomfs.engine.store.ExprIndex;
import io.boomfs.engine.store.Index;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Expression indexes (Plan, "Expression indexes"): a rule that finds rows by a pure function of
 * their columns probes an index on the function's values instead of scanning, and derives
 * exactly what the naive evaluator derives through inserts and deletes.
 */
class ExprIndexTest {
    /**
     * f(P) groups P by fours (null stays null); g(P, N, K) hashes into K buckets and fails when N
     * is "bad", so some rows have no key; h is f again but not declared pure.
     */
    static Functions functions(boolean declarePure) {
        Functions fs = new Functions()
            .register("f", 1, 1, Type.LONG, (a, now) -> a[0] instanceof Long p ? p / 4 : null)
            .register("g", 3, 3, Type.LONG, (a, now) -> {
                if ("bad".equals(a[1])) {
                    throw new IllegalStateException("no bucket for bad");
                }
                return a[0] instanceof Long p && a[1] instanceof String n && a[2] instanceof Long k ? (p + n.length()) % k : null;
            })
            .register("h", 1, 1, Type.LONG, (a, now) -> a[0] instanceof Long p ? p / 4 : null);
        return declarePure ? fs.pure("f", "g") : fs;
    }

    static final String PROGRAM = """
        table want(V: long, B: long).
        table t(P: long, N: string, C: long).
        event add_t(P: long, N: string, C: long).
        event del_t(P: long, N: string, C: long).
        event add_w(V: long, B: long).
        event del_w(V: long, B: long).
        event drop_v(V: long).
        view out(V: long, B: long, P: long, N: string).
        view out2(V: long, P: long).
        view per_v(V: long, N: long).
        view lonely(V: long, B: long).
        view impure(V: long, P: long).
        view fixed(P: long, N: string).
        both: out(V, B, P, N) :- want(V, B), t(P, N, C), V == f(P), B == g(P, N, 7).
        assigned: out2(V, P) :- want(V, _), t(P, _, _), V = f(P).
        per_v(V, count<P>) :- out2(V, P).
        lonely(V, B) :- want(V, B), notin out(V, B, _, _).
        impure: impure(V, P) :- want(V, _), t(P, _, _), V == h(P).
        constant: fixed(P, N) :- want(_, B), t(P, N, _), g(P, N, 7) == 3, B > 0.
        t(P, N, C)@next :- add_t(P, N, C).
        delete t(P, N, C) :- del_t(P, N, C).
        want(V, B)@next :- add_w(V, B).
        delete want(V, B) :- del_w(V, B).
        dropv: delete t(P, N, C) :- drop_v(V), t(P, N, C), f(P) == V.
        """;

    static Program compile(boolean declarePure) {
        Compiler.Result r = Compiler.compileSource("expr.olg", PROGRAM, functions(declarePure), p -> null);
        assertTrue(r.ok(), () -> r.diagnostics().toString());
        return r.program();
    }

    static List<String> plansOf(OverlogNode n, String rule) {
        return n.plans().stream().filter(p -> p.startsWith(rule + ":") || p.startsWith("head-bound " + rule + ":")).toList();
    }

    @Test
    void rulesProbeAnExpressionIndexWhereTheyWouldScan() {
        OverlogNode n = new OverlogNode(compile(true), "local", NodeOptions.defaults());
        // Seeded at want: t is found by (f(P), g(P, N, 7)), both literals consumed by the probe.
        assertTrue(plansOf(n, "both").contains("both: seed(want[]) expr(t [] | f(#0:long) | g(#0:long, #1:string, L7))"),
            () -> String.join("\n", n.plans()));
        // Seeded at t: want is found by its columns V and B, whose values the known sides compute.
        assertTrue(plansOf(n, "both").contains("both: seed(t[]) expr(want[0, 1])"),
            () -> String.join("\n", n.plans()));
        assertTrue(plansOf(n, "assigned").contains("assigned: seed(want[]) expr(t [] | f(#0:long))"),
            () -> String.join("\n", n.plans()));
        assertTrue(plansOf(n, "dropv").contains("dropv: seed(drop_v[]) expr(t [] | f(#0:long))"),
            () -> String.join("\n", n.plans()));
        // A constant is a known side too.
        assertTrue(plansOf(n, "constant").stream().anyMatch(p -> p.contains("expr(t [] | g(#0:long, #1:string, L7))")),
            () -> String.join("\n", n.plans()));
        // h is not declared pure: its values may not be kept, so t is scanned and h checked.
        assertTrue(plansOf(n, "impure").contains("impure: seed(want[]) scan(t[]) filter"),
            () -> String.join("\n", n.plans()));
    }

    @Test
    void withoutPureFunctionsNothingIsIndexedByExpression() {
        OverlogNode n = new OverlogNode(compile(false), "local", NodeOptions.defaults());
        assertTrue(n.plans().stream().noneMatch(p -> p.contains("expr(")), () -> String.join("\n", n.plans()));
    }

    @Test
    void expressionIndexedRulesAgreeWithTheNaiveEvaluatorThroughInsertsAndDeletes() {
        Program program = compile(true);
        OverlogNode inc = new OverlogNode(program, "local", NodeOptions.defaults());
        OverlogNode naive = new OverlogNode(program, "local", NodeOptions.defaults().withEvaluator(EvaluatorKind.NAIVE));
        Random rnd = new Random(42);
        String[] names = {"a", "bb", "bad"};
        long outSeen = 0;
        long fixedSeen = 0;
        int drops = 0;
        for (int step = 0; step < 300; step++) {
            List<Tuple> in = new ArrayList<>();
            for (int k = rnd.nextInt(8); k > 0; k--) {
                Long p = rnd.nextInt(30) == 0 ? null : (long) rnd.nextInt(40);
                String name = names[rnd.nextInt(names.length)];
                long c = rnd.nextInt(3);
                Long v = rnd.nextInt(30) == 0 ? null : (long) rnd.nextInt(10);
                long b = rnd.nextInt(7);
                switch (rnd.nextInt(10)) {
                    case 0, 1, 2, 3 -> in.add(new Tuple("add_t", p, name, c));
                    case 4, 5 -> in.add(new Tuple("del_t", p, name, c));
                    case 6, 7 -> in.add(new Tuple("add_w", v, b));
                    case 8 -> in.add(new Tuple("del_w", v, b));
                    default -> {
                        if (rnd.nextInt(4) == 0) {
                            in.add(new Tuple("drop_v", v));
                            drops++;
                        }
                    }
                }
            }
            inc.step(step * 10L, in);
            naive.step(step * 10L, in);
            for (Relation r : program.userRelations()) {
                if (!r.name.equals("sys_rule")) {
                    final int at = step;
                    assertEquals(naive.contents(r.name), inc.contents(r.name), () -> "relation " + r.name + " at step " + at);
                }
            }
            outSeen += inc.count("out");
            fixedSeen += inc.count("fixed");
        }
        // The comparison is only worth something when the indexed rules derived rows.
        assertTrue(outSeen > 100, "out held " + outSeen + " rows over all steps");
        assertTrue(fixedSeen > 100, "fixed held " + fixedSeen + " rows over all steps");
        assertTrue(drops > 10, "only " + drops + " drop_v events");
    }

    /**
     * That a probe touches no other row, counted: the function is called on a row as it enters
     * the index, and on its group's first row when it joins a group (the index keeps no keys,
     * only their hashes); a lookup calls it once, on the first row of the group it finds, where
     * a scan calls it on every row.
     */
    @Test
    void aLookupComputesNothingOnTheRowsItDoesNotFind() {
        long[] calls = {0};
        for (boolean pure : new boolean[] {true, false}) {
            calls[0] = 0;
            Functions fs = new Functions().register("grp", 1, 1, Type.LONG, (a, now) -> {
                calls[0]++;
                return (Long) a[0] / 100;
            });
            Compiler.Result r = Compiler.compileSource("count.olg", """
                table t(P: long, N: long).
                event want(V: long).
                event hit(P: long).
                hit(P) :- want(V), t(P, _), V == grp(P).
                """, pure ? fs.pure("grp") : fs, p -> null);
            assertTrue(r.ok(), () -> r.diagnostics().toString());
            OverlogNode n = new OverlogNode(r.program(), "local", NodeOptions.defaults());
            for (long p = 0; p < 10_000; p++) {
                n.load(new Tuple("t", p, p));
            }
            n.step(1, List.of());
            long afterLoad = calls[0];
            n.step(2, List.of(new Tuple("want", 42L)));
            assertEquals(100, n.count("hit"));
            if (pure) {
                assertEquals(10_000 + 100 * 99, afterLoad, "one call per row, and one per row that joined a group");
                assertEquals(afterLoad + 1, calls[0], "the lookup computed the key of the group it found, and no other");
            } else {
                assertEquals(0, afterLoad);
                assertEquals(10_000, calls[0], "the scan computed grp on every row");
            }
        }
    }

    @Test
    void indexFindsRowsByComputedKeyAndNeverARowWithoutOne() {
        // Key: the first column divided by ten; a row whose first column is negative has none.
        ExprIndex ix = new ExprIndex(row -> (Long) row[0] < 0 ? ExprIndex.NO_KEY : new Object[] {(Long) row[0] / 10}, 4);
        List<Object[]> rows = new ArrayList<>();
        for (long i = -5; i < 100; i++) {
            Object[] row = {i, "r" + i};
            rows.add(row);
            ix.add(row);
        }
        assertEquals(11, ix.groups(), "ten keys and the group of rows without a key");
        Object[] probe = {3L};
        Object hit = ix.get(probe, Index.probeHash(probe));
        assertEquals(10, Index.count(hit));
        for (int k = 0; k < Index.count(hit); k++) {
            assertEquals(3L, (Long) Index.rows(hit)[k][0] / 10);
        }
        for (Object[] row : rows) {
            if ((Long) row[0] / 10 != 3 || (Long) row[0] == 39) {
                ix.remove(row);
            }
        }
        assertEquals(1, ix.groups(), "one key left");
        assertEquals(9, Index.count(ix.get(probe, Index.probeHash(probe))));
        Object[] none = {0L};
        assertNull(ix.get(none, Index.probeHash(none)));
        ix.clear();
        assertNull(ix.get(probe, Index.probeHash(probe)));
        Object[] single = {31L, "x"};
        ix.add(single);
        assertSame(single, ix.get(probe, Index.probeHash(probe)));
    }

    @Test
    void onlyRegisteredFunctionsCanBeDeclaredPure() {
        Functions fs = new Functions();
        assertThrows(IllegalArgumentException.class, () -> fs.pure("vpart"));
        assertTrue(fs.get("hash").pure());
        assertTrue(!fs.get("now").pure());
        fs.register("vpart", 1, 1, Type.LONG, (a, now) -> a[0]);
        assertTrue(!fs.get("vpart").pure());
        assertTrue(fs.pure("vpart").get("vpart").pure());
    }
}
