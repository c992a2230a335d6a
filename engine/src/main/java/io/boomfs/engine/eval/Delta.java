package io.boomfs.engine.eval;

import io.boomfs.engine.store.Index;
import io.boomfs.engine.store.RowSet;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The net change of one relation over a span of time (a step, or between two steps): rows
 * added and rows removed, a row added then removed again counting as no change.
 */
final class Delta {
    final RowSet plus = new RowSet(null);
    final RowSet minus = new RowSet(null);
    private Map<String, Index> minusIndexes;

    void added(Object[] row) {
        if (minus.remove(row) == null) {
            plus.add(row);
        }
        minusIndexes = null;
    }

    void removed(Object[] row) {
        if (plus.remove(row) == null) {
            minus.add(row);
        }
        minusIndexes = null;
    }

    boolean isEmpty() {
        return plus.isEmpty() && minus.isEmpty();
    }

    void clear() {
        plus.clear();
        minus.clear();
        minusIndexes = null;
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
