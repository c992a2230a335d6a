package io.boomfs.engine.program;

/** A compiled body literal. Variables are slots of the rule's frame. */
public sealed interface Lit permits Lit.Atom, Lit.Cond, Lit.Assign {

    /**
     * A positive or negated atom. {@code slots[i]} is the variable slot of term i, or -1 when
     * the term is the constant {@code consts[i]} (or an anonymous variable when {@code wild[i]}).
     */
    record Atom(Relation rel, boolean negated, int[] slots, Object[] consts, boolean[] wild) implements Lit {
    }

    /**
     * A condition; {@code vars} are the slots it reads. {@code eq} is set when it is an equality
     * {@code left == right} whose sides the planner may use as an expression index (else null).
     */
    record Cond(CExpr expr, int[] vars, String text, Equality eq) implements Lit {
    }

    /**
     * {@code slot = expr} (compares when the slot is already bound, unless bindOnly). {@code eq}
     * is the comparison the literal makes when the slot is bound: the variable and the
     * expression as its two sides (null for {@code :=}, which only binds).
     */
    record Assign(int slot, CExpr expr, int[] vars, boolean bindOnly, Equality eq) implements Lit {
    }

    /** The two sides of an equality literal; it holds when they evaluate to equal values. */
    record Equality(Side left, Side right) {
    }

    /**
     * One side of an equality literal, for expression indexes (see eval.Plan): the compiled
     * expression, the slots it reads, and a text of it that names its variables apart:
     * {@code parts} has one element more than {@code partSlots}, and the variable in slot
     * {@code partSlots[i]} stands between {@code parts[i]} and {@code parts[i + 1]}. The text
     * tells every constant's type and every variable's static type (the compiled expression
     * depends on them: {@code +} of strings concatenates), so two sides whose texts are equal
     * once each variable is replaced by the same thing compute the same function. {@code pure}
     * when every function the side calls is pure (Functions.pure).
     */
    record Side(CExpr expr, int[] vars, String[] parts, int[] partSlots, boolean pure) {
    }
}
