package io.boomfs.engine;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One fact of a named relation, as it crosses the engine's boundary: inbound messages, host
 * inserts, outbound messages, query results. Values are {@code Long}, {@code Double},
 * {@code String} (also for {@code addr}), {@code Boolean}, {@code null}, or any Java object for
 * columns of type {@code any}. Inside the engine rows are stored without the relation name.
 */
public final class Tuple {
    private final String relation;
    private final Object[] values;

    public Tuple(String relation, Object... values) {
        this.relation = Objects.requireNonNull(relation, "relation");
        this.values = values.clone();
    }

    /** Wraps an array the caller promises not to change afterwards (no copy). */
    public static Tuple wrap(String relation, Object[] values) {
        return new Tuple(relation, values, true);
    }

    private Tuple(String relation, Object[] values, boolean noCopy) {
        this.relation = relation;
        this.values = values;
    }

    public String relation() {
        return relation;
    }

    public int arity() {
        return values.length;
    }

    public Object get(int i) {
        return values[i];
    }

    /** A copy of the values. */
    public Object[] values() {
        return values.clone();
    }

    /** The values without a copy; callers must not change the array. */
    public Object[] valuesUnsafe() {
        return values;
    }

    public List<Object> asList() {
        return Arrays.asList(values.clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tuple t && relation.equals(t.relation) && Arrays.equals(values, t.values);
    }

    @Override
    public int hashCode() {
        return relation.hashCode() * 31 + Arrays.hashCode(values);
    }

    /** The canonical text form {@code name(v1, v2, ...)} used by {@code boom olg run --print}. */
    @Override
    public String toString() {
        return Values.formatTuple(relation, values);
    }
}
