package io.boomfs.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValuesTest {
    /**
     * The stable hash is part of every node's and client's placement: its values may not change.
     * These were computed by the implementation that hashed {@code String.getBytes(UTF_8)}; the
     * random strings (every UTF-8 length, surrogate pairs and lone surrogates) are checked
     * against that encoding too.
     */
    @Test
    void theStableHashKeepsItsValues() {
        assertEquals(4881748247258901560L, Values.hash("f000123"));
        assertEquals(4702888681629345593L, Values.hash("\u00e9\u20ac\ud834\udd1e"));
        assertEquals(5611613199432599182L, Values.hash("a\ud800b"));
        assertEquals(-4720836394675401866L, Values.hashAll(7L, "dir"));
        assertEquals(3764784061277375161L, Values.hash(List.of(1L, "x", List.of("y"))));
        Random rnd = new Random(7);
        char[] pool = {'a', 'Z', '0', '/', '\u00e9', '\u07ff', '\u0800', '\u20ac', '\uffff', '\ud834', '\udd1e', '\udbff', '\udc00'};
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = rnd.nextInt(12); k > 0; k--) {
                sb.append(pool[rnd.nextInt(pool.length)]);
            }
            String str = sb.toString();
            assertEquals(byBytes(str), Values.hash(str), () -> "hash of " + str.chars().mapToObj(Integer::toHexString).toList());
            assertEquals(Values.hash(List.of(str, (long) i)), Values.hashAll(str, (long) i));
        }
    }

    @Test
    void aValueListIsSizedAsAnyListWithItsElements() {
        List<Object> plain = List.of("put", List.of("a", 1L), 2.5, true, "\u00e9t\u00e9");
        ValueList v = ValueList.of("put", ValueList.of("a", 1L), 2.5, true, "\u00e9t\u00e9");
        assertEquals(Values.estimatedSize(plain), Values.estimatedSize(v));
        assertEquals(Values.estimatedSize(plain), Values.estimatedSize(v), "the remembered size");
        assertEquals(Values.estimatedSize(List.of()), Values.estimatedSize(ValueList.of()));
    }

    /** FNV-1a of a string as Values.hash defines it, over getBytes(UTF_8). */
    private static long byBytes(String s) {
        long h = (0xcbf29ce484222325L ^ 4) * 0x100000001b3L;
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h = (h ^ 0xff) * 0x100000001b3L;
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }

    @Test
    void listsCompareElementByElementThenByLength() {
        assertTrue(Values.compare(List.of(9L), List.of(10L)) < 0, "numbers inside a list compare by value");
        assertTrue(Values.compare(List.of(9L), List.of(9L, -1L)) < 0, "a proper prefix comes first");
        assertTrue(Values.compare(List.of(9L, -1L), List.of(9L, 0L)) < 0);
        assertTrue(Values.compare(List.of(1L, "a"), List.of(1L, "b")) < 0);
        assertEquals(0, Values.compare(List.of(), List.of()));
        assertTrue(Values.compare("zzz", List.of()) < 0, "strings come before lists");
    }

    @Test
    void setsCompareInAscendingOrderAfterLists() {
        assertTrue(Values.compare(sorted(2L, 10L), sorted(9L)) < 0);
        assertTrue(Values.compare(sorted(2L), sorted(2L, 10L)) < 0);
        assertTrue(Values.compare(List.of(5L), sorted()) < 0, "lists come before sets");
        // A set that is not sorted on Values.ORDER (from a registered function, say) compares
        // by its elements too: equal sets are equal whatever their iteration order.
        HashSet<Object> hashed = new HashSet<>(List.of(10L, 2L, 300L));
        assertEquals(0, Values.compare(hashed, sorted(2L, 10L, 300L)));
        assertTrue(Values.compare(hashed, sorted(2L, 9L)) > 0);
    }

    @Test
    void aValueListIsEqualToAndHashesLikeAnyListWithItsElements() {
        ValueList v = ValueList.of("a", 1L, null, List.of(2L));
        List<Object> plain = new ArrayList<>(java.util.Arrays.asList("a", 1L, null, List.of(2L)));
        assertEquals(plain, v);
        assertEquals(v, plain);
        assertEquals(plain.hashCode(), v.hashCode());
        assertEquals(v.hashCode(), v.hashCode(), "the remembered hash");
        assertEquals(v, ValueList.copyOf(plain));
        assertTrue(!v.equals(ValueList.of("a", 1L, null, List.of(3L))));
        assertEquals(0, Values.compare(v, plain));
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class, () -> v.add("x"));
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class, () -> v.set(0, "x"));
    }

    /** A total order consistent with equals over random nested values of every rank. */
    @Test
    void randomValuesAreTotallyOrderedConsistentlyWithEquals() {
        Random random = new Random(42);
        List<Object> vs = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            vs.add(randomValue(random, 2));
        }
        for (Object a : vs) {
            for (Object b : vs) {
                int ab = Integer.signum(Values.compare(a, b));
                assertEquals(-ab, Integer.signum(Values.compare(b, a)), a + " vs " + b);
                assertEquals(a == null ? b == null : a.equals(b), ab == 0, a + " vs " + b);
            }
        }
        List<Object> s = new ArrayList<>(vs);
        s.sort(Values.ORDER);
        for (int i = 0; i + 2 < s.size(); i++) {
            assertTrue(Values.compare(s.get(i), s.get(i + 2)) <= 0, "transitive at " + i);
        }
    }

    private static Object sorted(Object... vs) {
        TreeSet<Object> s = new TreeSet<>(Values.ORDER);
        Collections.addAll(s, vs);
        return Collections.unmodifiableSortedSet(s);
    }

    private static Object randomValue(Random r, int depth) {
        int kind = r.nextInt(depth > 0 ? 7 : 5);
        switch (kind) {
            case 0:
                return null;
            case 1:
                return r.nextBoolean();
            case 2:
                return (long) r.nextInt(12);
            case 3:
                return r.nextInt(12) / 2.0;
            case 4:
                return "s" + r.nextInt(12);
            default:
                List<Object> items = new ArrayList<>();
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    items.add(randomValue(r, depth - 1));
                }
                if (kind == 5) {
                    return r.nextBoolean() ? ValueList.copyOf(items) : Collections.unmodifiableList(items);
                }
                items.removeIf(x -> x == null);
                return sorted(items.toArray());
        }
    }
}
