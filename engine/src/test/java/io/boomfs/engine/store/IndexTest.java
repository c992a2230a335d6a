package io.boomfs.engine.store;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Index against a model (rows by key, by identity) through random adds and removes: buckets
 * grow from a row to an array to a hashed set (by value, or by identity) and shrink back, and
 * whatever row a bucket keeps to compare keys with stays one of its rows.
 */
class IndexTest {
    private static Set<Object[]> rowsOf(Object hit) {
        Set<Object[]> out = Collections.newSetFromMap(new IdentityHashMap<>());
        if (hit != null) {
            Object[][] rows = Index.rows(hit);
            for (int i = 0; i < Index.count(hit); i++) {
                out.add(rows[i]);
            }
            assertEquals(Index.count(hit), out.size(), "a group lists each of its rows once");
            if (hit instanceof Object[][] g) {
                for (int i = Index.count(hit); i < g.length; i++) {
                    assertNull(g[i], "a group's rows come first, then nulls");
                }
            }
        }
        return out;
    }

    @Test
    void bucketsAgreeWithAModelThroughGrowthAndShrinking() {
        for (long seed = 1; seed <= 20; seed++) {
            Random rnd = new Random(seed);
            int arrayLimit = 1 + rnd.nextInt(6);
            // Odd seeds: buckets by identity (a secondary index); even: by value (a relation's rows).
            Index ix = new Index(new int[] {0}, arrayLimit, seed % 2 == 1);
            Map<Long, Set<Object[]>> model = new HashMap<>();
            List<Object[]> live = new ArrayList<>();
            for (int op = 0; op < 4000; op++) {
                long key = rnd.nextInt(8);
                if (live.isEmpty() || rnd.nextInt(100) < 55) {
                    Object[] row = {key, (long) op};
                    ix.add(row);
                    live.add(row);
                    model.computeIfAbsent(key, k -> Collections.newSetFromMap(new IdentityHashMap<>())).add(row);
                } else {
                    Object[] row = live.remove(rnd.nextInt(live.size()));
                    ix.remove(row);
                    model.get((Long) row[0]).remove(row);
                }
                for (long k = 0; k < 8; k++) {
                    Object[] probe = {k};
                    Object hit = ix.get(probe, Index.probeHash(probe));
                    Set<Object[]> want = model.getOrDefault(k, Set.of());
                    if (want.isEmpty()) {
                        assertNull(hit, "seed " + seed + " op " + op + " key " + k);
                        continue;
                    }
                    assertEquals(want, rowsOf(hit), "seed " + seed + " op " + op + " key " + k);
                    if (hit instanceof Object[][] || hit instanceof Index.Bucket) {
                        assertTrue(want.size() > 1, "a key of one row is held as the row, not a group");
                        assertTrue(want.contains(Index.first(hit)), "the row a group compares keys with is one of its rows");
                    } else {
                        assertEquals(1, want.size());
                    }
                    assertSame(hit, ix.getByRow(new Object[] {k, -1L}), "a probe by row finds the same group");
                }
                assertEquals(model.values().stream().filter(s -> !s.isEmpty()).count(), ix.keys());
            }
        }
    }
}
