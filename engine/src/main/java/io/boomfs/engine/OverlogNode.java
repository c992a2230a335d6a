package io.boomfs.engine;

import io.boomfs.engine.eval.Evaluator;
import io.boomfs.engine.eval.IncrementalEvaluator;
import io.boomfs.engine.eval.NaiveEvaluator;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One node: a compiled program, its address and its state. Its only way forward is
 * {@link #step}: receive, fixpoint, transition (ARCHITECTURE.md, "The step contract"). It reads
 * no clock, no random source and no socket: time and input come in as arguments, output goes
 * out in the {@link StepResult}. Not thread-safe: one driver owns it.
 */
public final class OverlogNode {
    private final Program program;
    private final String address;
    private final Evaluator eval;
    private String failure;

    public OverlogNode(Program program, String address) {
        this(program, address, NodeOptions.defaults());
    }

    public OverlogNode(Program program, String address, NodeOptions options) {
        this.program = program;
        this.address = address;
        this.eval = options.evaluator() == NodeOptions.EvaluatorKind.NAIVE
            ? new NaiveEvaluator(program, address, options)
            : new IncrementalEvaluator(program, address, options);
        for (Tuple f : program.facts()) {
            load(f);
        }
    }

    /** The rules that took the most time (with {@code -Dboomfs.profile.rules=true}; the incremental evaluator only). */
    public String ruleProfile(int top) {
        return eval instanceof IncrementalEvaluator ie ? ie.ruleProfile(top) : "no rule profile (the naive evaluator)\n";
    }

    /** What the engine stores for relations of {@code minRows} rows or more (see IncrementalEvaluator.storageReport). */
    public String storageReport(int minRows) {
        return eval instanceof IncrementalEvaluator ie ? ie.storageReport(minRows) : "no storage report (the naive evaluator)\n";
    }

    /**
     * The rules that took the most time in the last step, as " (ms rule; ...)" (empty without
     * {@code -Dboomfs.profile.rules=true} or with the naive evaluator).
     */
    public String stepProfile(int top) {
        return eval instanceof IncrementalEvaluator ie ? ie.stepProfile(top) : "";
    }

    /**
     * The incremental evaluator's plans, one line per plan (see IncrementalEvaluator.plans);
     * empty for the naive evaluator, which plans nothing.
     */
    public List<String> plans() {
        return eval instanceof IncrementalEvaluator ie ? ie.plans() : List.of();
    }

    /**
     * The relations the incremental evaluator empties row by row as a step starts, though
     * derived from scratch in every step, because a view kept up to date reads their removals
     * (see IncrementalEvaluator.reportsRemovals); empty for the naive evaluator. A diagnostic aid.
     */
    public List<String> emptiedRowByRow() {
        return eval instanceof IncrementalEvaluator ie ? ie.emptiedRowByRow() : List.of();
    }

    public Program program() {
        return program;
    }

    public String address() {
        return address;
    }

    /**
     * Adds a tuple as the host, outside any step: a table tuple is inserted now (replacing the
     * tuple that holds its key) and seen by the next step; an event is raised in the next step.
     *
     * @throws IllegalArgumentException when the relation is unknown, built-in or derived, or the
     *                                  values do not fit its columns
     */
    public void load(Tuple t) {
        Relation r = checked(t);
        if (r.isDerived() && r.receivedInto == r) {
            throw new IllegalArgumentException(t.relation() + " is a view: it holds what its rules derive");
        }
        eval.load(r.receivedInto, t.valuesUnsafe().clone());
    }

    /**
     * Runs one timestep at time {@code nowMs} with the given inbound tuples.
     *
     * @throws IllegalArgumentException when an inbound tuple does not fit the program (nothing
     *                                  is applied then)
     * @throws OverlogException         when a rule fails; the node then refuses further steps
     */
    public StepResult step(long nowMs, List<Tuple> inbound) {
        if (failure != null) {
            throw new OverlogException("node " + address + " failed earlier and must be restarted: " + failure);
        }
        for (Tuple t : inbound) {
            Relation r = checked(t);
            if (r.kind == Relation.Kind.VIEW) {
                throw new IllegalArgumentException("view " + r.name + " cannot receive tuples");
            }
        }
        try {
            return eval.step(nowMs, inbound);
        } catch (OverlogException e) {
            failure = e.getMessage();
            throw e;
        }
    }

    private Relation checked(Tuple t) {
        Relation r = program.relation(t.relation());
        if (r == null || r.internal) {
            throw new IllegalArgumentException("unknown relation " + t.relation() + " (program " + program.name() + ")");
        }
        if (r.kind == Relation.Kind.BUILTIN) {
            throw new IllegalArgumentException(r.name + " is maintained by the node itself");
        }
        if (r.isTimer()) {
            throw new IllegalArgumentException(r.name + " is a timer: it fires by itself");
        }
        if (t.arity() != r.arity()) {
            throw new IllegalArgumentException(t.relation() + " has " + r.arity() + " columns, but the tuple has "
                + t.arity() + ": " + t);
        }
        for (int i = 0; i < r.arity(); i++) {
            if (!r.types[i].admits(t.get(i))) {
                throw new IllegalArgumentException("column " + r.columns[i] + " of " + r.name + " is a " + r.types[i]
                    + ", but the value is " + Values.format(t.get(i)) + " in " + t);
            }
        }
        return r;
    }

    /** The current contents of a relation, sorted by their text form. */
    public List<Tuple> contents(String relation) {
        Relation r = program.relation(relation);
        if (r == null) {
            throw new IllegalArgumentException("unknown relation " + relation);
        }
        List<Tuple> out = new ArrayList<>();
        for (Object[] row : eval.rows(r)) {
            out.add(Tuple.wrap(r.name, row));
        }
        out.sort(Comparator.comparing(Tuple::toString));
        return out;
    }

    /** The number of tuples a relation holds now (cheaper than {@link #contents}: no copy, no sort). */
    public int count(String relation) {
        Relation r = program.relation(relation);
        if (r == null) {
            throw new IllegalArgumentException("unknown relation " + relation);
        }
        return eval.rows(r).size();
    }

    /**
     * The contents of every durable table: what survives a crash (a snapshot's rows). In no
     * particular order: a checkpoint of a big state must not sort it (sorting 400,000 rows by
     * their text took seconds on the step thread).
     */
    public List<Tuple> durableContents() {
        List<String> names = new ArrayList<>();
        List<List<Object[]>> tables = new ArrayList<>();
        int total = 0;
        for (Relation r : program.relations()) {
            if (r.durable) {
                List<Object[]> rows = eval.rows(r);
                if (!rows.isEmpty()) {
                    names.add(r.name);
                    tables.add(rows);
                    total += rows.size();
                }
            }
        }
        return new Rows(names, tables, total);
    }

    /**
     * The durable rows as tuples, each made when it is read: a checkpoint takes the tables'
     * row arrays on the step thread (rows are never changed in place) and its writer thread
     * makes the tuples (making 313,000 of them on the step thread held a replica for 263-792 ms).
     */
    private static final class Rows extends java.util.AbstractList<Tuple> implements java.util.RandomAccess {
        private final String[] names;
        private final List<List<Object[]>> tables;
        /** Where each table's rows start. */
        private final int[] starts;
        private final int size;

        Rows(List<String> names, List<List<Object[]>> tables, int size) {
            this.names = names.toArray(new String[0]);
            this.tables = tables;
            this.starts = new int[tables.size()];
            int at = 0;
            for (int t = 0; t < tables.size(); t++) {
                starts[t] = at;
                at += tables.get(t).size();
            }
            this.size = size;
        }

        @Override
        public Tuple get(int i) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException(i);
            }
            int t = java.util.Arrays.binarySearch(starts, i);
            if (t < 0) {
                t = -t - 2;
            }
            // Several tables may start at one index only if some are empty, and empty ones are left out.
            return Tuple.wrap(names[t], tables.get(t).get(i - starts[t]));
        }

        @Override
        public int size() {
            return size;
        }
    }

    public long steps() {
        return eval.steps();
    }

    /** Whether a step without input would still change something (see {@link Evaluator#hasPendingWork}). */
    public boolean hasPendingWork() {
        return eval.hasPendingWork();
    }

    /** When the earliest timer is next due; {@code Long.MAX_VALUE} when there is none. */
    public long nextTimerDueMs() {
        return eval.nextTimerDueMs();
    }

    public boolean hasTimers() {
        return program.relations().stream().anyMatch(Relation::isTimer);
    }
}
