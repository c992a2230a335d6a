package io.boomfs.paxos.kv;

import io.boomfs.paxos.kv.RegisterOp.Kind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The register linearizability checker on histories whose verdict is known by hand, then on
 * thousands of small random histories against a brute-force search over every order.
 */
class RegisterCheckerTest {
    private final List<RegisterOp> h = new ArrayList<>();

    private void op(String session, Kind kind, Object a, Object b, long from, long to, Object result) {
        h.add(RegisterOp.done(h.size(), session, kind, a, b, from, to, result));
    }

    private void lost(String session, Kind kind, Object a, Object b, long from) {
        h.add(RegisterOp.indeterminate(h.size(), session, kind, a, b, from));
    }

    private void assertLinearizable() {
        RegisterChecker.Result r = RegisterChecker.check(h);
        assertTrue(r.linearizable(), r.explanation());
    }

    private void assertNotLinearizable() {
        RegisterChecker.Result r = RegisterChecker.check(h);
        assertFalse(r.linearizable(), "expected a violation in " + h);
        assertTrue(r.explanation().startsWith("not linearizable"), r.explanation());
    }

    @Test
    void aSequentialHistoryFollowsTheRegister() {
        op("a", Kind.GET, null, null, 0, 1, null);
        op("a", Kind.PUT, 1L, null, 2, 3, "ok");
        op("a", Kind.GET, null, null, 4, 5, 1L);
        op("a", Kind.CAS, 1L, 2L, 6, 7, true);
        op("a", Kind.CAS, 1L, 3L, 8, 9, false);
        op("a", Kind.DELETE, null, null, 10, 11, true);
        op("a", Kind.DELETE, null, null, 12, 13, false);
        op("a", Kind.CAS, null, 4L, 14, 15, true);
        op("a", Kind.GET, null, null, 16, 17, 4L);
        assertLinearizable();
    }

    @Test
    void aReadConcurrentWithAWriteMaySeeEitherValue() {
        op("a", Kind.PUT, 1L, null, 0, 10, "ok");
        op("b", Kind.GET, null, null, 2, 4, null);
        op("c", Kind.GET, null, null, 3, 5, 1L);
        assertLinearizable();
    }

    @Test
    void butTwoReadsCannotSeeTheWriteUndone() {
        op("a", Kind.PUT, 1L, null, 0, 10, "ok");
        op("b", Kind.GET, null, null, 2, 4, 1L);
        op("b", Kind.GET, null, null, 5, 6, null);
        assertNotLinearizable();
    }

    @Test
    void aStaleReadAfterAnAcknowledgedWriteIsAViolation() {
        op("a", Kind.PUT, 1L, null, 0, 1, "ok");
        op("a", Kind.PUT, 2L, null, 2, 3, "ok");
        op("b", Kind.GET, null, null, 4, 5, 1L);
        assertNotLinearizable();
    }

    @Test
    void aValueNeverWrittenIsAViolation() {
        op("a", Kind.PUT, 1L, null, 0, 1, "ok");
        op("b", Kind.GET, null, null, 0, 5, 7L);
        assertNotLinearizable();
    }

    @Test
    void onlyOneOfTwoConcurrentCasFromTheSameValueSucceeds() {
        op("a", Kind.CAS, null, 1L, 0, 10, true);
        op("b", Kind.CAS, null, 2L, 0, 10, true);
        assertNotLinearizable();
        h.clear();
        op("a", Kind.CAS, null, 1L, 0, 10, true);
        op("b", Kind.CAS, null, 2L, 0, 10, false);
        op("c", Kind.GET, null, null, 11, 12, 1L);
        assertLinearizable();
    }

    @Test
    void aWriteAppliedTwiceShowsAsAValueComingBack() {
        // put(1) acknowledged, put(2) acknowledged, then 1 again with no one writing it: the
        // first put was applied a second time.
        op("a", Kind.PUT, 1L, null, 0, 1, "ok");
        op("b", Kind.PUT, 2L, null, 2, 3, "ok");
        op("c", Kind.GET, null, null, 4, 5, 2L);
        op("c", Kind.GET, null, null, 6, 7, 1L);
        assertNotLinearizable();
    }

    @Test
    void anIndeterminateWriteMayHaveHappenedOrNot() {
        lost("a", Kind.PUT, 1L, null, 0);
        op("b", Kind.GET, null, null, 5, 6, null);
        op("b", Kind.GET, null, null, 7, 8, 1L);
        assertLinearizable();
        h.clear();
        lost("a", Kind.PUT, 1L, null, 0);
        op("b", Kind.GET, null, null, 5, 6, null);
        assertLinearizable();
    }

    @Test
    void butNotBeforeItWasInvokedNorTwice() {
        op("b", Kind.GET, null, null, 0, 1, 1L);
        lost("a", Kind.PUT, 1L, null, 2);
        assertNotLinearizable();
        h.clear();
        lost("a", Kind.PUT, 1L, null, 0);
        op("b", Kind.GET, null, null, 5, 6, 1L);
        op("c", Kind.PUT, 2L, null, 7, 8, "ok");
        op("b", Kind.GET, null, null, 9, 10, 1L);
        assertNotLinearizable();
    }

    @Test
    void manyLostReadsCostNothing() {
        op("a", Kind.PUT, 1L, null, 0, 1, "ok");
        for (int i = 0; i < 200; i++) {
            lost("b" + i, Kind.GET, null, null, 2 + i);
        }
        op("a", Kind.PUT, 2L, null, 300, 301, "ok");
        op("a", Kind.GET, null, null, 302, 303, 2L);
        RegisterChecker.Result r = RegisterChecker.check(h, null, 1_000);
        assertTrue(r.linearizable(), r.explanation());
    }

    @Test
    void tiesAreConcurrent() {
        op("a", Kind.PUT, 1L, null, 0, 5, "ok");
        op("b", Kind.GET, null, null, 5, 6, null);
        assertLinearizable();
    }

    @Test
    void aLongSequentialHistoryIsQuick() {
        long t = 0;
        for (long i = 0; i < 20_000; i++) {
            op("s" + (i % 8), Kind.PUT, i, null, t, t + 3, "ok");
            op("s" + ((i + 1) % 8), Kind.GET, null, null, t + 1, t + 4, i);
            t += 2;
        }
        long t0 = System.nanoTime();
        assertLinearizable();
        assertTrue(System.nanoTime() - t0 < 30_000_000_000L, "quick");
    }

    @Test
    void agreesWithBruteForceOnRandomSmallHistories() {
        long seed = Long.getLong("seed", System.nanoTime());
        SplittableRandom rnd = new SplittableRandom(seed);
        int violations = 0;
        for (int run = 0; run < 3_000; run++) {
            List<RegisterOp> history = randomHistory(rnd);
            boolean expected = bruteForce(history);
            RegisterChecker.Result r = RegisterChecker.check(history);
            assertEquals(expected, r.linearizable(), "SEED=" + seed + " run " + run + ": " + history + "\n" + r.explanation());
            violations += expected ? 0 : 1;
        }
        assertTrue(violations > 300 && violations < 2_700, "both verdicts were exercised: " + violations + " violations");
    }

    /**
     * Up to 7 operations of 3 sessions on values 1..3, run for real with a linearization point in
     * each interval (so the history is linearizable), then, half the time, one answer changed (it
     * may or may not stay linearizable). Some operations lose their answer: they took effect or not.
     */
    private static List<RegisterOp> randomHistory(SplittableRandom rnd) {
        int n = rnd.nextInt(1, 8);
        record Planned(String session, Kind kind, Object a, Object b, long from, long to, long point, boolean lost, boolean applied) {
        }
        List<Planned> plan = new ArrayList<>();
        long[] sessionFree = new long[3];
        for (int i = 0; i < n; i++) {
            int s = rnd.nextInt(3);
            long from = sessionFree[s] + rnd.nextInt(0, 4);
            long to = from + rnd.nextInt(1, 8);
            long point = rnd.nextLong(from, to + 1);
            Kind kind = Kind.values()[rnd.nextInt(4)];
            Object a = kind == Kind.PUT || kind == Kind.CAS ? value(rnd) : null;
            Object b = kind == Kind.CAS ? value(rnd) : null;
            boolean lost = rnd.nextInt(8) == 0;
            plan.add(new Planned("s" + s, kind, a, b, from, to, point, lost, !lost || rnd.nextBoolean()));
            // A session whose operation was lost goes on after it gave up.
            sessionFree[s] = to + 1;
        }
        List<Integer> byPoint = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byPoint.add(i);
        }
        byPoint.sort(Comparator.comparingLong(i -> plan.get(i).point));
        Object state = null;
        Object[] results = new Object[n];
        for (int i : byPoint) {
            Planned p = plan.get(i);
            if (!p.applied) {
                continue;
            }
            RegisterOp probe = RegisterOp.indeterminate(i, p.session, p.kind, p.a, p.b, p.from);
            results[i] = switch (p.kind) {
                case PUT -> "ok";
                case GET -> state;
                case CAS -> java.util.Objects.equals(state, p.a);
                case DELETE -> state != null;
            };
            state = probe.step(state);
        }
        if (rnd.nextBoolean()) {
            int i = rnd.nextInt(n);
            results[i] = switch (plan.get(i).kind) {
                case PUT -> "ok";
                case GET -> value(rnd);
                case CAS, DELETE -> rnd.nextBoolean();
            };
        }
        List<RegisterOp> history = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Planned p = plan.get(i);
            history.add(p.lost
                ? RegisterOp.indeterminate(i, p.session, p.kind, p.a, p.b, p.from)
                : RegisterOp.done(i, p.session, p.kind, p.a, p.b, p.from, p.to, results[i]));
        }
        return history;
    }

    private static Object value(SplittableRandom rnd) {
        int v = rnd.nextInt(4);
        return v == 0 ? null : (Object) (long) v;
    }

    /** Every order that respects real time (an operation that returned before another's call comes first). */
    private static boolean bruteForce(List<RegisterOp> history) {
        return place(history, new BitSet(), null);
    }

    private static boolean place(List<RegisterOp> history, BitSet placed, Object state) {
        if (placed.cardinality() == history.size()) {
            return true;
        }
        for (int i = 0; i < history.size(); i++) {
            if (placed.get(i) || mustWait(history, placed, i)) {
                continue;
            }
            Object next = history.get(i).step(state);
            if (next == RegisterOp.IMPOSSIBLE) {
                continue;
            }
            placed.set(i);
            boolean ok = place(history, placed, next);
            placed.clear(i);
            if (ok) {
                return true;
            }
        }
        return false;
    }

    private static boolean mustWait(List<RegisterOp> history, BitSet placed, int i) {
        for (int j = 0; j < history.size(); j++) {
            if (j != i && !placed.get(j) && history.get(j).completeNs() < history.get(i).invokeNs()) {
                return true;
            }
        }
        return false;
    }
}
