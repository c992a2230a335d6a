package io.boomfs.engine.program;

/**
 * What happens to the tuples of a hidden head relation {@link #source}: inserted into a table
 * now, inserted or raised at the next step, deleted at the end of the step, or sent.
 */
public record Action(Kind kind, Relation source, Relation target, Rule rule) {
    public enum Kind {
        /** {@code table(...) :- body.}: the table holds every head tuple at the fixpoint. */
        INSERT_NOW,
        /** {@code head@next :- body.}: a table insert/replace or an event at the next step. */
        NEXT,
        /** {@code delete head :- body.}: removed at the end of the step. */
        DELETE,
        /** A head located at another address: sent through the transport. */
        SEND
    }
}
