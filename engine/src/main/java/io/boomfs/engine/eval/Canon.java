package io.boomfs.engine.eval;

/**
 * Shares equal numbers among the rows a node keeps. A file's id, its chunk's id and length,
 * its mode and chunk size reach several tables as separate boxes (decoded from the wire, or
 * computed by different rules); each box is 16 bytes of heap for as long as the row lives.
 * Before a row is stored, each {@code Long} in it is looked up in a small direct-mapped table
 * of recently stored numbers and replaced by the box already there when equal. Numbers are
 * compared by value everywhere in the engine, so sharing a box changes nothing but the heap.
 * One table per evaluator (its step thread): no locking.
 */
final class Canon {
    private static final int BITS = 13;
    private final Long[] longs = new Long[1 << BITS];

    /** Replaces each boxed number of {@code row} by an equal box stored before, when the table holds one. */
    void intern(Object[] row) {
        Long[] t = longs;
        for (int i = 0; i < row.length; i++) {
            if (row[i] instanceof Long v) {
                long x = v;
                if (x >= -128 && x <= 127) {
                    continue; // Long.valueOf shares these already
                }
                int at = (int) ((x ^ (x >>> 29)) * 0x9E3779B97F4A7C15L >>> (64 - BITS));
                Long held = t[at];
                if (held != null && held == x) {
                    row[i] = held;
                } else {
                    t[at] = v;
                }
            }
        }
    }
}
