package io.boomfs.engine.eval;

import io.boomfs.engine.store.ExprIndex;
import io.boomfs.engine.store.Index;
import io.boomfs.engine.store.RowSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The net change of one relation over a span of time (a step, or between two steps): rows
 * added and rows removed, a row added then removed again counting as no change.
 */
final class Delta {
    final Added plus = new Added();
    final RowSet minus = new RowSet(null);
    private Map<String, Index> minusIndexes;
    private Map<String, ExprIndex> minusExprIndexes;
    /** The removed rows as an array, kept until they change (see Added's array). */
    private Object[][] minusArray;
    /** Rows in plus and minus: emptiness in one read (a step asks it of every input of a stratum). */
    private int count;
    /** Where the removed rows are counted with the relation's stored rows (see {@link #track}); null if nowhere. */
    private int[] held;
    private int id;

    /**
     * Counts the removed rows in {@code held[id]}, which the relation's store also counts its
     * rows in: zero there means no row now and none removed (IncrementalEvaluator.emptyInput).
     */
    void track(int[] held, int id) {
        this.held = held;
        this.id = id;
    }

    /**
     * The added rows. A bulk load adds a million rows and removes none, so they are kept in a
     * list; the set needed to net a removal against them is built on the first removal.
     */
    static final class Added {
        private List<Object[]> list = new ArrayList<>();
        private RowSet set;
        /**
         * The rows as an array, kept until they change: every stratum that reads the relation
         * seeds its rules with them (a relation such as sys_now is read by hundreds of strata a
         * step, which copied the list each time: 5% of a replica's samples). Never written to.
         */
        private Object[][] array;

        void add(Object[] row) {
            array = null;
            if (set != null) {
                set.add(row);
            } else {
                list.add(row);
            }
        }

        boolean remove(Object[] row) {
            if (isEmpty() || asSet().remove(row) == null) {
                return false;
            }
            array = null;
            return true;
        }

        boolean containsRow(Object[] row) {
            return !isEmpty() && asSet().containsRow(row);
        }

        private RowSet asSet() {
            if (set == null) {
                set = new RowSet(null);
                for (Object[] r : list) {
                    set.add(r);
                }
                list = null;
            }
            return set;
        }

        boolean isEmpty() {
            return set != null ? set.isEmpty() : list.isEmpty();
        }

        int size() {
            return set != null ? set.size() : list.size();
        }

        /** The rows; the caller must not change the array. */
        Object[][] toArray() {
            if (array == null) {
                array = set != null ? set.toArray() : list.toArray(new Object[0][]);
            }
            return array;
        }

        void clear() {
            array = null;
            set = null;
            if (list == null || list.size() > 1024) {
                list = new ArrayList<>();
            } else {
                list.clear();
            }
        }
    }

    void added(Object[] row) {
        if (minus.isEmpty() || minus.remove(row) == null) {
            plus.add(row);
        } else {
            minusChanged();
            if (held != null) {
                held[id]--;
            }
        }
        count = plus.size() + minus.size();
    }

    void removed(Object[] row) {
        if (!plus.remove(row)) {
            minus.add(row);
            minusChanged();
            if (held != null) {
                held[id]++;
            }
        }
        count = plus.size() + minus.size();
    }

    /** Drops what was built over the removed rows. */
    private void minusChanged() {
        minusIndexes = null;
        minusExprIndexes = null;
        minusArray = null;
    }

    boolean isEmpty() {
        return count == 0;
    }

    void clear() {
        if (count > 0) {
            if (held != null) {
                held[id] -= minus.size();
            }
            plus.clear();
            minus.clear();
            count = 0;
        }
        minusChanged();
    }

    /** The removed rows; the caller must not change the array. */
    Object[][] minusArray() {
        if (minusArray == null) {
            minusArray = minus.toArray();
        }
        return minusArray;
    }

    /** An expression index over the removed rows (see Plan), built on first use. */
    ExprIndex minusExprIndex(String name, ExprIndex.RowKey key) {
        if (minusExprIndexes == null) {
            minusExprIndexes = new HashMap<>();
        }
        return minusExprIndexes.computeIfAbsent(name, k -> {
            ExprIndex ix = new ExprIndex(key, 64);
            minus.forEach(ix::add);
            return ix;
        });
    }

    /** An index over the removed rows on {@code cols}, built on first use. */
    Index minusIndex(int[] cols) {
        if (minusIndexes == null) {
            minusIndexes = new HashMap<>();
        }
        return minusIndexes.computeIfAbsent(Arrays.toString(cols), k -> {
            Index ix = new Index(cols);
            minus.forEach(ix::add);
            return ix;
        });
    }
}
