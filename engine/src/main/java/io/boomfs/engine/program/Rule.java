package io.boomfs.engine.program;

import io.boomfs.engine.lang.Pos;

import java.util.List;

/**
 * A compiled rule: its body derives tuples of {@link #head}, which is always a derived relation
 * (a view, a derived event, or a hidden relation that a {@link Action} reads).
 */
public final class Rule {
    public enum AggFn { COUNT_STAR, COUNT, SUM, MIN, MAX, AVG, SET, LIST }

    /** An aggregate in head position {@code column} over the frame slot {@code slot} (-1 for *). */
    public record Agg(int column, AggFn fn, int slot) {
    }

    public final int id;
    public final String label;
    public final Pos pos;
    public final String text;
    public final Relation head;
    /** Head term i is headExprs[i]; null at aggregate positions. */
    public final CExpr[] headExprs;
    /** Slot of head term i when it is a plain variable, else -1. */
    public final int[] headSlots;
    public final List<Lit> body;
    public final int frameSize;
    public final List<Agg> aggs;
    public final String[] varNames;
    /** Whether every function the rule calls is pure: a match's values depend on its tuples alone. */
    public final boolean pure;

    public Rule(int id, String label, Pos pos, String text, Relation head, CExpr[] headExprs, int[] headSlots,
                List<Lit> body, int frameSize, List<Agg> aggs, String[] varNames, boolean pure) {
        this.id = id;
        this.label = label;
        this.pos = pos;
        this.text = text;
        this.head = head;
        this.headExprs = headExprs;
        this.headSlots = headSlots;
        this.body = body;
        this.frameSize = frameSize;
        this.aggs = aggs;
        this.varNames = varNames;
        this.pure = pure;
    }

    public boolean isAggregate() {
        return !aggs.isEmpty();
    }

    /** How the rule is named in messages: its label, or file:line:col. */
    public String name() {
        return label != null ? label : pos.toString();
    }

    @Override
    public String toString() {
        return name() + ": " + text;
    }
}
