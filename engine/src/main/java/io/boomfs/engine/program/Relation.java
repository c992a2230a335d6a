package io.boomfs.engine.program;

import io.boomfs.engine.lang.Type;

import java.util.Arrays;

/**
 * A relation of a compiled program. User relations keep their names; relations the compiler
 * adds (the head set of a deferred rule, an aggregate's result, the received part of a derived
 * event) have names containing '$' and never appear in output.
 */
public final class Relation {
    public enum Kind {
        /** Base state; changed by the host, inbound tuples, instant inserts and the transition. */
        TABLE,
        /** Derived: exactly what its rules derive from the current state. */
        VIEW,
        /** Base, lives for one step: inbound tuples, {@code @next} events, timers. */
        EVENT,
        /** Derived, lives as long as its derivation (an event defined by rules). */
        DERIVED_EVENT,
        /** Maintained by the node itself: self, sys_step, sys_relation, sys_rule. */
        BUILTIN
    }

    public final int id;
    public final String name;
    public final Kind kind;
    public final boolean durable;
    public final String[] columns;
    public final Type[] types;
    public final boolean located;
    /** Key columns; all columns when the declaration has no key. */
    public final int[] key;
    public final long timerPeriodMs;
    public boolean watched;
    public boolean internal;
    /** Where inbound tuples for this relation go: itself or its hidden received part. */
    public Relation receivedInto;
    public int stratum = -1;
    public boolean readByRules;

    public Relation(int id, String name, Kind kind, boolean durable, String[] columns, Type[] types,
                    boolean located, int[] key, long timerPeriodMs) {
        this.id = id;
        this.name = name;
        this.kind = kind;
        this.durable = durable;
        this.columns = columns;
        this.types = types;
        this.located = located;
        this.key = key;
        this.timerPeriodMs = timerPeriodMs;
        this.receivedInto = this;
    }

    public int arity() {
        return columns.length;
    }

    public boolean isDerived() {
        return kind == Kind.VIEW || kind == Kind.DERIVED_EVENT;
    }

    public boolean isTimer() {
        return timerPeriodMs > 0;
    }

    /** Whether the key is a strict subset of the columns (so two tuples may share it). */
    public boolean hasProperKey() {
        return key.length < columns.length;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(columns);
    }
}
