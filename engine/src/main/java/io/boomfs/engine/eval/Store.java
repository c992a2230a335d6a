package io.boomfs.engine.eval;

import io.boomfs.engine.program.Relation;
import io.boomfs.engine.store.ExprIndex;
import io.boomfs.engine.store.Index;
import io.boomfs.engine.store.RowSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The rows of one relation with the indexes its rules' plans asked for. A table with a proper
 * key is stored unique on the key (the key lookup is the primary probe). Any other relation
 * is a set of rows: when its plans asked for an index, the rows live in that index alone (a
 * bucket holds the rows sharing the index columns; membership is a probe and a look through
 * the bucket), which spares a second table per row; otherwise in a set on all columns.
 */
final class Store {
    final Relation rel;
    /** Null when {@link #rowsIndex} holds the rows. */
    RowSet primary;
    final boolean keyed;
    private Index rowsIndex;
    private int size;
    private final List<Index> indexes = new ArrayList<>();
    private Index[] indexArray = new Index[0];
    /** Expression indexes by their canonical name (see Plan), and in creation order. */
    private final List<String> exprNames = new ArrayList<>();
    private ExprIndex[] exprArray = new ExprIndex[0];
    /**
     * Shares equal numbers with other stored rows; null but for tables (a view's numbers come
     * from the rows it is derived from, already shared, and most views live an op or a step).
     */
    private final Canon canon;
    /** Where the rows are counted with the removed rows of the relation's delta (see Delta.track); null if nowhere. */
    private int[] held;
    private int id;

    Store(Relation rel) {
        this(rel, null);
    }

    /** A store whose rows share equal numbers through {@code canon} (when the relation is a table). */
    Store(Relation rel, Canon canon) {
        this.rel = rel;
        this.canon = rel.kind == Relation.Kind.TABLE ? canon : null;
        this.keyed = rel.kind == Relation.Kind.TABLE && rel.hasProperKey();
        if (keyed) {
            // One row per key: an index on the key holds the rows (one byte of hash a slot).
            rowsIndex = new Index(rel.key, 64);
        } else {
            primary = new RowSet(null);
        }
    }

    /** Returns the id of an index on {@code cols} (sorted), creating it when new. */
    int indexFor(int[] cols) {
        for (int i = 0; i < indexes.size(); i++) {
            if (Arrays.equals(indexes.get(i).cols(), cols)) {
                return i;
            }
        }
        // A secondary index only adds, removes (by identity) and iterates its buckets: a
        // directory of a thousand entries stays a plain array (4 bytes a row, not 20).
        Index ix = new Index(cols, 1024, true);
        forEach(ix::add);
        indexes.add(ix);
        indexArray = indexes.toArray(new Index[0]);
        return indexes.size() - 1;
    }

    /**
     * Returns the id of the expression index called {@code name}, creating it with {@code key}
     * when new. Plans that name their index the same way (the key's expressions written over
     * column numbers) share it.
     */
    int exprIndexFor(String name, ExprIndex.RowKey key) {
        int at = exprNames.indexOf(name);
        if (at >= 0) {
            return at;
        }
        // Like a secondary index, it only adds, removes (by identity) and iterates buckets.
        ExprIndex ix = new ExprIndex(key, 1024, true);
        forEach(ix::add);
        exprNames.add(name);
        exprArray = Arrays.copyOf(exprArray, exprArray.length + 1);
        exprArray[exprArray.length - 1] = ix;
        return exprArray.length - 1;
    }

    ExprIndex exprIndex(int id) {
        return exprArray[id];
    }

    /** Once every plan is compiled: a relation without a proper key keeps its rows in its first index. */
    void seal() {
        if (!keyed && !indexes.isEmpty() && size == 0) {
            rowsIndex = indexes.get(0);
            rowsIndex.holdRows(64);
            primary = null;
        }
    }

    /** Counts the rows in {@code held[id]} as well (see Delta.track). */
    void track(int[] held, int id) {
        this.held = held;
        this.id = id;
        held[id] += size;
    }

    Index index(int id) {
        return indexArray[id];
    }

    int size() {
        return size;
    }

    /** The stored row equal to {@code row} in every column, or null. */
    Object[] find(Object[] row) {
        if (rowsIndex != null) {
            return Index.find(rowsIndex.getByRow(row), row);
        }
        return primary.get(row);
    }


    boolean contains(Object[] row) {
        return find(row) != null;
    }

    /** The row holding {@code row}'s key (for a keyed table maybe different from it). */
    Object[] keyHolder(Object[] row) {
        return keyed ? (Object[]) rowsIndex.getByRow(row) : find(row);
    }

    /** Adds a row whose key is free. */
    void add(Object[] row) {
        if (canon != null) {
            canon.intern(row);
        }
        if (primary != null) {
            primary.add(row);
        } else if (keyed) {
            rowsIndex.addUnique(row);
        }
        for (Index ix : indexArray) {
            ix.add(row);
        }
        addToExprIndexes(row);
        size++;
        rowsNow = null;
        if (held != null) {
            held[id]++;
        }
    }

    private void addToExprIndexes(Object[] row) {
        for (ExprIndex ix : exprArray) {
            ix.add(row);
        }
    }

    /**
     * Adds {@code row} when its key is free, in one probe of the primary table; otherwise
     * returns the row that holds the key (equal to {@code row}, or for a keyed table maybe not).
     */
    Object[] addOrHolder(Object[] row) {
        if (canon != null) {
            canon.intern(row);
        }
        if (keyed) {
            Object[] holder = rowsIndex.addUnique(row);
            if (holder != null) {
                return holder;
            }
            for (Index ix : indexArray) {
                ix.add(row);
            }
            addToExprIndexes(row);
        } else if (rowsIndex != null) {
            if (!rowsIndex.addIfAbsent(row)) {
                return find(row);
            }
            for (Index ix : indexArray) {
                if (ix != rowsIndex) {
                    ix.add(row);
                }
            }
            addToExprIndexes(row);
        } else {
            Object[] held = primary.add(row);
            if (held != null) {
                return held;
            }
            for (Index ix : indexArray) {
                ix.add(row);
            }
            addToExprIndexes(row);
        }
        size++;
        rowsNow = null;
        if (held != null) {
            held[id]++;
        }
        return null;
    }

    /** Removes the stored row equal to {@code row}; returns it, or null when absent. */
    Object[] remove(Object[] row) {
        Object[] stored = find(row);
        if (stored == null) {
            return null;
        }
        if (primary != null) {
            primary.remove(stored);
        } else if (keyed) {
            rowsIndex.remove(stored);
        }
        for (Index ix : indexArray) {
            ix.remove(stored);
        }
        for (ExprIndex ix : exprArray) {
            ix.remove(stored);
        }
        size--;
        rowsNow = null;
        if (held != null) {
            held[id]--;
        }
        return stored;
    }

    /** Removes every row at once (a relation that lives one step). */
    void clear() {
        if (primary != null) {
            primary.clear();
        } else if (keyed) {
            rowsIndex.clear();
        }
        for (Index ix : indexArray) {
            ix.clear();
        }
        for (ExprIndex ix : exprArray) {
            ix.clear();
        }
        if (held != null) {
            held[id] -= size;
        }
        size = 0;
        rowsNow = null;
    }

    void forEach(java.util.function.Consumer<Object[]> action) {
        if (rowsIndex == null) {
            primary.forEach(action);
            return;
        }
        for (int k = 0; k < rowsIndex.capacity(); k++) {
            Object s = rowsIndex.slot(k);
            if (s != null) {
                Object[][] rows = Index.rows(s);
                for (int i = 0, n = Index.count(s); i < n; i++) {
                    action.accept(rows[i]);
                }
            }
        }
    }

    /** One line: rows, then each index as cols:keys/buckets (the rows' own index first, marked *). */
    String describe() {
        StringBuilder sb = new StringBuilder(String.format("%-16s %,10d rows", rel.name, size));
        if (rowsIndex != null) {
            sb.append(String.format("  *%s:%,d/%,d", Arrays.toString(rowsIndex.cols()), rowsIndex.keys(), rowsIndex.buckets()));
        }
        for (Index ix : indexArray) {
            if (ix != rowsIndex) {
                sb.append(String.format("  %s:%,d/%,d", Arrays.toString(ix.cols()), ix.keys(), ix.buckets()));
            }
        }
        for (int i = 0; i < exprArray.length; i++) {
            sb.append(String.format("  {%s}:%,d", exprNames.get(i), exprArray[i].groups()));
        }
        return sb.toString();
    }

    /**
     * The rows as an array shared until the store changes, for readers that only iterate it:
     * a stratum derived from scratch seeds each of its rules from the whole of a lower
     * relation, and scans read a relation whole, several times a step (a fresh array each
     * time, gathered from the slots of a sparse table, was 5% of a leader's samples serving stats).
     * Callers must not modify it.
     */
    Object[][] rowsNow() {
        Object[][] r = rowsNow;
        if (r == null) {
            r = snapshot();
            rowsNow = r;
        }
        return r;
    }

    /** {@link #rowsNow()}, or null once the store changed. */
    private Object[][] rowsNow;

    /** The rows in a new array. */
    Object[][] snapshot() {
        if (rowsIndex == null) {
            return primary.toArray();
        }
        if (size == 0) {
            return RowSet.NO_ROWS;
        }
        Object[][] out = new Object[size][];
        int[] n = {0};
        forEach(r -> out[n[0]++] = r);
        return out;
    }
}
