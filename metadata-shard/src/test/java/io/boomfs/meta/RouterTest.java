package io.boomfs.meta;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client's router: which hint and group it picks, and what it does with each kind of answer. */
class RouterTest {
    private static final List<String> ABC = List.of("a", "b", "c");

    private static List<Object> stat(List<String> p) {
        return List.of("stat", p);
    }

    @Test
    void hintsTheDeepestKnownDirectoryAndLearnsFromHintedAnswers() {
        Router r = new Router(1, 256, 100);
        Router.Call c = r.begin(stat(ABC), 0);
        assertEquals(List.of("stat", List.of(ABC, -1L, 1L, 0L)), c.op(), "nothing known: the root, an epoch no shard has");
        assertTrue(c.read());
        // Epoch 4, parent 20, and the result names a directory.
        c = r.next(c, List.of("@", 4L, 20L, List.of("ok", 21L, true, 0L, 1L, 0L, "u", 493L)));
        assertTrue(c.done());
        assertEquals("ok", ((List<?>) c.result()).get(0));
        assertEquals(List.of(List.of("a", "b"), ABC), r.known(ABC));
        // A create below names the deepest known directory that is a proper prefix; a stat may name the path itself.
        c = r.begin(Arrays.asList("create", List.of("a", "b", "c", "d"), false, 3L, 1024L, "h", 420L, "u", 1L, null), 0);
        assertEquals(List.of(List.of("a", "b", "c", "d"), 4L, 21L, 3L), c.op().get(1));
        assertFalse(c.read());
        assertEquals(List.of(ABC, 4L, 21L, 3L), r.begin(stat(ABC), 0).op().get(1));
        // A plain answer (a malformed op's error) is the result and teaches nothing.
        c = r.next(r.begin(stat(List.of("x")), 0), List.of("error", "INVALID_OP", "x"));
        assertEquals(List.of("error", "INVALID_OP", "x"), c.result());
        assertEquals(2, r.size());
    }

    @Test
    void aNewerEpochEmptiesTheCacheAndAnOlderOneTeachesNothing() {
        Router r = new Router(1, 256, 100);
        r.next(r.begin(stat(ABC), 0), List.of("@", 4L, 20L, List.of("ok", 30L, false, 0L, 1L, 3L, "u", 420L)));
        assertEquals(1, r.size(), "the parent; the path is a file");
        r.next(r.begin(stat(List.of("x", "y")), 0), List.of("@", 3L, 40L, List.of("ok", 41L, true, 0L, 1L, 0L, "u", 493L)));
        assertEquals(1, r.size(), "an answer older than the cache is ignored");
        r.next(r.begin(stat(List.of("x", "y")), 0), List.of("@", 5L, 40L, List.of("error", "NOT_FOUND", "no y")));
        assertEquals(List.of(List.of("x")), r.known(List.of("x", "y")));
        assertEquals(5L, r.epoch());
        assertEquals(List.of(ABC, 5L, 1L, 0L), r.begin(stat(ABC), 0).op().get(1), "the old entries went with their epoch");
    }

    @Test
    void keepsTheMostRecentlyUsedWithinItsCapacity() {
        Router r = new Router(1, 256, 2);
        List<Object> file = List.of("ok", 1L, false, 0L, 1L, 3L, "u", 420L);
        r.next(r.begin(stat(List.of("a", "f")), 0), List.of("@", 0L, 10L, file));
        r.next(r.begin(stat(List.of("b", "f")), 0), List.of("@", 0L, 11L, file));
        r.begin(stat(List.of("a", "g")), 0);
        r.next(r.begin(stat(List.of("c", "f")), 0), List.of("@", 0L, 12L, file));
        assertEquals(2, r.size());
        assertEquals(List.of(List.of("b", "g"), 0L, 1L, 0L), r.begin(stat(List.of("b", "g")), 0).op().get(1),
            "the least recently used went");
        assertEquals(List.of(List.of("a", "g"), 0L, 10L, 1L), r.begin(stat(List.of("a", "g")), 0).op().get(1));
    }

    @Test
    void followsRedirectsWrongShardRetriesAndTransactionsAcrossGroups() {
        Router r = new Router(2, 4, 100);
        long b = MetaShard.id(3, 1, 77);
        Router.Call c = r.begin(stat(ABC), 0);
        assertEquals(0, c.group(), "the root's vpart 0 is group 0's");
        // The walk left group 0 at /a/b (vpart 3: group 1).
        c = r.next(c, Arrays.asList("@", 0L, null, List.of("->", 2L, b)));
        assertEquals(1, c.group());
        assertEquals(List.of(ABC, 0L, b, 2L), c.op().get(1));
        // Vpart 3 moved to group 0 meanwhile: the router learns it and asks there.
        c = r.next(c, List.of("error", "WRONG_SHARD", "vpart 3 is in group 0, not 1", 1L, 0L));
        assertEquals(0, c.group());
        assertEquals(0, r.owner(3));
        // Another operation holds a lock: again, after a pause.
        c = r.next(c, List.of("@", 0L, b, List.of("error", "RETRY", "locked")));
        assertTrue(c.delayMs() >= 1);
        assertFalse(c.done());
        // A RETRY that says when (a vpart moving): that long, however many tries went before.
        for (int i = 0; i < 12; i++) {
            c = r.next(c, List.of("@", 0L, b, List.of("error", "RETRY", "locked")));
        }
        c = r.next(c, List.of("@", 0L, b, List.of("error", "RETRY", "a vpart is moving: try again", 10L)));
        assertEquals(10, c.delayMs());
        assertFalse(c.done());
        // A mkdirs whose directory is placed in another group: the client asks the transaction's result.
        c = r.begin(List.of("mkdirs", List.of("a", "b", "x"), 493L, "u", 1L), 0);
        assertEquals(List.of(List.of("a", "b", "x"), 0L, b, 2L), c.op().get(1));
        c = r.next(c, List.of("@", 0L, b, List.of("tx", List.of(0L, 9L, 0L))));
        assertEquals(List.of("tx_result", List.of(0L, 9L, 0L)), c.op());
        assertTrue(c.read());
        c = r.next(c, List.of("tx", List.of(0L, 9L, 0L)));
        assertEquals(1, c.delayMs(), "polled again");
        c = r.next(c, List.of("ok", 555L));
        assertTrue(c.done());
        assertTrue(r.known(List.of("a", "b", "x")).contains(List.of("a", "b", "x")), "the new directory is known");
    }

    @Test
    void makesMissingLevelsOneAtATimeAndResolvesARenamesDestinationFirst() {
        Router r = new Router(2, 4, 100);
        Router.Call c = r.begin(List.of("mkdirs", List.of("p", "q", "r"), 493L, "u", 1L), 0);
        // Only /p exists (id 5 in group 0's vpart 0): create /p/q first.
        c = r.next(c, Arrays.asList("@", 0L, null, List.of("more", 1L, 5L)));
        assertEquals(List.of(List.of("p", "q"), 0L, 5L, 1L), c.op().get(1));
        c = r.next(c, List.of("@", 0L, 5L, List.of("ok", 6L)));
        assertEquals(List.of(List.of("p", "q", "r"), 0L, 6L, 2L), c.op().get(1), "then the path itself, below the new level");
        assertTrue(r.next(c, List.of("@", 0L, 6L, List.of("ok", 7L))).done());
        // A rename: the destination's parent first; it is a file, so the rename fails with NOT_DIR
        // when the shard cannot reach the destination.
        c = r.begin(List.of("rename", List.of("p", "q", "r"), List.of("f", "g", "h")), 0);
        assertEquals(List.of("stat", List.of(List.of("f", "g"), 0L, 1L, 0L)), c.op());
        c = r.next(c, List.of("@", 0L, 8L, List.of("ok", 9L, false, 0L, 1L, 3L, "u", 420L)));
        assertEquals("rename", c.op().get(0));
        c = r.next(c, List.of("@", 0L, 6L, List.of("error", "DST_PARENT", "resolve it")));
        assertEquals("NOT_DIR", ((List<?>) c.result()).get(1));
    }
}
