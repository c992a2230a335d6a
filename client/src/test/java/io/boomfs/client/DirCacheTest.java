package io.boomfs.client;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The client's cache of directory ids: which hint it gives and what it learns from answers. */
class DirCacheTest {
    private static final List<String> ABC = List.of("a", "b", "c");

    @Test
    void hintsTheDeepestKnownParentAndLearnsFromHintedAnswers() {
        DirCache c = new DirCache(100);
        assertEquals(List.of(ABC, -1L, 1L, 0L), c.hinted(ABC), "nothing known: the root, an epoch no shard has");
        // An answer of epoch 4 for /a/b/c (parent 20) whose result names a directory.
        Object r = c.learn(ABC, List.of("@", 4L, 20L, List.of("ok", 21L)), x -> true);
        assertEquals(List.of("ok", 21L), r);
        assertEquals(List.of(List.of("a", "b"), ABC), c.known(ABC));
        assertEquals(List.of(ABC, 4L, 20L, 2L), c.hinted(ABC), "the parent, never the path itself");
        assertEquals(List.of(List.of("a", "b", "c", "d"), 4L, 21L, 3L), c.hinted(List.of("a", "b", "c", "d")));
        // A plain answer (a malformed op's error) is returned as it is and teaches nothing.
        List<Object> plain = List.of("error", "INVALID_OP", "x");
        assertEquals(plain, c.learn(ABC, plain, x -> true));
        assertEquals(2, c.size());
    }

    @Test
    void aNewerEpochEmptiesTheCacheAndAnOlderOneTeachesNothing() {
        DirCache c = new DirCache(100);
        c.learn(ABC, List.of("@", 4L, 20L, List.of("ok", 30L)), x -> false);
        assertEquals(1, c.size());
        c.learn(List.of("x", "y"), List.of("@", 3L, 40L, List.of("ok", 41L)), x -> true);
        assertEquals(1, c.size(), "an answer older than the cache is ignored");
        c.learn(List.of("x", "y"), List.of("@", 5L, 40L, List.of("error", "NOT_FOUND", "no y")), x -> true);
        assertEquals(List.of(List.of("x")), c.known(List.of("x", "y")));
        assertEquals(5L, c.epoch());
        assertEquals(List.of(ABC, 5L, 1L, 0L), c.hinted(ABC), "the old entries went with their epoch");
    }

    @Test
    void keepsTheMostRecentlyUsedWithinItsCapacity() {
        DirCache c = new DirCache(2);
        c.learn(List.of("a", "f"), List.of("@", 0L, 10L, List.of("ok", 1L)), x -> false);
        c.learn(List.of("b", "f"), List.of("@", 0L, 11L, List.of("ok", 1L)), x -> false);
        c.hinted(List.of("a", "g"));
        c.learn(List.of("c", "f"), List.of("@", 0L, 12L, List.of("ok", 1L)), x -> false);
        assertEquals(2, c.size());
        assertEquals(List.of(List.of("b", "g"), 0L, 1L, 0L), c.hinted(List.of("b", "g")), "the least recently used went");
        assertEquals(List.of(List.of("a", "g"), 0L, 10L, 1L), c.hinted(List.of("a", "g")));
    }
}
