package io.boomfs.engine.store;

import java.util.Objects;

/**
 * A hash index on values computed from each row (an expression index): the rows whose key, as
 * {@link RowKey} computes it, equals a probe's values, found in one probe. Unlike {@link Index},
 * the key is not a set of the row's columns: each group keeps its key's hash beside it, so that
 * a resize moves groups without computing keys and a probe computes the key of a group's first
 * row only when the hashes are equal (almost always its own group). The keys themselves are
 * not kept: a move bucket's (vpart, bucket) key, an array and its numbers, cost about 30 bytes
 * a file over four tables. A probe returns what {@link Index#get} returns (see {@link
 * Index#rows}).
 */
public final class ExprIndex {
    /** Computes a row's key: a new array each call, or {@link #NO_KEY} when it has none. */
    @FunctionalInterface
    public interface RowKey {
        Object[] of(Object[] row);
    }

    /**
     * The key of a row for which a key expression failed. It is filed under one key no probe
     * can equal, so such a row is never found, as the literal the key stands for is false on it.
     */
    public static final Object[] NO_KEY = {new Object()};

    private static final int MIN_CAPACITY = 8;
    private final RowKey key;
    private final int bucketArrayLimit;
    private final boolean identityBuckets;
    private Object[] slots;
    private int[] hashes;
    private int used;
    private int mask;

    /**
     * @param key              computes a row's key
     * @param bucketArrayLimit rows a bucket keeps in a plain array before it hashes them (see
     *                         {@link Index#Index(int[], int)})
     */
    public ExprIndex(RowKey key, int bucketArrayLimit) {
        this(key, bucketArrayLimit, false);
    }

    /** @param identityBuckets big buckets hold rows by identity (see {@link Index#Index(int[], int, boolean)}) */
    public ExprIndex(RowKey key, int bucketArrayLimit, boolean identityBuckets) {
        this.identityBuckets = identityBuckets;
        this.key = key;
        this.bucketArrayLimit = bucketArrayLimit;
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        slots = new Object[capacity];
        hashes = new int[capacity];
        mask = capacity - 1;
    }

    /** Number of distinct keys held. */
    public int groups() {
        return used;
    }

    /** The rows whose key equals {@code vals} (hash {@link Index#probeHash}): null, a row or a bucket. */
    public Object get(Object[] vals, int hash) {
        int i = find(vals, hash);
        return i >= 0 ? slots[i] : null;
    }

    /** The slot holding key {@code k}, or {@code -1 - i} when absent and {@code i} is where it would go. */
    private int find(Object[] k, int h) {
        int i = h & mask;
        while (slots[i] != null) {
            if (hashes[i] == h && sameKey(key.of(Index.first(slots[i])), k)) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1 - i;
    }

    private static boolean sameKey(Object[] a, Object[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (!Objects.equals(a[i], b[i])) {
                return false;
            }
        }
        return true;
    }

    public void add(Object[] row) {
        Object[] k = key.of(row);
        int h = Index.probeHash(k);
        int i = find(k, h);
        if (i >= 0) {
            slots[i] = Index.join(slots[i], row, bucketArrayLimit, identityBuckets);
            return;
        }
        i = -1 - i;
        slots[i] = row;
        hashes[i] = h;
        if (++used * 4 > slots.length * 3) {
            resize(slots.length * 2);
        }
    }

    /** Removes {@code row} (the same array that was added; its key is computed again). */
    public void remove(Object[] row) {
        Object[] k = key.of(row);
        int i = find(k, Index.probeHash(k));
        if (i < 0) {
            return;
        }
        Object left = Index.leave(slots[i], row);
        if (left == null) {
            deleteAt(i);
        } else {
            slots[i] = left;
        }
    }

    private void deleteAt(int i) {
        used--;
        int gap = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (slots[j] == null) {
                break;
            }
            int home = hashes[j] & mask;
            boolean inRange = gap <= j ? (home > gap && home <= j) : (home > gap || home <= j);
            if (!inRange) {
                slots[gap] = slots[j];
                hashes[gap] = hashes[j];
                gap = j;
            }
        }
        slots[gap] = null;
        hashes[gap] = 0;
        if (slots.length > RowSet.KEPT_ON_REMOVE && used * 8 < slots.length) {
            resize(slots.length / 2);
        }
    }

    private void resize(int capacity) {
        Object[] oldSlots = slots;
        int[] oldHashes = hashes;
        allocate(capacity);
        for (int k = 0; k < oldSlots.length; k++) {
            if (oldSlots[k] != null) {
                int i = oldHashes[k] & mask;
                while (slots[i] != null) {
                    i = (i + 1) & mask;
                }
                slots[i] = oldSlots[k];
                hashes[i] = oldHashes[k];
            }
        }
    }

    /**
     * Empties the index, keeping its arrays while they fit what it held (an event's index is
     * emptied every step and filled again to about the same size; see Index.clear).
     */
    public void clear() {
        if (slots.length > 64 && (slots.length > 8 * used || slots.length > (1 << 18))) {
            allocate(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, used)) * 4));
        } else {
            java.util.Arrays.fill(slots, null);
        }
        used = 0;
    }
}
