package io.boomfs.chaos.check;

import org.junit.jupiter.api.Test;

import static io.boomfs.chaos.check.Histories.pair;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Known-good and known-bad register histories, the classic ones included. */
class RegisterLinearizabilityTest {
    private static Verdict check(Histories h) {
        return Linearizability.check(RegisterModel::new, h.calls());
    }

    private static void valid(Histories h) {
        Verdict v = check(h);
        assertEquals(Boolean.TRUE, v.valid(), v.line() + "\n" + v.details());
    }

    private static String invalid(Histories h) {
        Verdict v = check(h);
        assertEquals(Boolean.FALSE, v.valid(), v.line());
        return v.details();
    }

    @Test
    void sequentialWritesAndReadsAreValid() {
        valid(new Histories("x").invoke(0, "read", null).ok(0, "read", null)
            .invoke(0, "write", 1L).ok(0, "write", null)
            .invoke(1, "read", null).ok(1, "read", 1L)
            .invoke(1, "cas", pair(1L, 2L)).ok(1, "cas", true)
            .invoke(0, "cas", pair(1L, 3L)).ok(0, "cas", false)
            .invoke(0, "read", null).ok(0, "read", 2L));
    }

    @Test
    void aReadConcurrentWithAWriteMaySeeEitherValue() {
        valid(new Histories("x").invoke(0, "write", 1L).ok(0, "write", null)
            .invoke(0, "write", 2L).invoke(1, "read", null).ok(1, "read", 1L).ok(0, "write", null));
        valid(new Histories("x").invoke(0, "write", 1L).ok(0, "write", null)
            .invoke(0, "write", 2L).invoke(1, "read", null).ok(1, "read", 2L).ok(0, "write", null));
    }

    @Test
    void overlappingWritesMayTakeEffectInEitherOrder() {
        // p0 writes 1 and p1 writes 2 at once; later reads see 1: p1's write went first.
        valid(new Histories("x").invoke(0, "write", 1L).invoke(1, "write", 2L).ok(1, "write", null).ok(0, "write", null)
            .invoke(2, "read", null).ok(2, "read", 1L).invoke(2, "read", null).ok(2, "read", 1L));
    }

    @Test
    void aStaleReadAfterAWriteCompletedIsInvalid() {
        String why = invalid(new Histories("x").invoke(0, "write", 1L).ok(0, "write", null)
            .invoke(0, "write", 2L).ok(0, "write", null)
            .invoke(1, "read", null).ok(1, "read", 1L));
        assertTrue(why.contains("read x -> 1"), why);
        assertTrue(why.contains("the object is 2"), why);
    }

    @Test
    void twoReadsGoingBackInTimeAreInvalid() {
        // The write is concurrent with both reads, but once a read saw 2, a later read cannot see 1.
        invalid(new Histories("x").invoke(0, "write", 1L).ok(0, "write", null).invoke(0, "write", 2L)
            .invoke(1, "read", null).ok(1, "read", 2L).invoke(2, "read", null).ok(2, "read", 1L).ok(0, "write", null));
    }

    @Test
    void aLostCasIsInvalid() {
        // Two cas from 0 both succeed: one of them must have seen the other's value.
        invalid(new Histories("x").invoke(0, "write", 0L).ok(0, "write", null)
            .invoke(1, "cas", pair(0L, 1L)).invoke(2, "cas", pair(0L, 2L)).ok(1, "cas", true).ok(2, "cas", true));
    }

    @Test
    void aReadOfAValueNeverWrittenIsInvalid() {
        String why = invalid(new Histories("x").invoke(0, "write", 1L).ok(0, "write", null)
            .invoke(1, "read", null).ok(1, "read", 7L));
        assertTrue(why.contains("(impossible in this state)"), why);
    }

    @Test
    void aCasThatFailedWhenItMustHaveMatchedIsInvalid() {
        invalid(new Histories("x").invoke(0, "write", 5L).ok(0, "write", null)
            .invoke(1, "cas", pair(5L, 6L)).ok(1, "cas", false));
    }

    @Test
    void anIndeterminateWriteMayTakeEffectLaterOrNever() {
        // The write timed out; a later read sees it: it took effect after its invocation.
        valid(new Histories("x").invoke(0, "write", 1L).info(0, "write")
            .invoke(1, "read", null).ok(1, "read", null).invoke(1, "read", null).ok(1, "read", 1L));
        // ... or never.
        valid(new Histories("x").invoke(0, "write", 1L).info(0, "write").invoke(1, "read", null).ok(1, "read", null));
        // But once seen, it cannot be undone by itself.
        invalid(new Histories("x").invoke(0, "write", 1L).info(0, "write")
            .invoke(1, "read", null).ok(1, "read", 1L).invoke(1, "read", null).ok(1, "read", null));
    }

    @Test
    void aFailedWriteNeverTookEffect() {
        invalid(new Histories("x").invoke(0, "write", 1L).fail(0, "write").invoke(1, "read", null).ok(1, "read", 1L));
    }

    @Test
    void anIndeterminateCasMayHaveSucceeded() {
        valid(new Histories("x").invoke(0, "write", 1L).ok(0, "write", null)
            .invoke(1, "cas", pair(1L, 2L)).info(1, "cas").invoke(2, "read", null).ok(2, "read", 2L));
        // It could only have succeeded when it matched.
        invalid(new Histories("x").invoke(0, "write", 1L).ok(0, "write", null)
            .invoke(1, "cas", pair(9L, 2L)).info(1, "cas").invoke(2, "read", null).ok(2, "read", 2L));
    }

    @Test
    void aSearchThatHitsItsBoundSaysUnknownNotValid() {
        Histories h = new Histories("x");
        for (long p = 0; p < 6; p++) {
            h.invoke(p, "write", p);
        }
        h.invoke(9, "read", null).ok(9, "read", 5L);
        Wgl.Result r = Wgl.check(new RegisterModel(), h.calls(), 3);
        assertEquals(Wgl.Outcome.UNKNOWN, r.outcome());
        assertTrue(r.explained().startsWith("gave up after 3 configurations"), r.explained());
    }

    @Test
    void keysAreCheckedSeparatelyAndTheBadOneIsNamed() {
        Histories good = new Histories("a").invoke(0, "write", 1L).ok(0, "write", null);
        Histories bad = new Histories("b").invoke(1, "read", null).ok(1, "read", 3L);
        java.util.List<io.boomfs.chaos.history.Call> calls = new java.util.ArrayList<>(good.calls());
        calls.addAll(bad.calls());
        Verdict v = Linearizability.check(RegisterModel::new, calls);
        assertFalse(v.valid());
        assertTrue(v.summary().contains("[b]"), v.summary());
    }
}
