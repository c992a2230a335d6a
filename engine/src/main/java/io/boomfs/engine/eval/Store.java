package io.boomfs.engine.eval;

import io.boomfs.engine.program.Relation;
import io.boomfs.engine.store.Index;
import io.boomfs.engine.store.RowSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The rows of one relation with the indexes its rules' plans asked for. A table with a proper
 * key is stored unique on the key (the key lookup is the primary probe); anything else is
 * stored unique on all columns. Mutations go through the evaluator, which records deltas.
 */
final class Store {
    final Relation rel;
    final RowSet primary;
    final boolean keyed;
    private final List<Index> indexes = new ArrayList<>();
    private Index[] indexArray = new Index[0];

    Store(Relation rel) {
        this.rel = rel;
        this.keyed = rel.kind == Relation.Kind.TABLE && rel.hasProperKey();
        this.primary = new RowSet(keyed ? rel.key : null);
    }

    /** Returns the id of an index on {@code cols} (sorted), creating it when new. */
    int indexFor(int[] cols) {
        for (int i = 0; i < indexes.size(); i++) {
            if (Arrays.equals(indexes.get(i).cols(), cols)) {
                return i;
            }
        }
        Index ix = new Index(cols);
        primary.forEach(ix::add);
        indexes.add(ix);
        indexArray = indexes.toArray(new Index[0]);
        return indexes.size() - 1;
    }

    Index index(int id) {
        return indexArray[id];
    }

    int size() {
        return primary.size();
    }

    /** The stored row equal to {@code row} in every column, or null. */
    Object[] find(Object[] row) {
        Object[] r = primary.get(row);
        if (r == null || !keyed || r == row) {
            return r;
        }
        for (int i = 0; i < r.length; i++) {
            if (!Objects.equals(r[i], row[i])) {
                return null;
            }
        }
        return r;
    }

    boolean contains(Object[] row) {
        return find(row) != null;
    }

    /** For a keyed table: the row holding {@code row}'s key (maybe different from it). */
    Object[] keyHolder(Object[] row) {
        return keyed ? primary.get(row) : primary.get(row);
    }

    /** Adds a row whose key is free. */
    void add(Object[] row) {
        primary.add(row);
        for (Index ix : indexArray) {
            ix.add(row);
        }
    }

    /** Removes the stored row equal to {@code row}; returns it, or null when absent. */
    Object[] remove(Object[] row) {
        Object[] stored = find(row);
        if (stored == null) {
            return null;
        }
        primary.remove(stored);
        for (Index ix : indexArray) {
            ix.remove(stored);
        }
        return stored;
    }

    Object[][] snapshot() {
        return primary.toArray();
    }
}
