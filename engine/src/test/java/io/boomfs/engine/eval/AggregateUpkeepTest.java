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
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Aggregates whose groups are kept up to date from their input's deltas (one input relation
 * that reports every removal; IncrementalEvaluator.AggGroup) give what the naive evaluator
 * recomputes, step after step, through inserts, deletes, keyed replacements, values of every
 * kind (numbers that compare equal across types, strings, lists, nulls) and groups that empty
 * and come back. The engine's tests keep every such group from deltas and check each against
 * its recomputation (engine/pom.xml). Kept: those with list or set (count, sum, min and max beside
 * them read off the kept values); recomputed, and here to agree as well: avg alone, and the
 * aggregates over an event, over two relations and over an impure function.
 */
class AggregateUpkeepTest {
    static final String PROGRAM = """
        table t(K: long, V: any).
        table kt(K: long, V: any) key(K).
        event add_t(K: long, V: any).
        event del_t(K: long, V: any).
        event put_kt(K: long, V: any).
        event seen(K: long, V: any).
        view lists(K: long, L: any).
        view all(N: long, D: long, S: long, Lo: any, Hi: any, Set: any).
        view avgs(K: long, A: double).
        view big(K: long, V: any).
        view big_list(L: any).
        view keyed(P: long, L: any, N: long).
        view per_event(K: long, N: long).
        view joined(K: long, N: long).
        view impure(G: long, L: any).
        lists(K, list<V>) :- t(K, V).
        all(count<*>, count<V>, sum<X>, min<V>, max<V>, set<V>) :- t(K, V), X := K * 2.
        avgs(K % 3, avg<D>) :- t(K, _), D := to_double(K) / 4.0.
        big(K, V) :- t(K, V), K > 2.
        big_list(list<V>) :- big(_, V).
        keyed(K % 2, list<V>, count<*>) :- kt(K, V).
        per_event(K, count<V>) :- seen(K, V).
        joined(K, count<*>) :- t(K, V), kt(K, V).
        impure(wobble(K), list<V>) :- t(K, V).
        t(K, V)@next :- add_t(K, V).
        delete t(K, V) :- del_t(K, V).
        kt(K, V)@next :- put_kt(K, V).
        """;

    @Test
    void groupsKeptFromDeltasAgreeWithTheNaiveEvaluator() {
        Functions fs = new Functions().register("wobble", 1, 1, Type.LONG, (a, now) -> (Long) a[0] % 2);
        Compiler.Result r = Compiler.compileSource("agg.olg", PROGRAM, fs, p -> null);
        assertTrue(r.ok(), () -> r.diagnostics().toString());
        Program program = r.program();
        OverlogNode inc = new OverlogNode(program, "local", NodeOptions.defaults());
        OverlogNode naive = new OverlogNode(program, "local", NodeOptions.defaults().withEvaluator(EvaluatorKind.NAIVE));
        Object[] pool = {1L, 1.0, 2L, -3L, 2.5, "a", "b", "", List.of(1L, 2L), List.of(1L), List.of(), null};
        Random rnd = new Random(7);
        long listRows = 0;
        long bigListSize = 0;
        for (int step = 0; step < 400; step++) {
            List<Tuple> in = new ArrayList<>();
            java.util.Set<Long> putKeys = new java.util.HashSet<>();
            // Phases of mostly inserts and mostly deletes, so that groups grow large and empty.
            boolean filling = (step / 50) % 2 == 0;
            for (int k = rnd.nextInt(12); k > 0; k--) {
                long key = rnd.nextInt(6);
                Object v = pool[rnd.nextInt(pool.length)];
                int dice = rnd.nextInt(10);
                if (dice < (filling ? 6 : 2)) {
                    in.add(new Tuple("add_t", key, v));
                } else if (dice < 8) {
                    in.add(new Tuple("del_t", key, v));
                } else if (dice < 9) {
                    if (putKeys.add(key)) {
                        in.add(new Tuple("put_kt", key, v));
                    }
                } else {
                    in.add(new Tuple("seen", key, v));
                }
            }
            inc.step(step * 10L, in);
            naive.step(step * 10L, in);
            for (Relation rel : program.userRelations()) {
                final int at = step;
                assertEquals(naive.contents(rel.name), inc.contents(rel.name), () -> "relation " + rel.name + " at step " + at);
            }
            listRows += inc.count("lists");
            for (Tuple t : inc.contents("big_list")) {
                bigListSize = Math.max(bigListSize, ((List<?>) t.get(0)).size());
            }
        }
        // Worth something only if the groups held many values and came and went.
        assertTrue(listRows > 1000, "lists held " + listRows + " rows over all steps");
        assertTrue(bigListSize > 20, "big_list held at most " + bigListSize + " values");
    }
}
