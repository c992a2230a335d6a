package io.boomfs.engine.program;

/** A compiled body literal. Variables are slots of the rule's frame. */
public sealed interface Lit permits Lit.Atom, Lit.Cond, Lit.Assign {

    /**
     * A positive or negated atom. {@code slots[i]} is the variable slot of term i, or -1 when
     * the term is the constant {@code consts[i]} (or an anonymous variable when {@code wild[i]}).
     */
    record Atom(Relation rel, boolean negated, int[] slots, Object[] consts, boolean[] wild) implements Lit {
    }

    /** A condition; {@code vars} are the slots it reads. */
    record Cond(CExpr expr, int[] vars, String text) implements Lit {
    }

    /** {@code slot = expr} (compares when the slot is already bound, unless bindOnly). */
    record Assign(int slot, CExpr expr, int[] vars, boolean bindOnly) implements Lit {
    }
}
