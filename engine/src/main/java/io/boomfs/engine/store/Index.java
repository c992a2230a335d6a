package io.boomfs.engine.store;

import java.util.Objects;

/**
 * A secondary hash index: the rows whose values in {@code cols} are equal, found in one probe.
 * A probe returns null, a single row ({@code Object[]}) or a {@link Bucket}; rows are the
 * same arrays as in the relation's primary set, and removal is by identity.
 */
public final class Index {
    private static final int MIN_CAPACITY = 8;
    private final int[] cols;
    private int bucketArrayLimit;
    /**
     * Whether big buckets tell rows apart by identity: true for an index that only adds,
     * removes (the same arrays) and iterates; false for the index that holds a relation's rows,
     * whose buckets answer membership by value ({@link Bucket#find}).
     */
    private boolean identityBuckets;
    private Object[] slots;
    /** One byte of each slot's hash: most probes end without following the slot's pointer. */
    private byte[] tags;
    private int used;
    private int mask;

    /**
     * Several rows sharing one key. Small buckets are arrays; big ones hash their rows. A bucket
     * is 24 bytes: it keeps no limit of its own (its index passes it) and no sample row apart:
     * {@code rows[0]} is one of its rows (the array keeps it there as rows leave; a big bucket
     * keeps a one-row array for it).
     */
    public static final class Bucket {
        Object[][] rows = new Object[4][];
        int n;
        RowSet big;

        public int size() {
            return big != null ? big.size() : n;
        }

        /** Rows as an array snapshot-free view: valid until the bucket changes. */
        public Object[][] rows() {
            return big != null ? big.toArray() : rows;
        }

        /** Number of valid entries in {@link #rows()}. */
        public int count() {
            return big != null ? big.size() : n;
        }

        /**
         * What a group's slot holds once {@code row} joins it: {@code slot} (a row or a bucket)
         * and {@code row} in one bucket, the slot's own when it has one.
         */
        static Bucket join(Object slot, Object[] row, int arrayLimit, boolean identity) {
            Bucket b;
            if (slot instanceof Bucket held) {
                b = held;
            } else {
                b = new Bucket();
                b.add((Object[]) slot, arrayLimit, identity);
            }
            b.add(row, arrayLimit, identity);
            return b;
        }

        /** One row of the bucket, for comparing keys without touching the rest. */
        Object[] sample() {
            return rows[0];
        }

        /**
         * Adds a row; past {@code arrayLimit} rows the bucket hashes them (see {@link
         * Index#Index(int[], int)}), by identity when {@code identity} (see {@link RowSet#identity()}).
         */
        void add(Object[] row, int arrayLimit, boolean identity) {
            if (big != null) {
                big.add(row);
                return;
            }
            if (n == rows.length) {
                if (n >= arrayLimit) {
                    big = identity ? RowSet.identity() : new RowSet(null);
                    for (int i = 0; i < n; i++) {
                        big.add(rows[i]);
                    }
                    rows = new Object[][] {rows[0]};
                    big.add(row);
                    return;
                }
                rows = java.util.Arrays.copyOf(rows, n * 2);
            }
            rows[n++] = row;
        }

        boolean remove(Object[] row) {
            if (big != null) {
                boolean removed = big.remove(row) != null;
                if (row == rows[0]) {
                    rows[0] = anyBigRow();
                }
                return removed;
            }
            for (int i = 0; i < n; i++) {
                if (rows[i] == row) {
                    rows[i] = rows[--n];
                    rows[n] = null;
                    return true;
                }
            }
            return false;
        }

        private Object[] anyBigRow() {
            for (int i = 0; i < big.capacity(); i++) {
                if (big.slot(i) != null) {
                    return big.slot(i);
                }
            }
            return null;
        }

        /** The one row left (when {@link #size()} is 1). */
        Object[] only() {
            return rows[0];
        }

        /** The row of this bucket equal to {@code row} in every column, or null. */
        public Object[] find(Object[] row) {
            if (big != null) {
                return big.get(row);
            }
            for (int i = 0; i < n; i++) {
                if (java.util.Arrays.equals(rows[i], row)) {
                    return rows[i];
                }
            }
            return null;
        }
    }

    /** An index whose buckets hash their rows past 64 (membership tests look through buckets). */
    public Index(int[] cols) {
        this(cols, 64);
    }

    /**
     * @param bucketArrayLimit rows a bucket keeps in a plain array (identity scan to remove,
     *                         about 4 bytes a row) before it hashes them (O(1), about 20 bytes
     *                         a row). An index that only adds, removes and iterates can afford
     *                         long arrays; one used for membership tests cannot.
     */
    public Index(int[] cols, int bucketArrayLimit) {
        this(cols, bucketArrayLimit, false);
    }

    /**
     * @param identityBuckets big buckets hold rows by identity (4 bytes a row less): for an
     *                        index that never answers membership ({@link Bucket#find})
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

    /** Number of keys held by more than one row (each a {@link Bucket}). */
    public int buckets() {
        int n = 0;
        for (Object s : slots) {
            if (s instanceof Bucket) {
                n++;
            }
        }
        return n;
    }

    private int rowHash(Object[] row) {
        int h = 1;
        for (int c : cols) {
            h = h * 31 + RowSet.hashValue(row[c]);
        }
        return RowSet.spread(h);
    }

    /** Hash of probe values given in {@code cols} order. */
    public static int probeHash(Object[] vals) {
        int h = 1;
        for (Object v : vals) {
            h = h * 31 + RowSet.hashValue(v);
        }
        return RowSet.spread(h);
    }

    private static Object[] first(Object slot) {
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

    /** The rows whose {@code cols} equal {@code vals}: null, an {@code Object[]} row or a {@link Bucket}. */
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

    /** The rows whose {@code cols} equal those of {@code row}: null, an {@code Object[]} or a {@link Bucket}. */
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

    /** Raw slot access for iteration: each slot is null, a row or a {@link Bucket}. */
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
        Object s = slots[i];
        if (s instanceof Bucket b ? b.find(row) != null : java.util.Arrays.equals((Object[]) s, row)) {
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
        slots[i] = Bucket.join(s, row, bucketArrayLimit, identityBuckets);
    }

    /** Removes {@code row} (the same array that was added). */
    public void remove(Object[] row) {
        int i = slotOf(row, rowHash(row));
        if (i < 0) {
            return;
        }
        Object s = slots[i];
        if (s instanceof Bucket b) {
            b.remove(row);
            if (b.size() == 1) {
                slots[i] = b.only();
            } else if (b.size() == 0) {
                deleteAt(i);
            }
        } else if (s == row) {
            deleteAt(i);
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
        if (slots.length > MIN_CAPACITY && used * 8 < slots.length) {
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
