package io.boomfs.engine.store;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * An open-addressing hash set of rows ({@code Object[]}) unique on a set of key columns:
 * linear probing and backward-shift deletion (no tombstones). It stores the row arrays
 * themselves, with no entry objects, and each slot's hash beside it: a probe rejects other
 * rows without following their pointers, and growing the table rehashes nothing (recomputing a
 * row's hash touches every value of the row, a cache miss each). A row costs 8-22 bytes here.
 */
public final class RowSet {
    private static final int MIN_CAPACITY = 8;
    /**
     * Removals shrink a table only past this many slots. An event's or a view's rows come and
     * go every step; shrinking the table as they left and growing it again as the next step's
     * came rehashed every row each way (1.3% of a leader's samples hashing rows in resize alone).
     */
    static final int KEPT_ON_REMOVE = 256;
    /** clear() keeps arrays up to this many slots (2 MiB a set): steady batches, not one-off bulks. */
    private static final int MAX_KEPT_CAPACITY = 1 << 18;
    private final int[] cols;
    /** Rows are told apart by identity, not by value (see {@link #identity()}). */
    private final boolean identity;
    private Object[][] rows;
    /** Each slot's hash; null for an identity set, whose rows' identity hashes cost nothing to get again. */
    private int[] hashes;
    private int size;
    private int mask;

    /** A set unique on {@code cols}; all columns when {@code cols} is null. */
    public RowSet(int[] cols) {
        this(cols, false);
    }

    private RowSet(int[] cols, boolean identity) {
        this.cols = cols;
        this.identity = identity;
        this.rows = new Object[MIN_CAPACITY][];
        this.hashes = identity ? null : new int[MIN_CAPACITY];
        this.mask = MIN_CAPACITY - 1;
    }

    /**
     * A set of row arrays by identity: for rows stored once elsewhere, which it only adds,
     * removes and iterates (a big bucket of a secondary index). It keeps no hashes (4 bytes a
     * slot less): an array's identity hash is kept in its header by the JVM.
     */
    public static RowSet identity() {
        return new RowSet(null, true);
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * How a row's values combine into its hash (here and in Index): a large odd multiplier, not
     * 31. Keys of small numbers, such as a move bucket's (vpart, bucket), collided with 31:
     * (v, b) and (v + 1, b - 31) hashed alike, and 239,000 keys of an expression index shared
     * about 9,000 hashes, each probe walking a long run of them.
     */
    static final int COMBINE = 0x9E3779B1;

    static int spread(int h) {
        h *= 0x9E3779B1;
        return h ^ (h >>> 15);
    }

    static int hashValue(Object v) {
        return v == null ? 0 : v.hashCode();
    }

    int rowHash(Object[] row) {
        if (identity) {
            return spread(System.identityHashCode(row));
        }
        int h = 1;
        if (cols == null) {
            for (Object v : row) {
                h = h * COMBINE + hashValue(v);
            }
        } else {
            for (int c : cols) {
                h = h * COMBINE + hashValue(row[c]);
            }
        }
        return spread(h);
    }

    private boolean sameKey(Object[] a, Object[] b) {
        if (cols == null) {
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
        for (int c : cols) {
            if (!Objects.equals(a[c], b[c])) {
                return false;
            }
        }
        return true;
    }

    /** The slot holding {@code row}'s key (hash {@code h}), or {@code -1 - i} for the empty slot i where it would go. */
    private int slotOf(Object[] row, int h) {
        int i = h & mask;
        Object[] r;
        while ((r = rows[i]) != null) {
            if (identity ? r == row : hashes[i] == h && sameKey(r, row)) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1 - i;
    }

    /** The stored row whose key equals {@code row}'s key, or null. */
    public Object[] get(Object[] row) {
        int i = slotOf(row, rowHash(row));
        return i >= 0 ? rows[i] : null;
    }

    /** Whether the set holds a row equal to {@code row} in every column. */
    public boolean containsRow(Object[] row) {
        Object[] r = get(row);
        if (r == null) {
            return false;
        }
        if (cols == null || r == row) {
            return true;
        }
        for (int i = 0; i < r.length; i++) {
            if (!Objects.equals(r[i], row[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Adds {@code row} unless a row with the same key is present.
     *
     * @return null when added, else the row already holding the key (not replaced)
     */
    public Object[] add(Object[] row) {
        int h = rowHash(row);
        int i = slotOf(row, h);
        if (i >= 0) {
            return rows[i];
        }
        i = -1 - i;
        rows[i] = row;
        if (hashes != null) {
            hashes[i] = h;
        }
        if (++size * 4 > rows.length * 3) {
            resize(rows.length * 2);
        }
        return null;
    }

    /** Removes the row holding {@code row}'s key; returns the removed row or null. */
    public Object[] remove(Object[] row) {
        int i = slotOf(row, rowHash(row));
        if (i < 0) {
            return null;
        }
        Object[] r = rows[i];
        deleteAt(i);
        return r;
    }

    private void deleteAt(int i) {
        size--;
        int gap = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            Object[] r = rows[j];
            if (r == null) {
                break;
            }
            int hj = hashes != null ? hashes[j] : rowHash(r);
            int home = hj & mask;
            // Move r back into the gap when its home slot does not lie cyclically in (gap, j].
            boolean inRange = gap <= j ? (home > gap && home <= j) : (home > gap || home <= j);
            if (!inRange) {
                rows[gap] = r;
                if (hashes != null) {
                    hashes[gap] = hj;
                }
                gap = j;
            }
        }
        rows[gap] = null;
        if (hashes != null) {
            hashes[gap] = 0;
        }
        if (rows.length > KEPT_ON_REMOVE && size * 8 < rows.length) {
            resize(rows.length / 2);
        }
    }

    private void resize(int capacity) {
        Object[][] oldRows = rows;
        int[] oldHashes = hashes;
        rows = new Object[capacity][];
        hashes = identity ? null : new int[capacity];
        mask = capacity - 1;
        for (int k = 0; k < oldRows.length; k++) {
            Object[] r = oldRows[k];
            if (r != null) {
                int h = oldHashes != null ? oldHashes[k] : rowHash(r);
                int i = h & mask;
                while (rows[i] != null) {
                    i = (i + 1) & mask;
                }
                rows[i] = r;
                if (hashes != null) {
                    hashes[i] = h;
                }
            }
        }
    }

    public void clear() {
        if (size == 0) {
            return;
        }
        // A table emptied every step (an event) keeps its arrays while they fit what it held,
        // so that the next step's batch does not grow it again from the minimum.
        if (rows.length > 64 && (rows.length > 8 * size || rows.length > MAX_KEPT_CAPACITY)) {
            int capacity = Math.max(MIN_CAPACITY, Integer.highestOneBit(size) * 4);
            rows = new Object[capacity][];
            hashes = identity ? null : new int[capacity];
            mask = capacity - 1;
        } else {
            java.util.Arrays.fill(rows, null);
        }
        size = 0;
    }

    public void forEach(Consumer<Object[]> action) {
        Object[][] rs = rows;
        for (Object[] r : rs) {
            if (r != null) {
                action.accept(r);
            }
        }
    }

    /** What {@link #toArray} returns for an empty set: an array of no rows cannot be changed. */
    public static final Object[][] NO_ROWS = new Object[0][];

    /** A snapshot of the rows (safe against changes while iterating it). */
    public Object[][] toArray() {
        if (size == 0) {
            return NO_ROWS;
        }
        Object[][] out = new Object[size][];
        int k = 0;
        for (int i = 0; k < out.length; i++) {
            Object[] r = rows[i];
            if (r != null) {
                out[k++] = r;
            }
        }
        return out;
    }

    /** Raw slot access for allocation-free iteration: {@code slot(i)} for i below {@code capacity()}. */
    public int capacity() {
        return rows.length;
    }

    public Object[] slot(int i) {
        return rows[i];
    }
}
