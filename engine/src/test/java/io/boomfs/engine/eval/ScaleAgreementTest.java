package io.boomfs.engine.eval;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.bench.Namespace;
import io.boomfs.engine.program.Program;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The random-program oracle test uses tiny relations; this one drives the benchmark programs
 * over a few thousand rows (index buckets past their small-array size, views stored in their
 * index, many semi-naive rounds) with random inserts, moves and deletes, and requires the
 * incremental evaluator to agree with the oracle after every step.
 */
class ScaleAgreementTest {
    private static final long SEED = Long.getLong("seed", 20261125L);

    @Test
    void benchmarkProgramsAgreeWithTheOracleAtScale() {
        for (String src : List.of(Namespace.FQPATH, Namespace.JOINS, Namespace.AGGREGATES)) {
            Program program = Namespace.program(src);
            Namespace ns = new Namespace(3000, SEED);
            OverlogNode inc = new OverlogNode(program, "local", NodeOptions.defaults());
            OverlogNode naive = new OverlogNode(program, "local",
                NodeOptions.defaults().withEvaluator(NodeOptions.EvaluatorKind.NAIVE));
            for (Object[] row : ns.rows) {
                inc.load(Tuple.wrap("file", row));
                naive.load(Tuple.wrap("file", row));
            }
            SplittableRandom rnd = new SplittableRandom(SEED);
            long next = ns.maxId() + 1;
            for (int step = 0; step < 25; step++) {
                List<Tuple> in = new ArrayList<>();
                for (int k = 0; k < 40; k++) {
                    long parent = ns.dirs.get(rnd.nextInt(ns.dirs.size()));
                    int what = rnd.nextInt(3);
                    if (what == 0) {
                        in.add(new Tuple("file", next, parent, "n" + next, rnd.nextBoolean()));
                        next++;
                    } else if (what == 1) {
                        // Moves an existing entry (a key replacement) under another directory.
                        long id = 1 + rnd.nextInt((int) ns.maxId());
                        in.add(new Tuple("file", id, parent, "m" + id, rnd.nextInt(4) == 0));
                    } else if (src.equals(Namespace.FQPATH)) {
                        in.add(new Tuple("rm", 1L + rnd.nextInt((int) next - 1)));
                    }
                }
                inc.step(step * 10L, in);
                naive.step(step * 10L, in);
                for (var r : program.userRelations()) {
                    assertEquals(naive.contents(r.name).toString(), inc.contents(r.name).toString(),
                        "SEED=" + SEED + " step " + step + " relation " + r.name);
                }
            }
        }
    }
}
