package io.boomfs.engine.store;

import java.util.Objects;

/**
 * A secondary hash index: the rows whose values in {@code cols} are equal, found in one probe.
 * A probe returns null, a single row ({@code Object[]}), a group ({@code Object[][]}: its rows
 * first, then nulls) or a {@link Bucket} (a group past the index's array limit, its rows
 * hashed); {@link #count(Object)} and {@link #rows(Object)} read any of them. Rows are the same
 * arrays as in the relation's primary set, and removal is by identity.
 */
public final class Index {
    private static final int MIN_CAPACITY = 8;
    private final int[] cols;
    private int bucketArrayLimit;
    /**
     * Whether big buckets tell rows apart by identity: true for an index that only adds,
     * removes (the same arrays) and iterates; false for the index that holds a relation's rows,
     * whose buckets answer membership by value ({@link #find(Object, Object[])}).
     */
    private boolean identityBuckets;
    private Object[] slots;
    /** One byte of each slot's hash: most probes end without following the slot's pointer. */
    private byte[] tags;
    private int used;
    private int mask;

    /**
     * A group past its index's array limit: its rows hashed, so that adding and removing stay
     * O(1), and one of them kept apart to compare keys with. (A smaller group is a bare
     * {@code Object[][]}, with no object around it: a 3-replica chunk's locations, or the four
     * rows of a move bucket's key, are most groups, and a wrapper cost 24 bytes each.)
     */
    public static final class Bucket {
        private final RowSet big;
        private Object[] sample;

        private Bucket(RowSet big, Object[] sample) {
            this.big = big;
            this.sample = sample;
        }

        public int size() {
            return big.size();
        }

        /** One row of the bucket, for comparing keys without touching the rest. */
        Object[] sample() {
            return sample;
        }

        private void remove(Object[] row) {
            big.remove(row);
            if (row == sample) {
                sample = null;
                for (int i = 0; i < big.capacity() && sample == null; i++) {
                    sample = big.slot(i);
                }
            }
        }
    }

    /** The number of rows in a group's array: its rows come first, then nulls (a binary search). */
    static int groupSize(Object[][] g) {
        int lo = 0;
        int hi = g.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (g[mid] != null) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** How many rows a probe's hit holds: 0 (null), 1 (a row) or its group's. */
    public static int count(Object hit) {
        if (hit == null) {
            return 0;
        }
        if (hit instanceof Object[][] g) {
            return groupSize(g);
        }
        return hit instanceof Bucket b ? b.size() : 1;
    }

    /**
     * The rows of a probe's hit (not null): the first {@link #count(Object)} entries. A group is
     * its own array, valid until the group changes (rows added meanwhile go past the count; a
     * group that grows moves to a new array and leaves this one as it was); a bucket's are a copy.
     */
    public static Object[][] rows(Object hit) {
        if (hit instanceof Object[][] g) {
            return g;
        }
        return hit instanceof Bucket b ? b.big.toArray() : new Object[][] {(Object[]) hit};
    }

    /** The row of a probe's hit equal to {@code row} in every column, or null. */
    public static Object[] find(Object hit, Object[] row) {
        if (hit == null) {
            return null;
        }
        if (hit instanceof Object[][] g) {
            for (Object[] r : g) {
                if (r == null) {
                    return null;
                }
                if (java.util.Arrays.equals(r, row)) {
                    return r;
                }
            }
            return null;
        }
        if (hit instanceof Bucket b) {
            return b.big.get(row);
        }
        return java.util.Arrays.equals((Object[]) hit, row) ? (Object[]) hit : null;
    }

    /**
     * What a group's slot holds once {@code row} joins it: {@code slot} (a row, a group or a
     * bucket) and {@code row} together. Past {@code arrayLimit} rows a group becomes a bucket,
     * hashed by identity when {@code identity} (see {@link RowSet#identity()}).
     */
    static Object join(Object slot, Object[] row, int arrayLimit, boolean identity) {
        if (slot instanceof Object[][] g) {
            int n = groupSize(g);
            if (n < g.length) {
                g[n] = row;
                return g;
            }
            if (n >= arrayLimit) {
                RowSet big = identity ? RowSet.identity() : new RowSet(null);
                for (Object[] r : g) {
                    big.add(r);
                }
                big.add(row);
                return new Bucket(big, g[0]);
            }
            Object[][] grown = java.util.Arrays.copyOf(g, n * 2);
            grown[n] = row;
            return grown;
        }
        if (slot instanceof Bucket b) {
            b.big.add(row);
            return b;
        }
        if (arrayLimit < 2) {
            RowSet big = identity ? RowSet.identity() : new RowSet(null);
            big.add((Object[]) slot);
            big.add(row);
            return new Bucket(big, (Object[]) slot);
        }
        return new Object[][] {(Object[]) slot, row};
    }

    /**
     * What a group's slot holds once {@code row} (the same array) leaves it: null when it was
     * the last, the one row left, or the group. A group keeps its rows first: the last takes
     * the place of the one that left.
     */
    static Object leave(Object slot, Object[] row) {
        if (slot instanceof Object[][] g) {
            int n = groupSize(g);
            for (int i = 0; i < n; i++) {
                if (g[i] == row) {
                    g[i] = g[n - 1];
                    g[n - 1] = null;
                    return n == 2 ? g[0] : g;
                }
            }
            return g;
        }
        if (slot instanceof Bucket b) {
            b.remove(row);
            int n = b.size();
            return n == 0 ? null : n == 1 ? b.sample : b;
        }
        return slot == row ? null : slot;
    }

    /** An index whose buckets hash their rows past 64 (membership tests look through buckets). */
    public Index(int[] cols) {
        this(cols, 64);
    }

    /**
     * @param bucketArrayLimit rows a group keeps in a plain array (identity scan to remove,
     *                         about 4 bytes a row) before it becomes a bucket that hashes them
     *                         (O(1), about 20 bytes a row). An index that only adds, removes and iterates can afford
     *                         long arrays; one used for membership tests cannot.
     */
    public Index(int[] cols, int bucketArrayLimit) {
        this(cols, bucketArrayLimit, false);
    }

    /**
     * @param identityBuckets big buckets hold rows by identity (4 bytes a row less): for an
     *                        index that never answers membership ({@link #find(Object, Object[])})
     */
    public Index(int[] cols, int bucketArrayLimit, boolean identityBuckets) {
        this.identityBuckets = identityBuckets;
        this.bucketArrayLimit = bucketArrayLimit;
        this.cols = cols;
        this.slots = new Object[MIN_CAPACITY];
        this.tags = new byte[MIN_CAPACITY];
        this.mask = MIN_CAPACITY - 1;
    }

    public int[] cols() {
        return cols;
    }

    /** Number of distinct keys held. */
    public int keys() {
        return used;
    }

    /** Number of keys held by more than one row (each a group or a {@link Bucket}). */
    public int buckets() {
        int n = 0;
        for (Object s : slots) {
            if (s instanceof Object[][] || s instanceof Bucket) {
                n++;
            }
        }
        return n;
    }

    private int rowHash(Object[] row) {
        int h = 1;
        for (int c : cols) {
            h = h * RowSet.COMBINE + RowSet.hashValue(row[c]);
        }
        return RowSet.spread(h);
    }

    /** Hash of probe values given in {@code cols} order. */
    public static int probeHash(Object[] vals) {
        int h = 1;
        for (Object v : vals) {
            h = h * RowSet.COMBINE + RowSet.hashValue(v);
        }
        return RowSet.spread(h);
    }

    /** One row of a probe's hit (not null): the row, or the one its group compares keys with. */
    public static Object[] first(Object slot) {
        if (slot instanceof Object[][] g) {
            return g[0];
        }
        return slot instanceof Bucket b ? b.sample() : (Object[]) slot;
    }

    private boolean rowMatches(Object[] row, Object[] other) {
        for (int c : cols) {
            if (!Objects.equals(row[c], other[c])) {
                return false;
            }
        }
        return true;
    }

    private boolean probeMatches(Object[] row, Object[] vals) {
        for (int k = 0; k < cols.length; k++) {
            if (!Objects.equals(row[cols[k]], vals[k])) {
                return false;
            }
        }
        return true;
    }

    /** The rows whose {@code cols} equal {@code vals}: null, a row, a group or a {@link Bucket} (see {@link #rows}). */
    public Object get(Object[] vals, int hash) {
        int i = hash & mask;
        Object s;
        while ((s = slots[i]) != null) {
            if (tags[i] == (byte) (hash >>> 24) && probeMatches(first(s), vals)) {
                return s;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    /**
     * The slot of the group whose {@code cols} equal those of {@code row} (hash {@code h}), or
     * {@code -1 - i} when there is none and {@code i} is the empty slot where it would go.
     */
    private int slotOf(Object[] row, int h) {
        int i = h & mask;
        Object s;
        while ((s = slots[i]) != null) {
            if (tags[i] == (byte) (h >>> 24) && rowMatches(first(s), row)) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1 - i;
    }

    /** Puts a new group's first row in the empty slot {@code i}. */
    private void place(int i, Object[] row, int h) {
        slots[i] = row;
        tags[i] = (byte) (h >>> 24);
        if (++used * 4 > slots.length * 3) {
            resize(slots.length * 2);
        }
    }

    /** The rows whose {@code cols} equal those of {@code row}: what {@link #get} returns. */
    public Object getByRow(Object[] row) {
        int i = slotOf(row, rowHash(row));
        return i >= 0 ? slots[i] : null;
    }

    /**
     * Makes this index the one that holds its relation's rows: buckets hash past {@code limit}
     * rows, by value (they answer membership); only while the index is empty.
     */
    public void holdRows(int limit) {
        if (used != 0) {
            throw new IllegalStateException("the index already holds rows");
        }
        bucketArrayLimit = limit;
        identityBuckets = false;
    }

    /** Raw slot access for iteration: each slot is null or what {@link #get} returns. */
    public int capacity() {
        return slots.length;
    }

    public Object slot(int i) {
        return slots[i];
    }

    /**
     * Adds {@code row} unless a row equal to it in every column is already here (the index is
     * then the relation's only copy of its rows); returns whether it was added. One probe.
     */
    public boolean addIfAbsent(Object[] row) {
        int h = rowHash(row);
        int i = slotOf(row, h);
        if (i < 0) {
            place(-1 - i, row, h);
            return true;
        }
        if (find(slots[i], row) != null) {
            return false;
        }
        join(i, row);
        return true;
    }

    /**
     * For an index on a key: adds {@code row} when no row holds its key, else returns the row
     * that does (nothing is added). One probe.
     */
    public Object[] addUnique(Object[] row) {
        int h = rowHash(row);
        int i = slotOf(row, h);
        if (i >= 0) {
            return first(slots[i]);
        }
        place(-1 - i, row, h);
        return null;
    }

    public void add(Object[] row) {
        int h = rowHash(row);
        int i = slotOf(row, h);
        if (i < 0) {
            place(-1 - i, row, h);
        } else {
            join(i, row);
        }
    }

    /**
     * Adds a row to the group in slot {@code i}. It shares the group's key values: equal
     * values, one object (a directory's thousand entries hold one Long for their parent id).
     */
    private void join(int i, Object[] row) {
        Object s = slots[i];
        Object[] sample = first(s);
        for (int c : cols) {
            row[c] = sample[c];
        }
        slots[i] = join(s, row, bucketArrayLimit, identityBuckets);
    }

    /** Removes {@code row} (the same array that was added). */
    public void remove(Object[] row) {
        int i = slotOf(row, rowHash(row));
        if (i < 0) {
            return;
        }
        Object left = leave(slots[i], row);
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
            Object s = slots[j];
            if (s == null) {
                break;
            }
            int home = rowHash(first(s)) & mask;
            byte tag = tags[j];
            boolean inRange = gap <= j ? (home > gap && home <= j) : (home > gap || home <= j);
            if (!inRange) {
                slots[gap] = s;
                tags[gap] = tag;
                gap = j;
            }
        }
        slots[gap] = null;
        tags[gap] = 0;
        if (slots.length > RowSet.KEPT_ON_REMOVE && used * 8 < slots.length) {
            resize(slots.length / 2);
        }
    }

    private void resize(int capacity) {
        Object[] old = slots;
        slots = new Object[capacity];
        tags = new byte[capacity];
        mask = capacity - 1;
        for (Object s : old) {
            if (s != null) {
                int h = rowHash(first(s));
                int i = h & mask;
                while (slots[i] != null) {
                    i = (i + 1) & mask;
                }
                slots[i] = s;
                tags[i] = (byte) (h >>> 24);
            }
        }
    }

    /** Empties the index, keeping its arrays while they fit what it held (see RowSet.clear). */
    public void clear() {
        if (slots.length > 64 && (slots.length > 8 * used || slots.length > (1 << 18))) {
            int capacity = Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, used)) * 4);
            slots = new Object[capacity];
            tags = new byte[capacity];
            mask = capacity - 1;
        } else {
            java.util.Arrays.fill(slots, null);
        }
        used = 0;
    }
}
