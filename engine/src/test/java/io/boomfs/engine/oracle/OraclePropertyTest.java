package io.boomfs.engine.oracle;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.NodeOptions.EvaluatorKind;
import io.boomfs.engine.OverlogException;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.oracle.RandomProgramGenerator.Case;
import io.boomfs.engine.oracle.RandomProgramGenerator.Step;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The production evaluator against the oracle on random programs (issue 3, "Evaluation"): both
 * run the same program through the same steps, and after every step they must hold the same
 * relations, send the same tuples, report the same durable changes, watch events and die
 * messages, and either both fail or neither.
 *
 * <p>System properties: {@code oracle.cases} (default 10000) cases from seed
 * {@code oracle.firstSeed} (default 1) on; {@code -Dseed=<n>} runs exactly that one case;
 * {@code oracle.subject} (default INCREMENTAL) is the evaluator checked, NAIVE checks the
 * generator, the harness and the oracle's own determinism while no other evaluator runs.
 */
class OraclePropertyTest {
    private static final String ADDRESS = "local";
    /** Candidates the shrinker may try: enough for the programs generated, and never a hang. */
    private static final int SHRINK_BUDGET = 3000;

    /** What running a case found: the first step where the evaluators disagree, and how. */
    record Disagreement(int step, String what) {
    }

    /** Counts that show the generated cases exercise something. */
    static final class Stats {
        long steps;
        long casesEndingInError;
        long tuplesCompared;
        long outboundCompared;
        /** Cases whose program made the subject plan a probe of an index on computed values. */
        long casesWithExprIndex;
        /** Cases whose program has a relation emptied wholesale that reports its removals (IncrementalEvaluator.reportsRemovals). */
        long casesEmptiedRowByRow;
    }

    @Test
    void incrementalEvaluatorAgreesWithTheOracleOnRandomPrograms() {
        EvaluatorKind subject = EvaluatorKind.valueOf(System.getProperty("oracle.subject", "INCREMENTAL"));
        Long only = Long.getLong("seed");
        long first = only != null ? only : Long.getLong("oracle.firstSeed", 1L);
        int cases = only != null ? 1 : Integer.getInteger("oracle.cases", 10_000);
        Stats stats = new Stats();
        long start = System.nanoTime();
        for (long seed = first; seed < first + cases; seed++) {
            Case c = RandomProgramGenerator.generate(seed);
            Program program = compile(c);
            if (program == null) {
                fail("SEED=" + seed + ": the generator made a program that does not compile:\n"
                    + Compiler.compileSource("random.olg", c.source()).errors() + "\n" + c);
            }
            Disagreement d = run(program, c, subject, stats);
            if (d != null) {
                fail(report(c, d, subject));
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("oracle: %d cases (seeds %d..%d) against %s in %.1f s: %d steps, %d tuples and %d messages"
                + " compared, %d cases ended in an error both raised, %d cases probed expression indexes, %d emptied a"
                + " relation row by row%n", cases, first,
            first + cases - 1, subject, secs, stats.steps, stats.tuplesCompared, stats.outboundCompared,
            stats.casesEndingInError, stats.casesWithExprIndex, stats.casesEmptiedRowByRow);
        if (only == null && cases >= 1000) {
            // A generator that drifts into trivial or always-failing programs would make this test vacuous.
            assertTrue(stats.casesEndingInError < cases / 4, "too many cases end in an error: " + stats.casesEndingInError);
            assertTrue(stats.tuplesCompared > 20L * cases, "too few tuples compared: " + stats.tuplesCompared);
            assertTrue(stats.outboundCompared > cases / 20, "too few messages compared: " + stats.outboundCompared);
            if (subject == EvaluatorKind.INCREMENTAL) {
                assertTrue(stats.casesWithExprIndex > cases / 10, "too few cases use expression indexes: "
                    + stats.casesWithExprIndex);
                assertTrue(stats.casesEmptiedRowByRow > cases / 10, "too few cases empty a relation row by row: "
                    + stats.casesEmptiedRowByRow);
            }
        }
    }

    static Program compile(Case c) {
        return Compiler.compileSource("random.olg", c.source()).program();
    }

    private static String report(Case c, Disagreement d, EvaluatorKind subject) {
        Case shrunk = Shrinker.shrink(c, x -> {
            Program p = compile(x);
            return p != null && run(p, x, subject, new Stats()) != null;
        }, SHRINK_BUDGET);
        Disagreement ds = run(compile(shrunk), shrunk, subject, new Stats());
        return "SEED=" + c.seed() + ": " + subject + " and NAIVE disagree at step " + d.step() + ": " + d.what()
            + "\n---- shrunk program (disagreement at step " + ds.step() + ": " + ds.what() + ")\n" + shrunk
            + "---- rerun with -Dseed=" + c.seed();
    }

    /** One evaluator's node and what its last step did. */
    private static final class Side {
        final String name;
        final OverlogNode node;
        StepResult result;
        RuntimeException error;

        Side(String name, OverlogNode node) {
            this.name = name;
            this.node = node;
        }

        void step(Step s, List<Tuple> fedBack) {
            List<Tuple> inbound = new ArrayList<>(s.inbound());
            inbound.addAll(fedBack);
            result = null;
            error = null;
            try {
                for (Tuple t : s.loads()) {
                    node.load(t);
                }
                result = node.step(s.nowMs(), inbound);
            } catch (RuntimeException e) {
                error = e;
            }
        }

        /**
         * The tuples this node sent to itself, sorted by text: each evaluator lists them in its
         * own derivation order, and inbound tuples for a keyed table are applied in order, so
         * both nodes get the same order (the sorted lists were just compared equal).
         */
        List<Tuple> toSelf() {
            List<Tuple> out = new ArrayList<>(result.outbound().getOrDefault(ADDRESS, List.of()));
            out.sort(Comparator.comparing(Tuple::toString));
            return out;
        }
    }

    /** Runs a case on the subject and on the oracle; null when they agree after every step. */
    static Disagreement run(Program program, Case c, EvaluatorKind subject, Stats stats) {
        Side a;
        Side b;
        try {
            a = new Side(subject.name(), new OverlogNode(program, ADDRESS, NodeOptions.defaults().withEvaluator(subject)));
            b = new Side("NAIVE", new OverlogNode(program, ADDRESS, NodeOptions.defaults().withEvaluator(EvaluatorKind.NAIVE)));
        } catch (RuntimeException e) {
            return new Disagreement(0, "building the nodes threw " + e);
        }
        // An expression index on computed values is described as "expr(rel [cols] | expression ...)".
        if (a.node.plans().stream().anyMatch(p -> p.matches(".* expr\\([^()\\[]+ \\[[^]]*\\] \\| .*"))) {
            stats.casesWithExprIndex++;
        }
        if (!a.node.emptiedRowByRow().isEmpty()) {
            stats.casesEmptiedRowByRow++;
        }
        List<Tuple> fedA = List.of();
        List<Tuple> fedB = List.of();
        for (int i = 0; i < c.steps().size(); i++) {
            Step s = c.steps().get(i);
            a.step(s, fedA);
            b.step(s, fedB);
            stats.steps++;
            String diff = outcome(a, b);
            if (diff == null && a.error != null) {
                stats.casesEndingInError++;
                return null;
            }
            if (diff == null) {
                diff = compare(program, a, b, stats);
            }
            if (diff != null) {
                return new Disagreement(i + 1, diff);
            }
            fedA = a.toSelf();
            fedB = b.toSelf();
        }
        return null;
    }

    /** Both failed with an OverlogException, or neither did; anything else is a disagreement (or a crash). */
    private static String outcome(Side a, Side b) {
        boolean clean = (a.error == null || a.error instanceof OverlogException)
            && (b.error == null || b.error instanceof OverlogException);
        if (clean && (a.error == null) == (b.error == null)) {
            return null;
        }
        return a.name + " " + describe(a.error) + ", " + b.name + " " + describe(b.error);
    }

    private static String describe(RuntimeException e) {
        if (e == null) {
            return "succeeded";
        }
        StackTraceElement[] st = e.getStackTrace();
        return "threw " + e + (st.length > 0 && !(e instanceof OverlogException) ? " at " + st[0] : "");
    }

    private static String compare(Program program, Side a, Side b, Stats stats) {
        List<String> diffs = new ArrayList<>();
        for (Relation r : program.userRelations()) {
            if (r.name.equals("sys_rule")) {
                // Per-rule counters and timings are evaluator-specific (LANGUAGE.md, "Reference semantics").
                continue;
            }
            List<Tuple> x = a.node.contents(r.name);
            List<Tuple> y = b.node.contents(r.name);
            stats.tuplesCompared += y.size();
            if (!x.equals(y)) {
                diffs.add("relation " + r.name + ": " + a.name + " " + x + ", " + b.name + " " + y);
            }
        }
        Map<String, List<String>> ox = outbound(a.result);
        Map<String, List<String>> oy = outbound(b.result);
        stats.outboundCompared += oy.values().stream().mapToInt(List::size).sum();
        same(diffs, "outbound", a, ox, b, oy);
        same(diffs, "durableChanges (as multisets)", a, sortedText(a.result.durableChanges()), b,
            sortedText(b.result.durableChanges()));
        same(diffs, "watchEvents", a, texts(a.result.watchEvents()), b, texts(b.result.watchEvents()));
        same(diffs, "dieMessages", a, a.result.dieMessages(), b, b.result.dieMessages());
        same(diffs, "hasPendingWork", a, a.node.hasPendingWork(), b, b.node.hasPendingWork());
        same(diffs, "nextTimerDueMs", a, a.node.nextTimerDueMs(), b, b.node.nextTimerDueMs());
        same(diffs, "steps", a, a.node.steps(), b, b.node.steps());
        return diffs.isEmpty() ? null : String.join("\n  ", diffs);
    }

    private static void same(List<String> diffs, String what, Side a, Object x, Side b, Object y) {
        if (!x.equals(y)) {
            diffs.add(what + ": " + a.name + " " + x + ", " + b.name + " " + y);
        }
    }

    /** Outbound tuples per destination as sorted text; an empty list is the same as no entry. */
    private static Map<String, List<String>> outbound(StepResult r) {
        Map<String, List<String>> out = new TreeMap<>();
        for (Map.Entry<String, List<Tuple>> e : r.outbound().entrySet()) {
            if (!e.getValue().isEmpty()) {
                out.put(e.getKey(), sortedText(e.getValue()));
            }
        }
        return out;
    }

    private static List<String> texts(List<?> xs) {
        List<String> out = new ArrayList<>();
        for (Object x : xs) {
            out.add(x.toString());
        }
        return out;
    }

    private static List<String> sortedText(List<?> xs) {
        List<String> out = texts(xs);
        out.sort(Comparator.naturalOrder());
        return out;
    }
}
