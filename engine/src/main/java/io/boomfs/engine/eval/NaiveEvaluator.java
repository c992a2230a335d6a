package io.boomfs.engine.eval;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogException;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.Values;
import io.boomfs.engine.program.Action;
import io.boomfs.engine.program.EvalException;
import io.boomfs.engine.program.Lit;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;
import io.boomfs.engine.program.Rule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The oracle: a deliberately simple evaluator that follows "Reference semantics" in
 * engine/LANGUAGE.md literally, so that the production {@link IncrementalEvaluator} can be
 * checked against it tuple for tuple after every step.
 *
 * <p>Every relation is a plain set of rows (a table's rows are found by key). Each step empties
 * the base events and refills them (receive), then recomputes every derived relation from
 * scratch, stratum by stratum, by naive iteration: every rule's body is evaluated by nested loops
 * over whole relations until a round adds nothing (fixpoint), and finally applies the deferred
 * actions (transition). Nothing is indexed, nothing is maintained incrementally: clarity comes
 * before speed, because a clever oracle could share the bugs of the evaluator it checks.
 *
 * <p>Where the reference leaves a choice, the oracle takes the plainest reading:
 * <ul>
 *   <li>A body runs its positive atoms first, in the order written, then every other literal in
 *       the order written as soon as its variables are bound. An expression therefore fails (a
 *       division by zero) only for a valuation of all positive atoms that passed the literals
 *       written before it, and a head only for a complete match.</li>
 *   <li>{@code sys_relation} in step 1 shows the sizes just before step 1 (facts and host loads
 *       included), since there is no step 0.</li>
 *   <li>{@code NodeOptions.maxTuplesPerStep} counts every tuple the step's recomputation adds,
 *       so the oracle reaches it sooner than an evaluator that derives only changes.</li>
 * </ul>
 */
public final class NaiveEvaluator implements Evaluator {
    private final Program program;
    private final String address;
    private final NodeOptions options;
    private final Map<Relation, Store> stores = new HashMap<>();
    private final Map<Rule, Plan> plans = new HashMap<>();
    /** Event tuples for the next step: from NEXT actions and from host loads. */
    private final Map<Relation, LinkedHashSet<Row>> queued = new LinkedHashMap<>();
    /** Changes to durable tables since the previous step's result. */
    private final List<StepResult.Change> durableChanges = new ArrayList<>();
    /** Next due time of each timer; absent until the first step, whose nowMs is the first due time. */
    private final Map<Relation, Long> timerDue = new LinkedHashMap<>();
    /** Rows of each watched relation at the end of the previous step (empty before step 1). */
    private final Map<Relation, Set<Row>> watchedBefore = new LinkedHashMap<>();
    /** Size of each user relation at the end of the previous step, for sys_relation. */
    private Map<Relation, Long> sizesBefore;
    /** Head tuples each rule derived over all steps, for sys_rule. */
    private final Map<Rule, Long> fired = new HashMap<>();
    /** Whether a table changed since the last fixpoint (host load or transition). */
    private boolean tablesChanged;
    private long steps;
    /** Tuples added by the current step's fixpoint, against NodeOptions.maxTuplesPerStep. */
    private long derivedThisStep;

    public NaiveEvaluator(Program program, String address, NodeOptions options) {
        this.program = program;
        this.address = address;
        this.options = options;
        for (Relation r : program.relations()) {
            stores.put(r, new Store(r));
            if (r.watched) {
                watchedBefore.put(r, new HashSet<>());
            }
        }
        for (Rule rule : program.rules()) {
            plans.put(rule, Plan.of(rule));
        }
        // The node's address is known from the start, so self holds it before step 1 too.
        stores.get(program.relation("self")).add(new Row(new Object[] {address}));
    }

    // ---------------------------------------------------------------- Evaluator

    @Override
    public void load(Relation rel, Object[] row) {
        if (rel.kind == Relation.Kind.TABLE) {
            replaceByKey(rel, new Row(row.clone()));
        } else {
            queued.computeIfAbsent(rel, k -> new LinkedHashSet<>()).add(new Row(row.clone()));
        }
    }

    @Override
    public StepResult step(long nowMs, List<Tuple> inbound) {
        long k = steps + 1;
        if (sizesBefore == null) {
            // Step 1 has no previous step: sys_relation then shows the state the node starts from.
            sizesBefore = sizes();
        }
        receive(k, nowMs, inbound);
        tablesChanged = false;
        derivedThisStep = 0;
        fixpoint(nowMs);
        List<String> die = dieMessages();
        Map<String, List<Tuple>> outbound = transition();
        steps = k;
        List<StepResult.WatchEvent> watch = watchEvents(k);
        sizesBefore = sizes();
        List<StepResult.Change> changes = List.copyOf(durableChanges);
        durableChanges.clear();
        return new StepResult(k, changes, Collections.unmodifiableMap(outbound), watch, die);
    }

    @Override
    public List<Object[]> rows(Relation rel) {
        List<Object[]> out = new ArrayList<>();
        for (Row r : stores.get(rel).rows()) {
            out.add(r.values.clone());
        }
        return out;
    }

    @Override
    public boolean hasPendingWork() {
        return tablesChanged || !queued.isEmpty();
    }

    @Override
    public long nextTimerDueMs() {
        long best = Long.MAX_VALUE;
        for (Relation r : program.relations()) {
            if (r.isTimer()) {
                // Before step 1 a timer is due at once: its first due time is step 1's nowMs.
                best = Math.min(best, timerDue.getOrDefault(r, Long.MIN_VALUE));
            }
        }
        return best;
    }

    @Override
    public long steps() {
        return steps;
    }

    // ---------------------------------------------------------------- receive

    private void receive(long k, long nowMs, List<Tuple> inbound) {
        for (Relation r : program.relations()) {
            if (r.kind == Relation.Kind.EVENT) {
                stores.get(r).clear();
            }
        }
        for (Map.Entry<Relation, LinkedHashSet<Row>> e : queued.entrySet()) {
            for (Row row : e.getValue()) {
                addChecked(e.getKey(), row, null);
            }
        }
        queued.clear();
        for (Tuple t : inbound) {
            Relation r = program.relation(t.relation()).receivedInto;
            Row row = new Row(t.values());
            if (r.kind == Relation.Kind.TABLE) {
                replaceByKey(r, row);
            } else {
                addChecked(r, row, null);
            }
        }
        fireTimers(nowMs);
        fillBuiltins(k, nowMs);
    }

    private void fireTimers(long nowMs) {
        for (Relation r : program.relations()) {
            if (!r.isTimer()) {
                continue;
            }
            long due = timerDue.getOrDefault(r, nowMs);
            if (nowMs >= due) {
                addChecked(r, new Row(new Object[0]), null);
                while (due <= nowMs) {
                    due += r.timerPeriodMs;
                }
            }
            timerDue.put(r, due);
        }
    }

    /**
     * {@code self} always holds the address. The sys_ relations are "maintained only when a rule
     * reads them" (LANGUAGE.md, "Built-in relations"): a program that never reads them sees them
     * empty.
     */
    private void fillBuiltins(long k, long nowMs) {
        Store self = stores.get(program.relation("self"));
        self.clear();
        self.add(new Row(new Object[] {address}));
        Store step = maintained("sys_step");
        if (step != null) {
            step.add(new Row(new Object[] {address, k, nowMs}));
        }
        Store time = maintained("sys_now");
        if (time != null) {
            time.add(new Row(new Object[] {nowMs}));
        }
        Store sizes = maintained("sys_relation");
        if (sizes != null) {
            for (Map.Entry<Relation, Long> e : sizesBefore.entrySet()) {
                sizes.add(new Row(new Object[] {address, e.getKey().name, e.getValue()}));
            }
        }
        Store rules = maintained("sys_rule");
        if (rules != null) {
            // The oracle reads no clock, so it reports 0 micros; sys_rule is never compared.
            for (Rule rule : program.rules()) {
                rules.add(new Row(new Object[] {address, program.name(), rule.name(), fired.getOrDefault(rule, 0L), 0L}));
            }
        }
    }

    /** The emptied store of a built-in relation that rules read, or null when no rule reads it. */
    private Store maintained(String name) {
        Relation r = program.relation(name);
        Store s = stores.get(r);
        s.clear();
        return r.readByRules ? s : null;
    }

    private Map<Relation, Long> sizes() {
        Map<Relation, Long> out = new LinkedHashMap<>();
        for (Relation r : program.userRelations()) {
            out.put(r, (long) stores.get(r).size());
        }
        return out;
    }

    // ---------------------------------------------------------------- fixpoint

    private void fixpoint(long nowMs) {
        for (Relation r : program.relations()) {
            if (r.isDerived()) {
                stores.get(r).clear();
            }
        }
        for (int s = 0; s < program.strata().size(); s++) {
            stratum(s, nowMs);
        }
    }

    /** Naive iteration of one stratum: every rule and instant insert, again and again, until nothing is new. */
    private void stratum(int s, long nowMs) {
        Set<Relation> members = new HashSet<>(program.strata().get(s));
        List<Rule> rules = new ArrayList<>();
        for (Rule rule : program.rules()) {
            if (members.contains(rule.head)) {
                rules.add(rule);
            }
        }
        List<Action> inserts = new ArrayList<>();
        for (Action a : program.actions()) {
            if (a.kind() == Action.Kind.INSERT_NOW && members.contains(a.target())) {
                inserts.add(a);
            }
        }
        int round = 0;
        boolean changed = true;
        while (changed) {
            round++;
            changed = false;
            for (Rule rule : rules) {
                for (Row row : derive(rule, nowMs)) {
                    changed |= addDerived(rule, row);
                }
            }
            for (Action a : inserts) {
                for (Row row : List.copyOf(stores.get(a.source()).rows())) {
                    changed |= insertNow(a, row);
                }
            }
            // A round that adds nothing only confirms the fixpoint, so it is not counted.
            if (changed && round > options.maxFixpointIterations()) {
                throw new OverlogException("stratum " + s + " (" + names(members) + ") did not reach a fixpoint within "
                    + options.maxFixpointIterations() + " iterations (NodeOptions.maxFixpointIterations)");
            }
        }
    }

    private static String names(Set<Relation> rels) {
        List<String> out = new ArrayList<>();
        for (Relation r : rels) {
            out.add(r.name);
        }
        Collections.sort(out);
        return String.join(", ", out);
    }

    private boolean addDerived(Rule rule, Row row) {
        if (!addChecked(rule.head, row, rule)) {
            return false;
        }
        fired.merge(rule, 1L, Long::sum);
        countDerived(rule);
        return true;
    }

    private void countDerived(Rule rule) {
        derivedThisStep++;
        if (derivedThisStep > options.maxTuplesPerStep()) {
            throw new OverlogException(ruleName(rule) + ": the step derived more than " + options.maxTuplesPerStep()
                + " tuples (NodeOptions.maxTuplesPerStep), in " + rule.text);
        }
    }

    /** An INSERT_NOW action adds one tuple of its source to its table; a different holder of the key is an error. */
    private boolean insertNow(Action a, Row row) {
        Relation t = a.target();
        Row holder = stores.get(t).holder(row);
        if (holder != null) {
            if (holder.equals(row)) {
                return false;
            }
            throw keyViolation(a.rule(), t, row, holder);
        }
        addChecked(t, row, a.rule());
        logDurable(t, row, true);
        countDerived(a.rule());
        return true;
    }

    private OverlogException keyViolation(Rule rule, Relation t, Row row, Row holder) {
        return new OverlogException(ruleName(rule) + ": key violation in table " + t.name + ": "
            + Values.formatTuple(t.name, row.values) + " has the key of " + Values.formatTuple(t.name, holder.values)
            + ", in " + rule.text);
    }

    // ---------------------------------------------------------------- rule bodies

    /** The head tuples of a rule over the current state. */
    private Set<Row> derive(Rule rule, long nowMs) {
        try {
            List<Object[]> matches = new ArrayList<>();
            match(plans.get(rule), 0, new Object[rule.frameSize], nowMs, matches);
            return rule.isAggregate() ? aggregate(rule, matches, nowMs) : heads(rule, matches, nowMs);
        } catch (EvalException e) {
            throw new OverlogException(ruleName(rule) + ": " + e.getMessage() + ", in " + rule.text);
        }
    }

    private Set<Row> heads(Rule rule, List<Object[]> matches, long nowMs) {
        Set<Row> out = new LinkedHashSet<>();
        for (Object[] frame : matches) {
            Object[] head = new Object[rule.head.arity()];
            for (int i = 0; i < head.length; i++) {
                head[i] = checkedValue(rule, rule.headExprs[i].eval(frame, nowMs));
            }
            out.add(new Row(head));
        }
        return out;
    }

    /**
     * The matches are the distinct valuations of the rule's variables (its frames); they are
     * grouped by the head's non-aggregate terms and each group gives one tuple.
     */
    private Set<Row> aggregate(Rule rule, List<Object[]> matches, long nowMs) {
        Set<Row> distinct = new LinkedHashSet<>();
        for (Object[] frame : matches) {
            distinct.add(new Row(frame));
        }
        Map<Row, List<Object[]>> groups = new LinkedHashMap<>();
        for (Row frame : distinct) {
            Object[] group = new Object[rule.head.arity()];
            for (int i = 0; i < group.length; i++) {
                if (rule.headExprs[i] != null) {
                    group[i] = checkedValue(rule, rule.headExprs[i].eval(frame.values, nowMs));
                }
            }
            groups.computeIfAbsent(new Row(group), g -> new ArrayList<>()).add(frame.values);
        }
        Set<Row> out = new LinkedHashSet<>();
        for (Map.Entry<Row, List<Object[]>> g : groups.entrySet()) {
            Object[] head = g.getKey().values.clone();
            for (Rule.Agg agg : rule.aggs) {
                List<Object> values = new ArrayList<>();
                for (Object[] frame : g.getValue()) {
                    values.add(agg.slot() < 0 ? null : frame[agg.slot()]);
                }
                head[agg.column()] = Aggregates.compute(agg.fn(), values);
            }
            out.add(new Row(head));
        }
        return out;
    }

    private Object checkedValue(Rule rule, Object v) {
        if (v instanceof String s && s.length() > options.maxStringLength()) {
            throw new OverlogException(ruleName(rule) + ": a string of " + s.length() + " characters is longer than "
                + options.maxStringLength() + " (NodeOptions.maxStringLength), in " + rule.text);
        }
        return v;
    }

    private static String ruleName(Rule rule) {
        return "rule " + rule.name();
    }

    /**
     * Evaluates the body from literal {@code i} on, with the frame's earlier slots bound, by
     * nested loops over whole relations; every complete match is added to {@code out} as a copy.
     */
    private void match(Plan plan, int i, Object[] frame, long nowMs, List<Object[]> out) {
        if (i == plan.lits.length) {
            out.add(frame.clone());
            return;
        }
        Lit lit = plan.lits[i];
        boolean[] binds = plan.binds[i];
        if (lit instanceof Lit.Atom a && !a.negated()) {
            // Nothing changes a relation while a body is evaluated, so the live rows can be iterated.
            for (Row row : stores.get(a.rel()).rows()) {
                if (unify(a, binds, row.values, frame)) {
                    match(plan, i + 1, frame, nowMs, out);
                }
            }
        } else if (lit instanceof Lit.Atom a) {
            if (!exists(a, frame)) {
                match(plan, i + 1, frame, nowMs, out);
            }
        } else if (lit instanceof Lit.Cond c) {
            if (Boolean.TRUE.equals(bodyValue(c.expr(), frame, nowMs))) {
                match(plan, i + 1, frame, nowMs, out);
            }
        } else {
            Lit.Assign a = (Lit.Assign) lit;
            Object v = bodyValue(a.expr(), frame, nowMs);
            if (v == FAILED) {
                return;
            }
            if (binds[0]) {
                frame[a.slot()] = v;
                match(plan, i + 1, frame, nowMs, out);
            } else if (Objects.equals(frame[a.slot()], v)) {
                match(plan, i + 1, frame, nowMs, out);
            }
        }
    }

    private static final Object FAILED = new Object();

    /** A body expression that fails (division by zero...) makes its literal false (LANGUAGE.md). */
    private static Object bodyValue(io.boomfs.engine.program.CExpr e, Object[] frame, long nowMs) {
        try {
            return e.eval(frame, nowMs);
        } catch (EvalException ex) {
            return FAILED;
        }
    }

    /** Matches a positive atom against a row: constants and bound slots must be equal, the others are bound. */
    private static boolean unify(Lit.Atom a, boolean[] binds, Object[] row, Object[] frame) {
        for (int p = 0; p < row.length; p++) {
            int slot = a.slots()[p];
            if (slot < 0) {
                if (!Objects.equals(a.consts()[p], row[p])) {
                    return false;
                }
            } else if (binds[p]) {
                frame[slot] = row[p];
            } else if (!Objects.equals(frame[slot], row[p])) {
                return false;
            }
        }
        return true;
    }

    /** Whether a row of a negated atom's relation agrees with the frame on every non-anonymous position. */
    private boolean exists(Lit.Atom a, Object[] frame) {
        for (Row row : stores.get(a.rel()).rows()) {
            boolean all = true;
            for (int p = 0; p < row.values.length && all; p++) {
                int slot = a.slots()[p];
                if (slot < 0) {
                    all = Objects.equals(a.consts()[p], row.values[p]);
                } else if (!a.wild()[p]) {
                    all = Objects.equals(frame[slot], row.values[p]);
                }
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /**
     * A rule body as an ordered list of literals: the positive atoms in the order written, then
     * every other literal as soon as the variables it needs are bound (the order in which the
     * checker proves the rule safe). Whether each atom position or assignment binds or compares
     * is decided here once, because a bound variable may hold null.
     *
     * @param binds for a positive atom, which positions bind their slot; for an assignment,
     *              {@code [0]} tells whether it binds (else it compares)
     */
    private record Plan(Lit[] lits, boolean[][] binds) {
        static Plan of(Rule rule) {
            List<Lit> order = new ArrayList<>();
            List<Lit> rest = new ArrayList<>();
            for (Lit l : rule.body) {
                if (l instanceof Lit.Atom a && !a.negated()) {
                    order.add(l);
                } else {
                    rest.add(l);
                }
            }
            Set<Integer> bound = new HashSet<>();
            List<boolean[]> binds = new ArrayList<>();
            for (Lit l : order) {
                binds.add(atomBinds((Lit.Atom) l, bound));
            }
            boolean progress = true;
            while (!rest.isEmpty() && progress) {
                progress = false;
                for (Lit l : List.copyOf(rest)) {
                    if (ready(l, bound)) {
                        rest.remove(l);
                        order.add(l);
                        binds.add(otherBinds(l, bound));
                        progress = true;
                    }
                }
            }
            if (!rest.isEmpty()) {
                throw new IllegalStateException("the compiler accepted an unsafe rule: " + rule);
            }
            return new Plan(order.toArray(new Lit[0]), binds.toArray(new boolean[0][]));
        }

        private static boolean[] atomBinds(Lit.Atom a, Set<Integer> bound) {
            boolean[] binds = new boolean[a.slots().length];
            for (int p = 0; p < binds.length; p++) {
                int slot = a.slots()[p];
                // The first occurrence of a variable binds it; a repeated one must match it.
                binds[p] = slot >= 0 && bound.add(slot);
            }
            return binds;
        }

        private static boolean ready(Lit l, Set<Integer> bound) {
            if (l instanceof Lit.Atom a) {
                for (int p = 0; p < a.slots().length; p++) {
                    if (a.slots()[p] >= 0 && !a.wild()[p] && !bound.contains(a.slots()[p])) {
                        return false;
                    }
                }
                return true;
            }
            int[] vars = l instanceof Lit.Cond c ? c.vars() : ((Lit.Assign) l).vars();
            for (int v : vars) {
                if (!bound.contains(v)) {
                    return false;
                }
            }
            return true;
        }

        private static boolean[] otherBinds(Lit l, Set<Integer> bound) {
            return new boolean[] {l instanceof Lit.Assign a && bound.add(a.slot())};
        }
    }

    // ---------------------------------------------------------------- transition

    /**
     * Applies DELETE and NEXT actions to tables, queues NEXT events for the next step and
     * collects SEND tuples by destination, all read from the fixpoint state.
     */
    private Map<String, List<Tuple>> transition() {
        Map<Relation, LinkedHashSet<Row>> deletes = new LinkedHashMap<>();
        Map<Relation, LinkedHashMap<Row, Row>> nexts = new LinkedHashMap<>();
        Map<String, List<Tuple>> outbound = new LinkedHashMap<>();
        for (Action a : program.actions()) {
            Relation t = a.target();
            List<Row> source = List.copyOf(stores.get(a.source()).rows());
            if (a.kind() == Action.Kind.DELETE) {
                deletes.computeIfAbsent(t, x -> new LinkedHashSet<>()).addAll(source);
            } else if (a.kind() == Action.Kind.NEXT && t.kind == Relation.Kind.TABLE) {
                LinkedHashMap<Row, Row> byKey = nexts.computeIfAbsent(t, x -> new LinkedHashMap<>());
                Store store = stores.get(t);
                for (Row row : source) {
                    Row other = byKey.putIfAbsent(store.keyOf(row), row);
                    if (other != null && !other.equals(row)) {
                        throw keyViolation(a.rule(), t, row, other);
                    }
                }
            } else if (a.kind() == Action.Kind.NEXT && !source.isEmpty()) {
                queued.computeIfAbsent(t, x -> new LinkedHashSet<>()).addAll(source);
            } else if (a.kind() == Action.Kind.SEND) {
                for (Row row : source) {
                    long size = Values.estimatedSize(t.name, row.values);
                    if (size > options.maxMessageBytes()) {
                        throw new OverlogException(ruleName(a.rule()) + ": sends a " + t.name + " tuple of about " + size
                            + " bytes, over the limit of " + options.maxMessageBytes() + " (NodeOptions.maxMessageBytes), in "
                            + a.rule().text);
                    }
                    outbound.computeIfAbsent((String) row.values[0], x -> new ArrayList<>())
                        .add(Tuple.wrap(t.name, row.values.clone()));
                }
            }
        }
        for (Map.Entry<Relation, LinkedHashSet<Row>> e : deletes.entrySet()) {
            Relation t = e.getKey();
            Set<Row> inserted = new HashSet<>(nexts.getOrDefault(t, new LinkedHashMap<>()).values());
            for (Row row : e.getValue()) {
                // The insert wins when the same tuple is both deleted and inserted by @next.
                if (!inserted.contains(row) && stores.get(t).remove(row)) {
                    tablesChanged = true;
                    logDurable(t, row, false);
                }
            }
        }
        for (Map.Entry<Relation, LinkedHashMap<Row, Row>> e : nexts.entrySet()) {
            for (Row row : e.getValue().values()) {
                replaceByKey(e.getKey(), row);
            }
        }
        return outbound;
    }

    // ---------------------------------------------------------------- results

    private List<String> dieMessages() {
        List<String> out = new ArrayList<>();
        for (Row row : stores.get(program.relation("die")).rows()) {
            out.add((String) row.values[0]);
        }
        out.sort(Comparator.nullsFirst(Comparator.naturalOrder()));
        // die(null) is a legal tuple, and List.copyOf refuses nulls.
        return Collections.unmodifiableList(out);
    }

    /** For each watched relation, what left it and what entered it since the end of the previous step. */
    private List<StepResult.WatchEvent> watchEvents(long k) {
        List<StepResult.WatchEvent> out = new ArrayList<>();
        for (Map.Entry<Relation, Set<Row>> e : watchedBefore.entrySet()) {
            Relation r = e.getKey();
            Set<Row> now = new HashSet<>(stores.get(r).rows());
            List<Tuple> gone = new ArrayList<>();
            List<Tuple> came = new ArrayList<>();
            for (Row row : e.getValue()) {
                if (!now.contains(row)) {
                    gone.add(Tuple.wrap(r.name, row.values.clone()));
                }
            }
            for (Row row : now) {
                if (!e.getValue().contains(row)) {
                    came.add(Tuple.wrap(r.name, row.values.clone()));
                }
            }
            gone.sort(Comparator.comparing(Tuple::toString));
            came.sort(Comparator.comparing(Tuple::toString));
            gone.forEach(t -> out.add(new StepResult.WatchEvent(k, t, false)));
            came.forEach(t -> out.add(new StepResult.WatchEvent(k, t, true)));
            e.setValue(now);
        }
        return List.copyOf(out);
    }

    // ---------------------------------------------------------------- state

    /** Adds a row to a relation (no key check); false when it was there already. */
    private boolean addChecked(Relation r, Row row, Rule rule) {
        Store s = stores.get(r);
        if (s.contains(row)) {
            return false;
        }
        if (s.size() >= options.maxTuplesPerRelation()) {
            throw new OverlogException((rule == null ? "" : ruleName(rule) + ": ") + "relation " + r.name
                + " would hold more than " + options.maxTuplesPerRelation() + " tuples (NodeOptions.maxTuplesPerRelation)");
        }
        s.add(row);
        return true;
    }

    /** Inserts a table row, replacing the row that holds its key (host loads, inbound tuples, @next). */
    private void replaceByKey(Relation t, Row row) {
        Store s = stores.get(t);
        Row holder = s.holder(row);
        if (row.equals(holder)) {
            return;
        }
        if (holder != null) {
            s.remove(holder);
            logDurable(t, holder, false);
        }
        addChecked(t, row, null);
        logDurable(t, row, true);
        tablesChanged = true;
    }

    private void logDurable(Relation t, Row row, boolean insert) {
        if (t.durable) {
            durableChanges.add(new StepResult.Change(Tuple.wrap(t.name, row.values.clone()), insert));
        }
    }

    /** A row of values compared by content (Long 1 and Double 1.0 differ, as in the language). */
    private static final class Row {
        final Object[] values;
        private final int hash;

        Row(Object[] values) {
            this.values = values;
            this.hash = Arrays.hashCode(values);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Row r && hash == r.hash && Arrays.equals(values, r.values);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** The rows of one relation, found by key: a table's declared key, the whole row otherwise. */
    private static final class Store {
        private final int[] key;
        private final LinkedHashMap<Row, Row> byKey = new LinkedHashMap<>();

        Store(Relation r) {
            this.key = r.kind == Relation.Kind.TABLE ? r.key : null;
        }

        Row keyOf(Row row) {
            if (key == null) {
                return row;
            }
            Object[] k = new Object[key.length];
            for (int i = 0; i < key.length; i++) {
                k[i] = row.values[key[i]];
            }
            return new Row(k);
        }

        Row holder(Row row) {
            return byKey.get(keyOf(row));
        }

        boolean contains(Row row) {
            return row.equals(holder(row));
        }

        void add(Row row) {
            byKey.put(keyOf(row), row);
        }

        boolean remove(Row row) {
            return byKey.remove(keyOf(row), row);
        }

        void clear() {
            byKey.clear();
        }

        int size() {
            return byKey.size();
        }

        java.util.Collection<Row> rows() {
            return byKey.values();
        }
    }
}
