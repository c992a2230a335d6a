package io.boomfs.chaos.check;

import io.boomfs.chaos.history.Call;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.boomfs.chaos.check.Histories.pair;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The directory model against the shard's semantics, and histories it must accept or refuse. */
class DirectoryLinearizabilityTest {
    private static Verdict check(Histories h) {
        return Linearizability.check(DirectoryModel::new, h.calls());
    }

    @Test
    void theOpsDoWhatTheShardDoes() {
        Verdict v = check(new Histories("/d").invoke(0, "create", "a").ok(0, "create", "ok")
            .invoke(0, "create", "a").ok(0, "create", "EXISTS")
            .invoke(0, "mkdir", "b").ok(0, "mkdir", "ok")
            .invoke(0, "mkdir", "b").ok(0, "mkdir", "ok")
            .invoke(0, "create", "b").ok(0, "create", "IS_DIR")
            .invoke(0, "mkdir", "a").ok(0, "mkdir", "NOT_DIR")
            .invoke(0, "rename", pair("a", "b")).ok(0, "rename", "EXISTS")
            .invoke(0, "rename", pair("a", "c")).ok(0, "rename", "ok")
            .invoke(0, "rename", pair("a", "d")).ok(0, "rename", "NOT_FOUND")
            .invoke(0, "list", null).ok(0, "list", List.of("b/", "c"))
            .invoke(0, "delete", "b").ok(0, "delete", "ok")
            .invoke(0, "delete", "b").ok(0, "delete", "NOT_FOUND")
            .invoke(0, "list", null).ok(0, "list", List.of("c")));
        assertEquals(Boolean.TRUE, v.valid(), v.details());
    }

    @Test
    void concurrentCreatesOfOneNameMayGoEitherWay() {
        Verdict v = check(new Histories("/d").invoke(0, "create", "a").invoke(1, "create", "a")
            .ok(1, "create", "EXISTS").ok(0, "create", "ok").invoke(2, "list", null).ok(2, "list", List.of("a")));
        assertEquals(Boolean.TRUE, v.valid(), v.details());
    }

    @Test
    void twoCreatesOfOneNameCannotBothSucceed() {
        Verdict v = check(new Histories("/d").invoke(0, "create", "a").invoke(1, "create", "a")
            .ok(1, "create", "ok").ok(0, "create", "ok"));
        assertEquals(Boolean.FALSE, v.valid());
    }

    @Test
    void aListMissingAnAcknowledgedCreateIsInvalid() {
        Verdict v = check(new Histories("/d").invoke(0, "create", "a").ok(0, "create", "ok")
            .invoke(1, "list", null).ok(1, "list", List.of()));
        assertEquals(Boolean.FALSE, v.valid());
        assertTrue(v.details().contains("the object is [a]"), v.details());
    }

    @Test
    void aRenameSeenHalfDoneIsInvalid() {
        // A rename is atomic: no listing may show both names, or neither.
        Verdict v = check(new Histories("/d").invoke(0, "create", "a").ok(0, "create", "ok")
            .invoke(0, "rename", pair("a", "b")).invoke(1, "list", null).ok(1, "list", List.of("a", "b"))
            .ok(0, "rename", "ok"));
        assertEquals(Boolean.FALSE, v.valid());
    }

    @Test
    void aTimedOutDeleteMayHaveHappened() {
        Verdict v = check(new Histories("/d").invoke(0, "mkdir", "x").ok(0, "mkdir", "ok")
            .invoke(0, "delete", "x").info(0, "delete")
            .invoke(1, "create", "x").ok(1, "create", "ok"));
        assertEquals(Boolean.TRUE, v.valid(), v.details());
    }

    @Test
    void theFinalListingMustBeASequentialOutcome() {
        List<Call> calls = new Histories("/d").invoke(0, "create", "a").ok(0, "create", "ok")
            .invoke(1, "create", "b").info(1, "create").calls();
        Verdict withB = Quiescence.check(DirectoryModel::new, calls, Map.of("/d", List.of("a", "b")), "list");
        Verdict withoutB = Quiescence.check(DirectoryModel::new, calls, Map.of("/d", List.of("a")), "list");
        Verdict lostA = Quiescence.check(DirectoryModel::new, calls, Map.of("/d", List.of("b")), "list");
        assertEquals(Boolean.TRUE, withB.valid(), withB.details());
        assertEquals(Boolean.TRUE, withoutB.valid(), withoutB.details());
        assertEquals(Boolean.FALSE, lostA.valid());
    }
}
