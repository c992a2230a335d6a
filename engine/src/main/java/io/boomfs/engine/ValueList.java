package io.boomfs.engine;

import java.util.AbstractList;
import java.util.Collection;
import java.util.List;
import java.util.RandomAccess;

/**
 * An immutable list value (what {@code list(...)}, {@code list<X>} and decoded frames hold) that
 * remembers its hash. A tuple holding a list is hashed and compared at every store it passes
 * through; a Paxos batch is a list of lists, and a java.util list recomputes its hash over every
 * element each time. Equal to, and hashing like, any {@link List} with the same elements.
 */
public final class ValueList extends AbstractList<Object> implements RandomAccess {
    private final Object[] items;
    /** The List hash, computed on first use (0: not yet; a list whose hash is 0 recomputes it). */
    private int hash;
    /**
     * {@link Values#estimatedSize(Object)}, computed on first use (0: not yet; never 0 once
     * known, a list takes 5 bytes at least): a batch is sized when the proposer cuts it and again
     * for every replica it is sent to. (No heap: the object stays 24 bytes.)
     */
    private int wireSize;

    private ValueList(Object[] items) {
        this.items = items;
    }

    /** A list of {@code items}, copied. */
    public static ValueList of(Object... items) {
        return new ValueList(items.clone());
    }

    /** A list of the elements of {@code items}, in their order. */
    public static ValueList copyOf(Collection<?> items) {
        return new ValueList(items.toArray());
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = 1;
            for (Object e : items) {
                h = 31 * h + (e == null ? 0 : e.hashCode());
            }
            hash = h;
        }
        return h;
    }

    /** {@link Values#estimatedSize(Object)} of this list, remembered. */
    long estimatedSize() {
        int w = wireSize;
        if (w != 0) {
            return w;
        }
        long n = 5;
        for (Object e : items) {
            n += Values.estimatedSize(e);
        }
        if (n <= Integer.MAX_VALUE) {
            wireSize = (int) n;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        // Two lists of this kind with different hashes differ: no element is compared. Equal
        // hashes (the usual case: a probe that found its key) compare the arrays directly, not
        // through AbstractList's iterators, which cost most of a join on list-valued keys.
        if (o instanceof ValueList other) {
            if (other.hashCode() != hashCode() || other.items.length != items.length) {
                return false;
            }
            for (int i = 0; i < items.length; i++) {
                Object a = items[i];
                Object b = other.items[i];
                if (a != b && (a == null || !a.equals(b))) {
                    return false;
                }
            }
            return true;
        }
        return super.equals(o);
    }
}
