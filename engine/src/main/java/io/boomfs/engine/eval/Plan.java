package io.boomfs.engine.eval;

import io.boomfs.engine.program.CExpr;
import io.boomfs.engine.program.Lit;
import io.boomfs.engine.program.Rule;
import io.boomfs.engine.store.ExprIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A join order for one rule, given the literal its rows start from (the seed) and the variables
 * bound before the first literal. The planner is greedy: conditions, assignments and negations
 * as soon as their variables are bound, then the atom with the most bound columns. Each atom
 * gets the cheapest access its bound columns allow: a membership test, the table's key, a
 * secondary index on exactly those columns (created on the relation), or a scan.
 *
 * <p>Expression indexes: an equality literal {@code L == R} (or {@code X = R} with X bound)
 * whose one side is known before the atom (its variables bound) and whose other side reads only
 * variables the atom binds from its columns, both sides calling pure functions only, says the
 * atom's rows have a known value of R. When the atom would otherwise be scanned or probed by a
 * secondary index, such literals extend the access to an {@link ExprIndex} keyed on the bound
 * columns and the values of those expressions on each row: one probe. The index stands for the
 * literals it consumes, which the plan then leaves out: a row is found exactly when the values
 * are equal, and a row on which an expression fails is never found (LANGUAGE.md: a failing body
 * expression makes its literal false). Negated atoms do not use expression indexes.
 */
final class Plan {
    static final int SEED = 0;
    static final int SCAN = 1;
    static final int MEMBER = 2;
    static final int KEY = 3;
    static final int INDEX = 4;
    static final int FILTER = 5;
    static final int ASSIGN = 6;
    static final int CHECK = 7;
    static final int NOTIN = 8;
    static final int EXPR = 9;

    /** One step of the plan. Atom fields are set for SEED/SCAN/MEMBER/KEY/INDEX/NOTIN. */
    static final class Op {
        int kind;
        Lit.Atom atom;
        Store store;
        int indexId = -1;
        /** Columns whose values are known before the row is fetched, and where they come from. */
        int[] probeCols;
        int[] probeSlots;
        Object[] probeConsts;
        /** Columns the access guarantees equal (the index or key columns). */
        int[] accessCols;
        /** After fetching: columns to compare with a bound slot or a constant, and to bind. */
        int[] checkCols;
        int[] checkSlots;
        Object[] checkConsts;
        int[] bindCols;
        int[] bindSlots;
        /** For FILTER/ASSIGN/CHECK. */
        CExpr expr;
        int slot;
        /** The atom's relation is not derived in the stratum being evaluated (see phase 1). */
        boolean lower;
        /**
         * A positive atom of a lower relation that comes before the seed literal in the body:
         * when the plan runs on the insert phase's new rows, a match whose row here is new too
         * is left to the run seeded with this atom's new rows (see IncrementalEvaluator.earlierNew).
         */
        boolean earlier;
        /** EXPR: the index, its name and key, and the known sides, probed after the accessCols' values. */
        int exprIndexId = -1;
        String exprName;
        ExprIndex.RowKey exprKey;
        CExpr[] probeExprs;
        /**
         * EXPR: where each probe value comes from: k >= 0 the k-th probe column's slot or
         * constant, -1 - j the j-th known side.
         */
        int[] probeSource;
        /** Scratch arrays: a probe row (MEMBER/KEY/NOTIN) and probe values (INDEX/EXPR). */
        Object[] scratchRow;
        Object[] scratchVals;
    }

    final Rule rule;
    final Op[] ops;
    /** Whether an op scans a relation of the stratum being evaluated (see IncrementalEvaluator.Fresh). */
    final boolean scansStratum;
    /**
     * The positive atoms the plan reads after its seed: while one of their relations holds no
     * row (and lost none this step), the plan matches nothing and need not run. An event absent
     * this step is the common case: ns_dead_file(F) :- ns_dead_writer(H), fstate(F, _, "open",
     * H, _), ... seeded by an ownership change went through every open file first (20 ms a
     * step at 100,000 files) to find no dead writer. Relation ids, asked of the evaluator's
     * arrays before every run of the plan (through the ops, the check was 8% of a replica's
     * samples: several dependent loads a need).
     */
    final int[] needs;

    private Plan(Rule rule, Op[] ops, int stratum) {
        this.rule = rule;
        this.ops = ops;
        boolean scans = false;
        List<Op> needs = new ArrayList<>();
        for (Op op : ops) {
            scans |= op.kind == SCAN && op.atom.rel().stratum == stratum;
            if ((op.kind == SCAN || op.kind == MEMBER || op.kind == KEY || op.kind == INDEX || op.kind == EXPR)
                && op.atom != null && op.store != null && !op.atom.negated()) {
                needs.add(op);
            }
        }
        this.scansStratum = scans;
        this.needs = needs.stream().mapToInt(op -> op.atom.rel().id).distinct().toArray();
    }

    /**
     * Plans {@code rule}.
     *
     * @param seedLit      index in the body of the literal whose rows are given (-1: none)
     * @param keepSeedNot  when the seed is a negated literal: also test the negation afterwards
     * @param initialBound slots bound before the plan starts (e.g. from a head tuple)
     * @param stores       the stores of all relations, by relation id
     * @param stratum      the stratum being evaluated (to tell same-stratum derived relations)
     */
    static Plan compile(Rule rule, int seedLit, boolean keepSeedNot, boolean[] initialBound, Store[] stores, int stratum) {
        boolean[] bound = initialBound == null ? new boolean[rule.frameSize] : initialBound.clone();
        List<Integer> remaining = new ArrayList<>();
        for (int i = 0; i < rule.body.size(); i++) {
            if (i != seedLit || (keepSeedNot && ((Lit.Atom) rule.body.get(i)).negated())) {
                remaining.add(i);
            }
        }
        List<Op> ops = new ArrayList<>();
        if (seedLit >= 0) {
            Lit.Atom a = (Lit.Atom) rule.body.get(seedLit);
            ops.add(atomOp(SEED, a, bound, stores, stratum));
        }
        while (!remaining.isEmpty()) {
            int pick = -1;
            for (int li : remaining) {
                if (ready(rule.body.get(li), bound)) {
                    pick = li;
                    break;
                }
            }
            if (pick >= 0) {
                remaining.remove((Integer) pick);
                ops.add(simpleOp(rule.body.get(pick), bound, stores, stratum));
                continue;
            }
            int best = -1;
            int bestScore = Integer.MIN_VALUE;
            List<ExprKey> bestKeys = List.of();
            for (int li : remaining) {
                if (rule.body.get(li) instanceof Lit.Atom a && !a.negated()) {
                    List<ExprKey> keys = exprKeys(rule, remaining, a, bound, stores);
                    int score = score(a, bound, stores, keys.size());
                    if (score > bestScore) {
                        bestScore = score;
                        best = li;
                        bestKeys = keys;
                    }
                }
            }
            if (best < 0) {
                throw new IllegalStateException("no literal of rule " + rule + " can be evaluated next; the checker"
                    + " should have rejected it as unsafe");
            }
            remaining.remove((Integer) best);
            Lit.Atom a = (Lit.Atom) rule.body.get(best);
            if (bestKeys.isEmpty()) {
                ops.add(atomOp(accessKind(a, bound, stores), a, bound, stores, stratum));
            } else {
                for (ExprKey k : bestKeys) {
                    remaining.remove((Integer) k.lit());
                }
                ops.add(exprOp(rule, a, bestKeys, bound, stores, stratum));
            }
        }
        if (seedLit >= 0 && !((Lit.Atom) rule.body.get(seedLit)).negated()) {
            for (Op op : ops) {
                if (op.kind != SEED && op.atom != null && !op.atom.negated() && op.lower && bodyIndex(rule, op.atom) < seedLit) {
                    op.earlier = true;
                }
            }
        }
        return new Plan(rule, ops.toArray(new Op[0]), stratum);
    }

    private static int bodyIndex(Rule rule, Lit.Atom atom) {
        for (int i = 0; i < rule.body.size(); i++) {
            if (rule.body.get(i) == atom) {
                return i;
            }
        }
        throw new IllegalStateException("an op's atom is not in its rule's body: " + atom);
    }

    private static boolean ready(Lit l, boolean[] bound) {
        if (l instanceof Lit.Cond c) {
            return allBound(c.vars(), bound);
        }
        if (l instanceof Lit.Assign a) {
            return allBound(a.vars(), bound);
        }
        Lit.Atom a = (Lit.Atom) l;
        if (!a.negated()) {
            return false;
        }
        for (int i = 0; i < a.slots().length; i++) {
            if (a.slots()[i] >= 0 && !a.wild()[i] && !bound[a.slots()[i]]) {
                return false;
            }
        }
        return true;
    }

    private static boolean allBound(int[] vars, boolean[] bound) {
        for (int v : vars) {
            if (!bound[v]) {
                return false;
            }
        }
        return true;
    }

    private static int score(Lit.Atom a, boolean[] bound, Store[] stores, int exprKeys) {
        int known = exprKeys;
        for (int i = 0; i < a.slots().length; i++) {
            if (a.slots()[i] < 0 || (!a.wild()[i] && bound[a.slots()[i]])) {
                known++;
            }
        }
        int kind = exprKeys > 0 ? INDEX : accessKind(a, bound, stores);
        int bonus = kind == MEMBER ? 3000 : kind == KEY ? 2000 : kind == INDEX ? 1000 : 0;
        return bonus + known * 10 - a.slots().length;
    }

    private static int[] knownCols(Lit.Atom a, boolean[] bound) {
        int[] cols = new int[a.slots().length];
        int n = 0;
        for (int i = 0; i < a.slots().length; i++) {
            if (a.slots()[i] < 0 || (!a.wild()[i] && bound[a.slots()[i]])) {
                cols[n++] = i;
            }
        }
        return Arrays.copyOf(cols, n);
    }

    private static int accessKind(Lit.Atom a, boolean[] bound, Store[] stores) {
        int[] known = knownCols(a, bound);
        Store s = stores[a.rel().id];
        if (known.length == a.slots().length) {
            return MEMBER;
        }
        if (s.keyed && containsAll(known, a.rel().key)) {
            return KEY;
        }
        return known.length > 0 ? INDEX : SCAN;
    }

    /** An equality literal (body index {@code lit}) as a key part of an atom's access. */
    private record ExprKey(int lit, Lit.Side known, Lit.Side onRow) {
    }

    /**
     * The equality literals among {@code remaining} that can extend the access of {@code a} (see
     * the class comment); none when the atom's bound columns allow a membership test or a key
     * probe already, which an expression index would not improve.
     */
    private static List<ExprKey> exprKeys(Rule rule, List<Integer> remaining, Lit.Atom a, boolean[] bound, Store[] stores) {
        int kind = accessKind(a, bound, stores);
        if (kind != INDEX && kind != SCAN) {
            return List.of();
        }
        // A key computed from the row is computed for every row the relation gains: worth it on a
        // table (state that stays), not on an event or a view (rows of one op that come and go
        // every step: keying `apply` by list("a", S, I) cost every op of the namespace a list and
        // an index insert per replica, +22% CPU per create). Plain columns cost nothing extra.
        boolean computed = a.rel().kind == io.boomfs.engine.program.Relation.Kind.TABLE;
        List<ExprKey> keys = new ArrayList<>();
        for (int li : remaining) {
            Lit.Equality eq = equality(rule.body.get(li), bound);
            if (eq == null) {
                continue;
            }
            if (isKnown(eq.left(), bound) && readsOnlyRow(eq.right(), a, bound) && (computed || plain(eq.right(), a))) {
                keys.add(new ExprKey(li, eq.left(), eq.right()));
            } else if (isKnown(eq.right(), bound) && readsOnlyRow(eq.left(), a, bound) && (computed || plain(eq.left(), a))) {
                keys.add(new ExprKey(li, eq.right(), eq.left()));
            }
        }
        return keys;
    }

    /** Whether {@code side} is a plain variable of a column of {@code a}. */
    private static boolean plain(Lit.Side side, Lit.Atom a) {
        return side.partSlots().length == 1 && side.parts()[0].isEmpty() && side.parts()[1].matches(":\\w+")
            && columnOf(a, side.partSlots()[0]) >= 0;
    }

    /** The comparison a literal makes, or null when it makes none (or binds instead). */
    private static Lit.Equality equality(Lit l, boolean[] bound) {
        if (l instanceof Lit.Cond c) {
            return c.eq();
        }
        if (l instanceof Lit.Assign as && !as.bindOnly() && bound[as.slot()]) {
            return as.eq();
        }
        return null;
    }

    private static boolean isKnown(Lit.Side side, boolean[] bound) {
        return side.pure() && allBound(side.vars(), bound);
    }

    /** Whether {@code side} is pure and reads variables, each one that {@code a} binds from a column. */
    private static boolean readsOnlyRow(Lit.Side side, Lit.Atom a, boolean[] bound) {
        if (!side.pure() || side.vars().length == 0) {
            return false;
        }
        for (int v : side.vars()) {
            if (bound[v] || columnOf(a, v) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The first column of {@code a} that binds slot {@code v}, or -1. */
    private static int columnOf(Lit.Atom a, int v) {
        for (int i = 0; i < a.slots().length; i++) {
            if (a.slots()[i] == v && !a.wild()[i]) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The access of {@code a} through an expression index on its bound columns and the row sides
     * of {@code keys}. The index is named by its bound columns and each row side's text with its
     * variables written as the columns they come from, so every rule asking for the same key
     * shares one index. When every row side is a plain variable of a column of its own, the key
     * is a set of columns: the access is then the secondary index on them, probed with values
     * the known sides compute.
     */
    private static Op exprOp(Rule rule, Lit.Atom a, List<ExprKey> keys, boolean[] bound, Store[] stores, int stratum) {
        int[] known = knownCols(a, bound);
        int m = keys.size();
        CExpr[] probeExprs = new CExpr[m];
        for (int j = 0; j < m; j++) {
            probeExprs[j] = keys.get(j).known().expr();
        }
        int[] plainCols = plainColumns(a, keys, known);
        if (plainCols != null) {
            int[] cols = new int[known.length + m];
            System.arraycopy(known, 0, cols, 0, known.length);
            System.arraycopy(plainCols, 0, cols, known.length, m);
            Arrays.sort(cols);
            Op op = atomOp(EXPR, a, bound, stores, stratum, cols);
            op.indexId = op.store.indexFor(cols);
            op.probeExprs = probeExprs;
            op.probeSource = new int[cols.length];
            for (int p = 0; p < cols.length; p++) {
                int k = indexOf(known, cols[p]);
                op.probeSource[p] = k >= 0 ? k : -1 - indexOf(plainCols, cols[p]);
            }
            op.scratchVals = new Object[cols.length];
            return op;
        }
        StringBuilder name = new StringBuilder(Arrays.toString(known));
        CExpr[] rowExprs = new CExpr[m];
        int[][] rowSlots = new int[m][];
        int[][] rowCols = new int[m][];
        for (int j = 0; j < m; j++) {
            Lit.Side side = keys.get(j).onRow();
            rowExprs[j] = side.expr();
            rowSlots[j] = side.vars();
            rowCols[j] = new int[side.vars().length];
            for (int k = 0; k < side.vars().length; k++) {
                rowCols[j][k] = columnOf(a, side.vars()[k]);
            }
            name.append(" | ").append(side.parts()[0]);
            for (int k = 0; k < side.partSlots().length; k++) {
                name.append('#').append(columnOf(a, side.partSlots()[k])).append(side.parts()[k + 1]);
            }
        }
        Op op = atomOp(EXPR, a, bound, stores, stratum, known);
        op.exprName = name.toString();
        op.exprKey = rowKey(known, rowExprs, rowSlots, rowCols, rule.frameSize);
        op.exprIndexId = op.store.exprIndexFor(op.exprName, op.exprKey);
        op.probeExprs = probeExprs;
        op.probeSource = new int[known.length + m];
        for (int p = 0; p < op.probeSource.length; p++) {
            op.probeSource[p] = p < known.length ? p : -1 - (p - known.length);
        }
        op.scratchVals = new Object[known.length + m];
        return op;
    }

    /**
     * The column of each row side when every one is a plain variable and the columns differ
     * from each other and from the known ones; else null.
     */
    private static int[] plainColumns(Lit.Atom a, List<ExprKey> keys, int[] known) {
        int[] cols = new int[keys.size()];
        for (int j = 0; j < cols.length; j++) {
            Lit.Side side = keys.get(j).onRow();
            int c = plain(side, a) ? columnOf(a, side.partSlots()[0]) : -1;
            if (c < 0 || indexOf(known, c) >= 0 || indexOf(Arrays.copyOf(cols, j), c) >= 0) {
                return null;
            }
            cols[j] = c;
        }
        return cols;
    }

    private static int indexOf(int[] xs, int x) {
        for (int i = 0; i < xs.length; i++) {
            if (xs[i] == x) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A row's key: the values of {@code cols}, then of each expression with its variables set
     * from the row's columns. An expression that fails leaves the row without a key.
     */
    private static ExprIndex.RowKey rowKey(int[] cols, CExpr[] exprs, int[][] slots, int[][] exprCols, int frameSize) {
        Object[] frame = new Object[frameSize];
        return row -> {
            Object[] key = new Object[cols.length + exprs.length];
            for (int i = 0; i < cols.length; i++) {
                key[i] = row[cols[i]];
            }
            for (int j = 0; j < exprs.length; j++) {
                for (int k = 0; k < slots[j].length; k++) {
                    frame[slots[j][k]] = row[exprCols[j][k]];
                }
                try {
                    // Pure expressions do not read the time.
                    key[cols.length + j] = exprs[j].eval(frame, 0L);
                } catch (RuntimeException e) {
                    return ExprIndex.NO_KEY;
                }
            }
            return key;
        };
    }

    private static boolean containsAll(int[] cols, int[] key) {
        for (int k : key) {
            boolean found = false;
            for (int c : cols) {
                found |= c == k;
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    private static Op atomOp(int kind, Lit.Atom a, boolean[] bound, Store[] stores, int stratum) {
        return atomOp(kind, a, bound, stores, stratum, null);
    }

    /** The op of an atom; {@code exprAccess} are the columns an EXPR access guarantees equal. */
    private static Op atomOp(int kind, Lit.Atom a, boolean[] bound, Store[] stores, int stratum, int[] exprAccess) {
        Op op = new Op();
        op.kind = kind;
        op.atom = a;
        op.store = stores[a.rel().id];
        op.lower = !(a.rel().isDerived() && a.rel().stratum == stratum);
        int n = a.slots().length;
        int[] known = kind == SEED ? new int[0] : knownCols(a, bound);
        op.probeCols = known;
        op.probeSlots = new int[known.length];
        op.probeConsts = new Object[known.length];
        for (int k = 0; k < known.length; k++) {
            op.probeSlots[k] = a.slots()[known[k]];
            op.probeConsts[k] = a.consts()[known[k]];
        }
        if (kind == KEY) {
            op.accessCols = a.rel().key;
        } else if (kind == INDEX) {
            op.accessCols = known;
            op.indexId = op.store.indexFor(known);
        } else if (kind == EXPR) {
            op.accessCols = exprAccess;
        } else if (kind == MEMBER) {
            op.accessCols = known;
        } else {
            op.accessCols = new int[0];
        }
        op.scratchRow = new Object[n];
        op.scratchVals = new Object[known.length];
        List<Integer> checkCols = new ArrayList<>();
        List<Integer> checkSlots = new ArrayList<>();
        List<Object> checkConsts = new ArrayList<>();
        List<Integer> bindCols = new ArrayList<>();
        List<Integer> bindSlots = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int slot = a.slots()[i];
            boolean guaranteed = contains(op.accessCols, i);
            if (slot < 0) {
                if (!guaranteed) {
                    checkCols.add(i);
                    checkSlots.add(-1);
                    checkConsts.add(a.consts()[i]);
                }
            } else if (a.wild()[i]) {
                continue;
            } else if (bound[slot]) {
                if (!guaranteed) {
                    checkCols.add(i);
                    checkSlots.add(slot);
                    checkConsts.add(null);
                }
            } else if (!a.negated() || kind == SEED) {
                bindCols.add(i);
                bindSlots.add(slot);
                bound[slot] = true;
            }
        }
        op.checkCols = checkCols.stream().mapToInt(Integer::intValue).toArray();
        op.checkSlots = checkSlots.stream().mapToInt(Integer::intValue).toArray();
        op.checkConsts = checkConsts.toArray();
        op.bindCols = bindCols.stream().mapToInt(Integer::intValue).toArray();
        op.bindSlots = bindSlots.stream().mapToInt(Integer::intValue).toArray();
        return op;
    }

    private static boolean contains(int[] cols, int c) {
        for (int x : cols) {
            if (x == c) {
                return true;
            }
        }
        return false;
    }

    private static Op simpleOp(Lit l, boolean[] bound, Store[] stores, int stratum) {
        if (l instanceof Lit.Cond c) {
            Op op = new Op();
            op.kind = FILTER;
            op.expr = c.expr();
            return op;
        }
        if (l instanceof Lit.Assign a) {
            Op op = new Op();
            op.expr = a.expr();
            op.slot = a.slot();
            if (bound[a.slot()]) {
                op.kind = CHECK;
            } else {
                op.kind = ASSIGN;
                bound[a.slot()] = true;
            }
            return op;
        }
        Lit.Atom a = (Lit.Atom) l;
        Op op = atomOp(NOTIN, a, bound, stores, stratum);
        int[] known = op.probeCols;
        Store s = op.store;
        if (known.length == a.slots().length) {
            op.accessCols = known;
        } else if (s.keyed && containsAll(known, a.rel().key)) {
            op.accessCols = a.rel().key;
            op.indexId = -2;
        } else if (known.length > 0) {
            op.accessCols = known;
            op.indexId = s.indexFor(known);
        } else {
            op.accessCols = new int[0];
        }
        // Re-derive the post-fetch checks for the access chosen above.
        List<Integer> checkCols = new ArrayList<>();
        List<Integer> checkSlots = new ArrayList<>();
        List<Object> checkConsts = new ArrayList<>();
        for (int k = 0; k < known.length; k++) {
            if (!contains(op.accessCols, known[k])) {
                checkCols.add(known[k]);
                checkSlots.add(op.probeSlots[k]);
                checkConsts.add(op.probeConsts[k]);
            }
        }
        op.checkCols = checkCols.stream().mapToInt(Integer::intValue).toArray();
        op.checkSlots = checkSlots.stream().mapToInt(Integer::intValue).toArray();
        op.checkConsts = checkConsts.toArray();
        op.bindCols = new int[0];
        op.bindSlots = new int[0];
        return op;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(rule.name()).append(":");
        String[] names = {"seed", "scan", "member", "key", "index", "filter", "assign", "check", "notin", "expr"};
        for (Op op : ops) {
            sb.append(' ').append(names[op.kind]);
            if (op.kind == EXPR && op.exprName != null) {
                sb.append('(').append(op.atom.rel().name).append(' ').append(op.exprName).append(')');
            } else if (op.atom != null) {
                sb.append('(').append(op.atom.rel().name).append(Arrays.toString(op.accessCols)).append(')');
            }
        }
        return sb.toString();
    }
}
