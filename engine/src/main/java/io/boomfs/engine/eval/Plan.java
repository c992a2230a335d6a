package io.boomfs.engine.eval;

import io.boomfs.engine.program.CExpr;
import io.boomfs.engine.program.Lit;
import io.boomfs.engine.program.Rule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A join order for one rule, given the literal its rows start from (the seed) and the variables
 * bound before the first literal. The planner is greedy: conditions, assignments and negations
 * as soon as their variables are bound, then the atom with the most bound columns. Each atom
 * gets the cheapest access its bound columns allow: a membership test, the table's key, a
 * secondary index on exactly those columns (created on the relation), or a scan.
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
        /** Scratch arrays: a probe row (MEMBER/KEY/NOTIN) and probe values (INDEX). */
        Object[] scratchRow;
        Object[] scratchVals;
    }

    final Rule rule;
    final Op[] ops;
    /** Whether an op scans a relation of the stratum being evaluated (see IncrementalEvaluator.Fresh). */
    final boolean scansStratum;

    private Plan(Rule rule, Op[] ops, int stratum) {
        this.rule = rule;
        this.ops = ops;
        boolean scans = false;
        for (Op op : ops) {
            scans |= op.kind == SCAN && op.atom.rel().stratum == stratum;
        }
        this.scansStratum = scans;
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
            for (int li : remaining) {
                if (rule.body.get(li) instanceof Lit.Atom a && !a.negated()) {
                    int score = score(a, bound, stores);
                    if (score > bestScore) {
                        bestScore = score;
                        best = li;
                    }
                }
            }
            if (best < 0) {
                throw new IllegalStateException("no literal of rule " + rule + " can be evaluated next; the checker"
                    + " should have rejected it as unsafe");
            }
            remaining.remove((Integer) best);
            Lit.Atom a = (Lit.Atom) rule.body.get(best);
            ops.add(atomOp(accessKind(a, bound, stores), a, bound, stores, stratum));
        }
        return new Plan(rule, ops.toArray(new Op[0]), stratum);
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

    private static int score(Lit.Atom a, boolean[] bound, Store[] stores) {
        int known = 0;
        for (int i = 0; i < a.slots().length; i++) {
            if (a.slots()[i] < 0 || (!a.wild()[i] && bound[a.slots()[i]])) {
                known++;
            }
        }
        int kind = accessKind(a, bound, stores);
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
        String[] names = {"seed", "scan", "member", "key", "index", "filter", "assign", "check", "notin"};
        for (Op op : ops) {
            sb.append(' ').append(names[op.kind]);
            if (op.atom != null) {
                sb.append('(').append(op.atom.rel().name).append(Arrays.toString(op.accessCols)).append(')');
            }
        }
        return sb.toString();
    }
}
