package io.boomfs.engine.eval;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogException;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.ValueList;
import io.boomfs.engine.Values;
import io.boomfs.engine.program.Action;
import io.boomfs.engine.program.EvalException;
import io.boomfs.engine.program.Lit;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;
import io.boomfs.engine.program.Rule;
import io.boomfs.engine.store.ExprIndex;
import io.boomfs.engine.store.Index;
import io.boomfs.engine.store.RowSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The production evaluator: stratified, semi-naive, with every derived relation maintained
 * incrementally across steps, so that a step costs in proportion to what changed.
 *
 * <p>Each stratum is brought up to date from the net changes (deltas) of the relations below it
 * by delete-and-rederive (Gupta, Mumick and Subrahmanian, "Maintaining Views Incrementally",
 * SIGMOD 1993): (1) over-delete every tuple with a derivation through a removed tuple (or
 * through a negated tuple that appeared), (2) put back those that still have a derivation,
 * (3) insert semi-naively from the added tuples (and negated tuples that disappeared).
 * Aggregates are recomputed for the groups the deltas touch. The transition reads the hidden
 * head relations of deferred rules: sends and {@code @next} events take all their tuples;
 * {@code @next} and {@code delete} on tables look only at tuples that changed.
 */
public final class IncrementalEvaluator implements Evaluator {
    private static final int CURRENT = 0;
    private static final int OVER_DELETE = 1;

    private final Program program;
    private final String address;
    private final NodeOptions options;
    private final Store[] stores;
    private final Relation[] relationsById;
    private final Delta[] delta;
    /** Whether anything reads the relation's delta (a higher stratum, the transition). */
    private final boolean[] deltaRead;
    private final Delta[] watchDelta;
    private final StratumPlan[] strata;
    private final List<Action>[] nextInto;
    private final RowSet[] recheck;
    /** For targets of delete/@next: rows added and removed since the last transition, not netted. */
    private final List<Object[]>[] touchedAdded;
    private final List<Object[]>[] touchedRemoved;
    private final long[] fired;
    /** Whether a relation's delta changed since the last transition cleared the deltas. */
    private final boolean[] deltaDirty;
    /** The relations whose delta changed since the last transition: the only ones it clears. */
    private final int[] dirtyDeltas;
    private int dirtyDeltaCount;
    /** By relation id: the strata that read the relation's delta (it is one of their inputs). */
    private final int[][] readers;
    /**
     * Strata that may need to run: one of their inputs' delta changed, or a table one of their
     * INSERT_NOW actions fills lost a row, since they were last considered. A step looks at these
     * only (needsRun still decides), not at every stratum of the program.
     */
    private final long[] strataToConsider;
    /** Seeds of strata that derive from scratch (fullSites) which are not emptied wholesale, and those strata. */
    private final Relation[] keptSeedRels;
    private final int[] keptSeedStrata;
    /** A stratum's seeds: by relation id, its inputs' delta rows as they stood when it started. */
    private final Object[][][] seedPlus;
    private final Object[][][] seedMinus;
    private final Action[] actions;
    private final Action[] insertNowActions;
    /** Tables of delete and @next actions whose touched lists hold rows (the only ones to clear). */
    private final Relation[] touchedTargets;
    private int touchedTargetCount;
    private final boolean[] touchDirty;
    /** By action (as in {@link #actions}): the store of its source, read by every transition. */
    private final Store[] actionSources;
    private final Relation[] watched;
    private final Relation die;
    private final List<StepResult.Change> durableLog = new ArrayList<>();
    private final Map<Relation, List<Object[]>> queuedEvents = new LinkedHashMap<>();
    /** Events, and relations that report removals (see {@link #reportsRemovals}), holding rows: emptied row by row. */
    private final List<Relation> nonEmptyEvents = new ArrayList<>();
    /**
     * Relations emptied wholesale when a step starts: events, and derived relations every rule
     * of which reads an event (or such a relation) in a positive atom, so that nothing they
     * hold survives the events' going. Each is derived from scratch in every step. Those whose
     * readers all are too need no removals reported: their stores are emptied at once. The others
     * ({@link #reportsRemovals}) are emptied row by row, as events are.
     */
    private final boolean[] isWholesale;
    /**
     * Relations emptied wholesale whose removals a reader in a higher stratum needs (a view kept
     * up to date, not derived from scratch): emptied row by row when a step starts, each row a
     * removal, and derived again in their stratum, where a row derived again cancels its removal.
     * Their own inputs need report nothing. (Before, such a relation was not emptied wholesale,
     * nor was anything it read: one view of the namespace that mixed a table with an event,
     * ns_groups, had every applied entry of the log, from l_apply on, removed through the
     * over-deletion of every rule that had derived it.)
     */
    private final boolean[] reportsRemovals;
    /** @next sources emptied wholesale, and the rows each held at the last transition. */
    private final List<Relation> wholesaleNextSources = new ArrayList<>();
    private final Object[][][] lastNextRows;
    private static final Object[][] NO_ROWS = new Object[0][];
    /** Relations every row of which rests on this step's events (see findWholesale). */
    private final boolean[] isTransient;
    /**
     * By relation id: its stored rows plus the rows its delta removed (Store.track, Delta.track).
     * Zero means a plan reading it has no match (emptyInput), asked before every plan run: one
     * array, where the two counts were two objects apart, each a cache miss (5-7% of a
     * replica's samples in emptyInput).
     */
    private final int[] held;
    /** The wholesale relations that hold rows (the only ones a step has to empty). */
    private final List<Relation> filledWholesale = new ArrayList<>();
    private final boolean[] wholesaleListed;
    private final boolean[] eventListed;
    private final long[] timerDue;
    private final List<Relation> timers = new ArrayList<>();
    private final Relation sysStep;
    private final Relation sysNow;
    private final Relation sysRelation;
    private final Relation sysRule;
    private final Map<String, Object[]> sysRelationRows = new HashMap<>();
    private final Map<Integer, Object[]> sysRuleRows = new HashMap<>();
    private boolean pendingChanges;
    /** Relation sizes after the last step, for sys_relation (null before the first step). */
    private long[] sizesAtEndOfLastStep;
    private long step;
    private long nowMs;
    private long derivedThisStep;

    /** What one stratum needs: its rules with their delta plans, and its input relations. */
    private final class StratumPlan {
        final int index;
        final List<Relation> rels;
        final List<Rule> rules = new ArrayList<>();
        final List<Action> inserts = new ArrayList<>();
        final List<Relation> inputs = new ArrayList<>();
        final boolean[] inStratum;
        Rule aggregate;
        /** Whether the aggregate's large groups are kept up to date from its deltas (see {@link AggGroup}); null until decided. */
        Boolean incremental;
        /** The aggregate's groups kept up to date from the deltas, by group key. */
        final Map<List<Object>, AggGroup> aggGroups = new HashMap<>();
        /**
         * The atoms of the rules (aggregate excluded, and rules whose head is emptied
         * wholesale) over relations computed below this stratum or filled from outside it:
         * their deltas seed phases 1 and 3. In rule and body order.
         */
        SeedSite[] lowerSites;
        /** The positive atoms over relations of this stratum (the seeds of later rounds), in order. */
        SeedSite[] innerSites;
        /** The same, for the rules phase 1 looks at (not those whose head is emptied wholesale). */
        SeedSite[] deleteInnerSites;
        /**
         * For each rule whose head is emptied wholesale (derived from scratch in each step):
         * its first positive atom over a transient relation of a lower stratum, if any, seeded
         * with that relation's whole content. A rule without one reads a transient relation of
         * this stratum, emptied wholesale too, whose rows all come fresh in later rounds.
         */
        SeedSite[] fullSeeds;
        /** fullSeeds, each with its index on its atom's constants (made once the stores are sealed). */
        FullSite[] fullSites;
        /** The relations of fullSites: the stratum has to run whenever one of them holds rows. */
        Relation[] fullSeedRels;
        /** {@link #inputs} and {@link #inserts} as arrays, for the loops of every step. */
        Relation[] inputArray;
        Action[] insertArray;

        StratumPlan(int index, List<Relation> rels) {
            this.index = index;
            this.rels = rels;
            this.inStratum = new boolean[program.relations().size()];
            for (Relation r : rels) {
                inStratum[r.id] = true;
            }
        }
    }

    /**
     * A body atom where a delta plan starts: {@code plan} is seeded at it; for a negated atom
     * {@code planKeepingNot} also tests the negation afterwards (phase 3 seeds it with rows that
     * disappeared, which must still be absent).
     */
    private record SeedSite(Rule rule, Relation rel, boolean negated, Plan plan, Plan planKeepingNot) {
    }

    /**
     * A seed site that enumerates a whole lower relation (fullSites) and keeps only its rows
     * with constants in some columns, such as each kind's rule over ns_ok(Ref, "mkdirs", Op):
     * it reads those rows from an index of the relation on the constants' columns instead of
     * binding every row and testing it (a leader serving stats bound every ns_ok row once for
     * each of the kinds' rules: 11% of its samples in bindRow).
     */
    private record FullSite(SeedSite site, int index, Object[] consts, int hash) {
    }

    /** The full site of {@code site}: keyed on its constants when its seed atom has some. */
    private FullSite fullSite(SeedSite site) {
        Plan.Op op = site.plan().ops[0];
        // The constants by column, ascending (indexFor matches the columns exactly). A boolean
        // constant splits the rows in two at best: not worth an index kept on every row.
        TreeMap<Integer, Object> byCol = new TreeMap<>();
        for (int j = 0; op.kind == Plan.SEED && j < op.checkCols.length; j++) {
            if (op.checkSlots[j] < 0 && !(op.checkConsts[j] instanceof Boolean)) {
                byCol.putIfAbsent(op.checkCols[j], op.checkConsts[j]);
            }
        }
        if (byCol.isEmpty()) {
            return new FullSite(site, -1, null, 0);
        }
        int[] cols = byCol.keySet().stream().mapToInt(Integer::intValue).toArray();
        Object[] consts = byCol.values().toArray();
        int id = stores[site.rel().id].indexFor(cols);
        return new FullSite(site, id, consts, Index.probeHash(consts));
    }

    /** plans[rule.id][lit]: the plan of the rule seeded at that literal (null for non-atoms). */
    private final Plan[][] seeded;
    private final Plan[][] seededKeepingNot;
    /** By rule id: the plan that starts from the head's bound columns (rederivation, aggregate groups). */
    private final Plan[] headBound;

    private Plan seed(Rule r, int lit, boolean negatedSeedKeepsTest) {
        Plan[][] byRule = negatedSeedKeepsTest ? seededKeepingNot : seeded;
        if (byRule[r.id] == null) {
            byRule[r.id] = new Plan[r.body.size()];
        }
        Plan[] ps = byRule[r.id];
        if (ps[lit] == null) {
            ps[lit] = Plan.compile(r, lit, negatedSeedKeepsTest, null, stores, r.head.stratum);
        }
        return ps[lit];
    }

    private Plan headBound(Rule r) {
        if (headBound[r.id] == null) {
            boolean[] b = new boolean[r.frameSize];
            for (int i = 0; i < r.headSlots.length; i++) {
                boolean isAgg = false;
                for (Rule.Agg ag : r.aggs) {
                    isAgg |= ag.column() == i;
                }
                if (r.headSlots[i] >= 0 && !isAgg) {
                    b[r.headSlots[i]] = true;
                }
            }
            headBound[r.id] = Plan.compile(r, -1, false, b, stores, r.head.stratum);
        }
        return headBound[r.id];
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public IncrementalEvaluator(Program program, String address, NodeOptions options) {
        this.program = program;
        this.address = address;
        this.options = options;
        int n = program.relations().size();
        stores = new Store[n];
        relationsById = new Relation[n];
        delta = new Delta[n];
        deltaRead = new boolean[n];
        watchDelta = new Delta[n];
        nextInto = new List[n];
        recheck = new RowSet[n];
        touchedAdded = new List[n];
        touchedRemoved = new List[n];
        fired = new long[program.rules().size()];
        ruleNanos = PROFILE_RULES ? new long[program.rules().size()] : null;
        ruleNanosBefore = PROFILE_RULES ? new long[program.rules().size()] : null;
        seeded = new Plan[program.rules().size()][];
        seededKeepingNot = new Plan[program.rules().size()][];
        headBound = new Plan[program.rules().size()];
        deltaDirty = new boolean[n];
        dirtyDeltas = new int[n];
        strataToConsider = new long[(program.strata().size() + 63) / 64];
        seedPlus = new Object[n][][];
        seedMinus = new Object[n][][];
        eventListed = new boolean[n];
        isWholesale = new boolean[n];
        reportsRemovals = new boolean[n];
        lastNextRows = new Object[n][][];
        isTransient = new boolean[n];
        wholesaleListed = new boolean[n];
        timerDue = new long[n];
        held = new int[n];
        Canon canon = new Canon();
        for (Relation r : program.relations()) {
            stores[r.id] = new Store(r, canon);
            stores[r.id].track(held, r.id);
            relationsById[r.id] = r;
            delta[r.id] = new Delta();
            delta[r.id].track(held, r.id);
            if (r.watched) {
                watchDelta[r.id] = new Delta();
            }
            if (r.isTimer()) {
                timers.add(r);
                timerDue[r.id] = Long.MIN_VALUE;
            }
        }
        for (Action a : program.actions()) {
            if (a.kind() == Action.Kind.NEXT && a.target().kind == Relation.Kind.TABLE) {
                list(nextInto, a.target()).add(a);
            } else if (a.kind() == Action.Kind.INSERT_NOW) {
                recheck[a.target().id] = new RowSet(null);
            }
        }
        strata = new StratumPlan[program.strata().size()];
        for (int s = 0; s < strata.length; s++) {
            strata[s] = new StratumPlan(s, program.strata().get(s));
        }
        for (Rule r : program.rules()) {
            StratumPlan sp = strata[r.head.stratum];
            if (r.isAggregate()) {
                sp.aggregate = r;
            } else {
                sp.rules.add(r);
            }
        }
        for (Action a : program.actions()) {
            if (a.kind() == Action.Kind.INSERT_NOW) {
                strata[a.target().stratum].inserts.add(a);
            }
        }
        findWholesale();
        for (StratumPlan sp : strata) {
            List<Rule> all = new ArrayList<>(sp.rules);
            if (sp.aggregate != null) {
                all.add(sp.aggregate);
            }
            for (Rule r : all) {
                for (Lit l : r.body) {
                    if (l instanceof Lit.Atom a && !sp.inStratum[a.rel().id] && !sp.inputs.contains(a.rel())) {
                        sp.inputs.add(a.rel());
                    }
                }
            }
            for (Action a : sp.inserts) {
                if (!sp.inStratum[a.source().id] && !sp.inputs.contains(a.source())) {
                    sp.inputs.add(a.source());
                }
            }
            for (Relation r : sp.rels) {
                if (r.kind == Relation.Kind.TABLE && !sp.inputs.contains(r)) {
                    sp.inputs.add(r);
                }
            }
            // Plans are compiled up front so that every index exists before rows arrive. (The
            // plan of a rule seeded by no literal is never run: the indexes it asked for, kept
            // on every write, were used by no plan that runs. Nor is the head-bound plan of a
            // rule whose head is emptied wholesale or aggregated: it only checks whether an
            // over-deleted row is still derivable, and such a head is never over-deleted.
            // entry's index by (child, isDir), about 10 bytes a file, was one.)
            // Likewise, a rule whose head is emptied wholesale runs only from the whole of one
            // transient atom and from its stratum's new rows (seedSites): the plans seeded by its
            // other atoms never ran, and their indexes were kept on every write (entry's by
            // vpart, for ns_walk's `notin ns_away(V)`, was one).
            for (Rule r : all) {
                if (!r.isAggregate() && !isWholesale[r.head.id]) {
                    headBound(r);
                }
                if (r.isAggregate()) {
                    for (int i = 0; i < r.body.size(); i++) {
                        if (r.body.get(i) instanceof Lit.Atom a) {
                            seed(r, i, false);
                            if (a.negated()) {
                                seed(r, i, true);
                            }
                        }
                    }
                }
            }
            seedSites(sp);
        }
        List<List<Integer>> readerLists = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            readerLists.add(new ArrayList<>());
        }
        for (StratumPlan sp : strata) {
            for (Relation r : sp.inputs) {
                deltaRead[r.id] = true;
                readerLists.get(r.id).add(sp.index);
            }
        }
        readers = new int[n][];
        for (int i = 0; i < n; i++) {
            readers[i] = readerLists.get(i).stream().mapToInt(Integer::intValue).toArray();
        }
        for (Action a : program.actions()) {
            deltaRead[a.source().id] = true;
            if ((a.kind() == Action.Kind.DELETE || a.kind() == Action.Kind.NEXT)
                && a.target().kind == Relation.Kind.TABLE && touchedAdded[a.target().id] == null) {
                touchedAdded[a.target().id] = new ArrayList<>();
                touchedRemoved[a.target().id] = new ArrayList<>();
            }
        }
        touchedTargets = new Relation[n];
        touchDirty = new boolean[n];
        actions = program.actions().toArray(new Action[0]);
        actionSources = new Store[actions.length];
        for (int k = 0; k < actions.length; k++) {
            actionSources[k] = stores[actions[k].source().id];
        }
        insertNowActions = program.actions().stream().filter(a -> a.kind() == Action.Kind.INSERT_NOW).toArray(Action[]::new);
        watched = program.relations().stream().filter(r -> r.watched).toArray(Relation[]::new);
        die = program.relation("die");
        for (Store st : stores) {
            st.seal();
        }
        // After the seal: an index on a seed's constants is an extra, never the one that holds a
        // relation's rows (a kind's few values would make every insert search a long group).
        for (StratumPlan sp : strata) {
            sp.fullSites = Arrays.stream(sp.fullSeeds).map(this::fullSite).toArray(FullSite[]::new);
        }
        List<Relation> keptRels = new ArrayList<>();
        List<Integer> keptStrata = new ArrayList<>();
        for (StratumPlan sp : strata) {
            for (Relation r : sp.fullSeedRels) {
                if (!isWholesale[r.id]) {
                    keptRels.add(r);
                    keptStrata.add(sp.index);
                }
            }
        }
        keptSeedRels = keptRels.toArray(new Relation[0]);
        keptSeedStrata = keptStrata.stream().mapToInt(Integer::intValue).toArray();
        Relation self = program.relation("self");
        insertRow(self, new Object[] {address});
        sysStep = used("sys_step");
        sysNow = used("sys_now");
        sysRelation = used("sys_relation");
        sysRule = used("sys_rule");
        overDeleted = new RoundNew();
        deleteRound = new RoundNew();
        deleteNext = new RoundNew();
        rederived = new RoundNew();
        freshA = new Fresh();
        freshB = new Fresh();
        pendingChanges = true;
    }

    private void seedSites(StratumPlan sp) {
        List<SeedSite> lower = new ArrayList<>();
        List<SeedSite> inner = new ArrayList<>();
        List<SeedSite> deleteInner = new ArrayList<>();
        List<SeedSite> full = new ArrayList<>();
        List<Relation> fullRels = new ArrayList<>();
        for (Rule r : sp.rules) {
            boolean fromScratch = isWholesale[r.head.id];
            boolean seeded = false;
            for (int i = 0; i < r.body.size(); i++) {
                if (r.body.get(i) instanceof Lit.Atom a) {
                    Relation rel = a.rel();
                    boolean isLower = !(sp.inStratum[rel.id] && rel.isDerived());
                    // Every derivation of the rule joins a row of this relation: its whole
                    // content enumerates them all.
                    boolean isFull = isLower && fromScratch && !seeded && !a.negated() && isTransient[rel.id];
                    boolean isInner = !a.negated() && sp.inStratum[rel.id];
                    if (!(isLower && !fromScratch) && !isFull && !isInner) {
                        continue; // never a seed: no plan (see the constructor)
                    }
                    SeedSite site = new SeedSite(r, rel, a.negated(), seed(r, i, false), seed(r, i, a.negated()));
                    if (isLower && !fromScratch) {
                        lower.add(site);
                    }
                    if (isFull) {
                        seeded = true;
                        full.add(site);
                        if (!fullRels.contains(rel)) {
                            fullRels.add(rel);
                        }
                    }
                    if (isInner) {
                        inner.add(site);
                        if (!fromScratch) {
                            deleteInner.add(site);
                        }
                    }
                }
            }
        }
        sp.lowerSites = lower.toArray(new SeedSite[0]);
        sp.innerSites = inner.toArray(new SeedSite[0]);
        sp.deleteInnerSites = deleteInner.toArray(new SeedSite[0]);
        sp.fullSeeds = full.toArray(new SeedSite[0]);
        sp.fullSeedRels = fullRels.toArray(new Relation[0]);
        sp.inputArray = sp.inputs.toArray(new Relation[0]);
        sp.insertArray = sp.inserts.toArray(new Action[0]);
    }

    private void findWholesale() {
        int n = program.relations().size();
        boolean[] transientRel = new boolean[n];
        for (Relation r : program.relations()) {
            // sys_now holds a new time in every step, like an event.
            transientRel[r.id] = r.kind == Relation.Kind.EVENT || r.isDerived() || r.name.equals("sys_now");
        }
        // Greatest fixpoint: a derived relation stays transient while each of its rules reads a
        // transient relation in a positive atom (every derivation then rests on an event).
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Rule r : program.rules()) {
                if (!transientRel[r.head.id]) {
                    continue;
                }
                boolean readsTransient = false;
                for (Lit l : r.body) {
                    if (l instanceof Lit.Atom a && !a.negated() && transientRel[a.rel().id]) {
                        readsTransient = true;
                    }
                }
                if (!readsTransient) {
                    transientRel[r.head.id] = false;
                    changed = true;
                }
            }
        }
        System.arraycopy(transientRel, 0, isTransient, 0, n);
        boolean[] w = transientRel.clone();
        boolean[] rep = new boolean[n];
        // A relation read by a rule whose head is not emptied wholesale must report removals:
        // emptied row by row (rep) when the head is in a higher stratum, else not emptied
        // wholesale at all (a stratum's rounds do not seed from removals of its own relations).
        // A head emptied wholesale is derived again from scratch in every step: a rule of it
        // seeds from the whole of a transient relation of a lower stratum (see fullSites), so
        // that relation may report removals or not. Its deltas would not do: an event arriving
        // again is a removal and a re-insertion that cancel out. But a transient input of the
        // head's own stratum, and any transient input of an aggregate (which recomputes only
        // the groups its deltas touch), must be emptied wholesale too, so that all its rows of
        // the step are new.
        changed = true;
        while (changed) {
            changed = false;
            for (Rule r : program.rules()) {
                for (Lit l : r.body) {
                    if (!(l instanceof Lit.Atom a)) {
                        continue;
                    }
                    boolean sameStratum = strata[r.head.stratum].inStratum[a.rel().id];
                    if (w[a.rel().id] && !w[r.head.id]) {
                        if (sameStratum) {
                            w[a.rel().id] = false;
                            changed = true;
                        } else if (!rep[a.rel().id]) {
                            rep[a.rel().id] = true;
                            changed = true;
                        }
                    }
                    // Rows that were there before and came again are no change to an emptied
                    // relation that reports removals: they are not all new.
                    boolean needsNewRows = r.isAggregate() || sameStratum;
                    if (w[r.head.id] && transientRel[a.rel().id] && (!w[a.rel().id] || rep[a.rel().id]) && needsNewRows) {
                        w[r.head.id] = false;
                        changed = true;
                    }
                }
            }
        }
        for (Relation r : program.relations()) {
            if (w[r.id]) {
                isWholesale[r.id] = true;
                reportsRemovals[r.id] = rep[r.id];
            }
        }
        for (Action a : program.actions()) {
            if (a.kind() == Action.Kind.NEXT && isWholesale[a.source().id] && !wholesaleNextSources.contains(a.source())) {
                wholesaleNextSources.add(a.source());
                lastNextRows[a.source().id] = NO_ROWS;
            }
        }
    }

    private Relation used(String name) {
        Relation r = program.relation(name);
        return r != null && r.readByRules ? r : null;
    }

    private static List<Action> list(List<Action>[] lists, Relation r) {
        if (lists[r.id] == null) {
            lists[r.id] = new ArrayList<>();
        }
        return lists[r.id];
    }

    // ------------------------------------------------------------------ mutation, with bookkeeping

    private void insertRow(Relation r, Object[] row) {
        checkRoom(r);
        stores[r.id].add(row);
        added(r, row);
    }

    /** Inserts {@code row} unless its key is held; returns null when inserted, else the holder. */
    private Object[] insertOrHolder(Relation r, Object[] row) {
        checkRoom(r);
        Object[] holder = stores[r.id].addOrHolder(row);
        if (holder == null) {
            added(r, row);
        }
        return holder;
    }

    private void checkRoom(Relation r) {
        if (stores[r.id].size() >= options.maxTuplesPerRelation()) {
            throw new OverlogException("relation " + r.name + " reached its limit of " + options.maxTuplesPerRelation()
                + " tuples (NodeOptions.maxTuplesPerRelation)");
        }
    }

    /** The bookkeeping of a row just stored: deltas, watch, durable log, event lists. */
    private void added(Relation r, Object[] row) {
        if (deltaRead[r.id]) {
            changing(r).added(row);
        }
        if (watchDelta[r.id] != null) {
            watchDelta[r.id].added(row);
        }
        if (r.durable) {
            durableLog.add(new StepResult.Change(Tuple.wrap(r.name, row), true));
        }
        if (touchedAdded[r.id] != null) {
            touching(r);
            touchedAdded[r.id].add(row);
        }
        if (isWholesale[r.id] && !reportsRemovals[r.id] && !wholesaleListed[r.id]) {
            wholesaleListed[r.id] = true;
            filledWholesale.add(r);
        }
        if ((r.kind == Relation.Kind.EVENT && !isWholesale[r.id] || reportsRemovals[r.id]) && !eventListed[r.id]) {
            eventListed[r.id] = true;
            nonEmptyEvents.add(r);
        }
    }

    private Object[] deleteRow(Relation r, Object[] row) {
        Object[] stored = stores[r.id].remove(row);
        if (stored == null) {
            return null;
        }
        if (deltaRead[r.id]) {
            changing(r).removed(stored);
        }
        if (watchDelta[r.id] != null) {
            watchDelta[r.id].removed(stored);
        }
        if (r.durable) {
            durableLog.add(new StepResult.Change(Tuple.wrap(r.name, stored), false));
        }
        if (touchedRemoved[r.id] != null) {
            touching(r);
            touchedRemoved[r.id].add(stored);
        }
        // A row an instant rule still derives must come back (or clash) at the next fixpoint.
        if (recheck[r.id] != null) {
            recheck[r.id].add(stored);
            consider(r.stratum);
        }
        return stored;
    }

    /** The delta of {@code r}, about to change: the first change since the last transition marks its readers. */
    private Delta changing(Relation r) {
        if (!deltaDirty[r.id]) {
            deltaDirty[r.id] = true;
            dirtyDeltas[dirtyDeltaCount++] = r.id;
            for (int s : readers[r.id]) {
                consider(s);
            }
        }
        return delta[r.id];
    }

    /** A touch target (see touchedAdded) about to record a row: listed for the transition to clear. */
    private void touching(Relation t) {
        if (!touchDirty[t.id]) {
            touchDirty[t.id] = true;
            touchedTargets[touchedTargetCount++] = t;
        }
    }

    private void consider(int stratum) {
        strataToConsider[stratum >>> 6] |= 1L << stratum;
    }

    /** The lowest stratum marked to consider from {@code from} on, unmarked; -1 when none. */
    private int takeStratumToConsider(int from) {
        for (int w = from >>> 6; w < strataToConsider.length; w++) {
            long bits = strataToConsider[w] & (-1L << (w == from >>> 6 ? from & 63 : 0));
            if (bits != 0) {
                int s = (w << 6) + Long.numberOfTrailingZeros(bits);
                strataToConsider[w] &= ~(1L << s);
                return s;
            }
        }
        return -1;
    }

    /** Inserts into a table, replacing the row that holds the key; returns the replaced row. */
    private Object[] upsert(Relation r, Object[] row) {
        Object[] holder = insertOrHolder(r, row);
        if (holder == null || Arrays.equals(holder, row)) {
            return null;
        }
        deleteRow(r, holder);
        insertRow(r, row);
        return holder;
    }

    // ------------------------------------------------------------------ Evaluator

    @Override
    public void load(Relation rel, Object[] row) {
        if (rel.kind == Relation.Kind.TABLE) {
            upsert(rel, row);
            pendingChanges = true;
        } else {
            queuedEvents.computeIfAbsent(rel, k -> new ArrayList<>()).add(row);
        }
    }

    @Override
    public List<Object[]> rows(Relation rel) {
        return Arrays.asList(stores[rel.id].snapshot());
    }

    @Override
    public boolean hasPendingWork() {
        return pendingChanges || !queuedEvents.isEmpty();
    }

    @Override
    public long nextTimerDueMs() {
        long due = Long.MAX_VALUE;
        for (Relation t : timers) {
            due = Math.min(due, timerDue[t.id] == Long.MIN_VALUE ? Long.MIN_VALUE : timerDue[t.id]);
        }
        return due;
    }

    @Override
    public long steps() {
        return step;
    }

    @Override
    public StepResult step(long nowMs, List<Tuple> inbound) {
        this.nowMs = nowMs;
        step++;
        if (ruleNanos != null) {
            System.arraycopy(ruleNanos, 0, ruleNanosBefore, 0, ruleNanos.length);
        }
        derivedThisStep = 0;
        pendingChanges = false;
        receive(inbound);
        // A stratum that runs marks only strata above it (stratification), which this loop
        // then reaches; a mark at or below it stays for the transition to clear.
        for (int s = takeStratumToConsider(0); s >= 0; s = takeStratumToConsider(s + 1)) {
            StratumPlan sp = strata[s];
            if (sp.aggregate == null) {
                stratum(sp);
            } else if (needsRun(sp)) {
                aggregateStratum(sp);
            }
        }
        List<String> dies = dieMessages();
        Map<String, List<Tuple>> outbound = transition();
        List<StepResult.WatchEvent> watch = watchEvents();
        if (sysRelation != null) {
            sizesAtEndOfLastStep = sizes();
        }
        List<StepResult.Change> durable = List.copyOf(durableLog);
        durableLog.clear();
        return new StepResult(step, durable, outbound, watch, dies);
    }

    private boolean needsRun(StratumPlan sp) {
        for (Relation r : sp.inputArray) {
            if (deltaDirty[r.id] && !delta[r.id].isEmpty()) {
                return true;
            }
        }
        return hasWorkBesidesDeltas(sp);
    }

    /** Rows an INSERT_NOW target lost, or rows of a seed the stratum derives from scratch. */
    private boolean hasWorkBesidesDeltas(StratumPlan sp) {
        for (Action a : sp.insertArray) {
            if (!recheck[a.target().id].isEmpty()) {
                return true;
            }
        }
        for (Relation r : sp.fullSeedRels) {
            if (stores[r.id].size() > 0) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ receive

    private void receive(List<Tuple> inbound) {
        long[] sizes = sysRelation == null ? null : sizesAtEndOfLastStep != null ? sizesAtEndOfLastStep : sizes();
        for (Relation r : filledWholesale) {
            Store st = stores[r.id];
            if (st.size() > 0) {
                if (watchDelta[r.id] != null) {
                    st.forEach(watchDelta[r.id]::removed);
                }
                st.clear();
            }
            wholesaleListed[r.id] = false;
        }
        filledWholesale.clear();
        for (Relation e : nonEmptyEvents) {
            for (Object[] row : stores[e.id].snapshot()) {
                deleteRow(e, row);
            }
            eventListed[e.id] = false;
        }
        nonEmptyEvents.clear();
        if (!queuedEvents.isEmpty()) {
            for (Map.Entry<Relation, List<Object[]>> q : queuedEvents.entrySet()) {
                for (Object[] row : q.getValue()) {
                    addEvent(q.getKey(), row);
                }
            }
            queuedEvents.clear();
        }
        for (Tuple t : inbound) {
            Relation r = program.relation(t.relation()).receivedInto;
            Object[] row = t.valuesUnsafe();
            if (r.kind == Relation.Kind.TABLE) {
                upsert(r, row.clone());
            } else {
                addEvent(r, row);
            }
        }
        for (Relation t : timers) {
            if (timerDue[t.id] == Long.MIN_VALUE) {
                timerDue[t.id] = nowMs;
            }
            if (nowMs >= timerDue[t.id]) {
                addEvent(t, new Object[0]);
                while (timerDue[t.id] <= nowMs) {
                    timerDue[t.id] += t.timerPeriodMs;
                }
            }
        }
        if (sysNow != null) {
            for (Object[] row : stores[sysNow.id].snapshot()) {
                deleteRow(sysNow, row);
            }
            insertRow(sysNow, new Object[] {nowMs});
        }
        if (sysStep != null) {
            for (Object[] row : stores[sysStep.id].snapshot()) {
                deleteRow(sysStep, row);
            }
            insertRow(sysStep, new Object[] {address, step, nowMs});
        }
        if (sysRelation != null) {
            for (Relation r : program.relations()) {
                if (!r.internal) {
                    Object[] now = {address, r.name, sizes[r.id]};
                    Object[] old = sysRelationRows.get(r.name);
                    if (old == null || !Objects.equals(old[2], now[2])) {
                        if (old != null) {
                            deleteRow(sysRelation, old);
                        }
                        insertRow(sysRelation, now);
                        sysRelationRows.put(r.name, now);
                    }
                }
            }
        }
        if (sysRule != null) {
            for (Rule r : program.rules()) {
                // Micros stays 0: the core reads no clock (ARCHITECTURE.md, "The step contract").
                Object[] now = {address, program.name(), r.name(), fired[r.id], 0L};
                Object[] old = sysRuleRows.get(r.id);
                if (old == null || !Arrays.equals(old, now)) {
                    if (old != null) {
                        deleteRow(sysRule, old);
                    }
                    if (stores[sysRule.id].find(now) == null) {
                        insertRow(sysRule, now);
                    }
                    sysRuleRows.put(r.id, now);
                }
            }
        }
        // A stratum that derives a wholesale relation from scratch must run in every step in
        // which its seed relation holds rows. One emptied wholesale gets them in this step
        // (marking the stratum); one that is not may keep them, untouched, from earlier steps
        // (an aggregate whose value did not change, a view over an event that came again).
        for (int k = 0; k < keptSeedRels.length; k++) {
            if (stores[keptSeedRels[k].id].size() > 0) {
                consider(keptSeedStrata[k]);
            }
        }
    }

    private long[] sizes() {
        long[] sizes = new long[program.relations().size()];
        for (Relation r : program.relations()) {
            sizes[r.id] = stores[r.id].size();
        }
        return sizes;
    }

    private void addEvent(Relation r, Object[] row) {
        if (!stores[r.id].contains(row)) {
            insertRow(r, row.clone());
        }
    }

    // ------------------------------------------------------------------ plan execution

    /** Receives the frame of every body match. */
    private interface Emitter {
        void emit(Object[] frame);
    }

    private int mode;
    private boolean stop;

    /**
     * With {@code -Dboomfs.profile.rules=true}, the wall time spent evaluating each rule's plans
     * (a rule whose emitter runs another rule counts that one too), for {@link #ruleProfile}: a
     * profiling aid, off by default (then the JIT drops the timing).
     */
    private static final boolean PROFILE_RULES = Boolean.getBoolean("boomfs.profile.rules");
    private final long[] ruleNanos;
    /** {@link #ruleNanos} as the last step began, for {@link #stepProfile}. */
    private final long[] ruleNanosBefore;

    /**
     * Every plan compiled for the rules, one line each: the rule's name and its steps, each atom
     * with its access (seed, scan, member, key, index or expr and the index's key), seeded plans
     * first, then those that start from a head tuple. A diagnostic aid (and what tests check).
     */
    public List<String> plans() {
        List<String> out = new ArrayList<>();
        for (Plan[][] byRule : List.of(seeded, seededKeepingNot)) {
            for (Plan[] ps : byRule) {
                for (Plan p : ps == null ? new Plan[0] : ps) {
                    if (p != null) {
                        out.add(p.toString());
                    }
                }
            }
        }
        for (Plan p : headBound) {
            if (p != null) {
                out.add("head-bound " + p);
            }
        }
        return out;
    }

    /** The relations emptied wholesale that report their removals (see {@link #reportsRemovals}), by name. */
    public List<String> emptiedRowByRow() {
        List<String> out = new ArrayList<>();
        for (Relation r : program.relations()) {
            if (reportsRemovals[r.id]) {
                out.add(r.name);
            }
        }
        return out;
    }

    /** The rules that took the most time in the last step, as " (ms rule; ...)"; empty without the rule profile. */
    public String stepProfile(int top) {
        if (ruleNanos == null) {
            return "";
        }
        List<Rule> rules = new ArrayList<>(program.rules());
        rules.sort((a, b) -> Long.compare(ruleNanos[b.id] - ruleNanosBefore[b.id], ruleNanos[a.id] - ruleNanosBefore[a.id]));
        StringBuilder out = new StringBuilder(" (");
        for (Rule r : rules.subList(0, Math.min(top, rules.size()))) {
            String text = r.text.replaceAll("\\s+", " ");
            out.append(out.length() > 2 ? "; " : "").append((ruleNanos[r.id] - ruleNanosBefore[r.id]) / 1_000_000).append(" ms ")
                .append(text, 0, Math.min(160, text.length()));
        }
        return out.append(')').toString();
    }

    /**
     * The relations holding at least {@code minRows} rows, one line each: rows, then each index
     * as columns:keys/buckets (keys held by more than one row) and each expression index's keys.
     */
    public String storageReport(int minRows) {
        StringBuilder sb = new StringBuilder();
        for (Store st : stores) {
            if (st.size() >= minRows) {
                sb.append(st.describe()).append('\n');
            }
        }
        return sb.toString();
    }

    /** The rules that took the most time so far (needs {@code -Dboomfs.profile.rules=true}), one per line. */
    public String ruleProfile(int top) {
        if (ruleNanos == null) {
            return "no rule profile (run with -Dboomfs.profile.rules=true)\n";
        }
        List<Rule> rules = new ArrayList<>(program.rules());
        rules.sort((a, b) -> Long.compare(ruleNanos[b.id], ruleNanos[a.id]));
        StringBuilder out = new StringBuilder("ms fired rule\n");
        for (Rule r : rules.subList(0, Math.min(top, rules.size()))) {
            out.append(ruleNanos[r.id] / 1_000_000).append(' ').append(fired[r.id]).append(' ').append(r.name()).append(": ")
                .append(r.text.replaceAll("\\s+", " ")).append('\n');
        }
        return out.toString();
    }

    private void run(Plan p, Object[][] seeds, int seedCount, Emitter out) {
        if (PROFILE_RULES) {
            long t0 = System.nanoTime();
            runTimed(p, seeds, seedCount, out);
            ruleNanos[p.rule.id] += System.nanoTime() - t0;
        } else {
            runTimed(p, seeds, seedCount, out);
        }
    }

    private void runTimed(Plan p, Object[][] seeds, int seedCount, Emitter out) {
        if (emptyInput(p)) {
            return;
        }
        Object[] frame = new Object[p.rule.frameSize];
        stop = false;
        try {
            if (p.ops.length > 0 && p.ops[0].kind == Plan.SEED) {
                Plan.Op op = p.ops[0];
                for (int i = 0; i < seedCount && !stop; i++) {
                    if (bindRow(op, seeds[i], frame)) {
                        exec(p, 1, frame, out);
                    }
                }
            } else {
                exec(p, 0, frame, out);
            }
        } catch (EvalException e) {
            throw new OverlogException("rule " + p.rule.name() + " failed: " + e.getMessage() + "\n  in: " + p.rule.text);
        }
    }

    private void runBound(Plan p, Object[] frame, Emitter out) {
        if (emptyInput(p)) {
            return;
        }
        stop = false;
        try {
            exec(p, 0, frame, out);
        } catch (EvalException e) {
            throw new OverlogException("rule " + p.rule.name() + " failed: " + e.getMessage() + "\n  in: " + p.rule.text);
        }
    }

    /**
     * Whether an atom the plan reads has no row now and had none before this step (it lost
     * none): then neither the current state (the insert phase) nor the old one (over-deletion,
     * which also reads the rows removed) gives the plan a match.
     */
    private boolean emptyInput(Plan p) {
        int[] h = held;
        for (int id : p.needs) {
            assert h[id] == stores[id].size() + delta[id].minus.size()
                : "held[" + relationsById[id].name + "] " + h[id] + " != " + stores[id].size() + " + " + delta[id].minus.size();
            if (h[id] == 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean bindRow(Plan.Op op, Object[] row, Object[] frame) {
        int[] bc = op.bindCols;
        int[] bs = op.bindSlots;
        for (int k = 0; k < bc.length; k++) {
            frame[bs[k]] = row[bc[k]];
        }
        int[] cc = op.checkCols;
        for (int k = 0; k < cc.length; k++) {
            int s = op.checkSlots[k];
            Object want = s >= 0 ? frame[s] : op.checkConsts[k];
            if (!Objects.equals(row[cc[k]], want)) {
                return false;
            }
        }
        return true;
    }

    private void probeRow(Plan.Op op, Object[] frame) {
        Object[] row = op.scratchRow;
        for (int k = 0; k < op.probeCols.length; k++) {
            int s = op.probeSlots[k];
            row[op.probeCols[k]] = s >= 0 ? frame[s] : op.probeConsts[k];
        }
    }

    /**
     * The probe of an expression index: the bound columns' values, then each known side's value;
     * null when a side fails, since the literal it stands for is then false for every row.
     */
    private Object[] exprVals(Plan.Op op, Object[] frame) {
        Object[] vals = op.scratchVals;
        int[] from = op.probeSource;
        for (int p = 0; p < from.length; p++) {
            int k = from[p];
            if (k >= 0) {
                int s = op.probeSlots[k];
                vals[p] = s >= 0 ? frame[s] : op.probeConsts[k];
            } else {
                try {
                    vals[p] = op.probeExprs[-1 - k].eval(frame, nowMs);
                } catch (EvalException e) {
                    return null;
                }
            }
        }
        return vals;
    }

    private Object[] accessVals(Plan.Op op, Object[] frame) {
        Object[] vals = op.scratchVals;
        int n = 0;
        for (int c : op.accessCols) {
            for (int k = 0; k < op.probeCols.length; k++) {
                if (op.probeCols[k] == c) {
                    int s = op.probeSlots[k];
                    vals[n++] = s >= 0 ? frame[s] : op.probeConsts[k];
                }
            }
        }
        return n == vals.length ? vals : Arrays.copyOf(vals, n);
    }

    private void exec(Plan p, int i, Object[] frame, Emitter out) {
        if (stop) {
            return;
        }
        if (i == p.ops.length) {
            out.emit(frame);
            return;
        }
        Plan.Op op = p.ops[i];
        switch (op.kind) {
            case Plan.FILTER:
                if (Boolean.TRUE.equals(bodyValue(op, frame))) {
                    exec(p, i + 1, frame, out);
                }
                return;
            case Plan.ASSIGN: {
                Object v = bodyValue(op, frame);
                if (v != FAILED) {
                    frame[op.slot] = checkString(v);
                    exec(p, i + 1, frame, out);
                }
                return;
            }
            case Plan.CHECK: {
                Object v = bodyValue(op, frame);
                if (v != FAILED && Objects.equals(frame[op.slot], v)) {
                    exec(p, i + 1, frame, out);
                }
                return;
            }
            case Plan.NOTIN:
                if (notIn(op, frame)) {
                    exec(p, i + 1, frame, out);
                }
                return;
            default:
                atom(p, i, op, frame, out);
        }
    }

    private static final Object FAILED = new Object();

    /** A body expression that fails makes its literal false for this valuation (LANGUAGE.md). */
    private Object bodyValue(Plan.Op op, Object[] frame) {
        try {
            return op.expr.eval(frame, nowMs);
        } catch (EvalException e) {
            return FAILED;
        }
    }

    /**
     * Set while the insert phase runs a rule seeded with the new rows of one of its positive
     * lower atoms. A match that joins new rows of two such atoms (l_entry's l_apply and l_idx,
     * a request and its path) is found by the run of each; it is left to the run seeded with
     * the first of them in the body, which sees the other atoms' rows as they are now. Each
     * match is then derived once, not once per new row in it.
     */
    private boolean skipEarlierNew;

    /**
     * Whether {@code row}, bound to {@code op}, leaves its match to the run seeded by op's atom
     * (see skipEarlierNew). That run takes place in the same loop: a lower relation is an input of
     * the stratum, its seeds are its delta's added rows (seedPlus), and no lower relation changes
     * while the loop runs (derived rows go to the stratum's own relations).
     */
    private boolean earlierNew(Plan.Op op, Object[] row) {
        if (!skipEarlierNew || !op.earlier) {
            return false;
        }
        Delta.Added plus = delta[op.atom.rel().id].plus;
        return !plus.isEmpty() && plus.containsRow(row);
    }

    private boolean overDeleteFromMinus(Plan.Op op) {
        return mode == OVER_DELETE && op.lower && !delta[op.atom.rel().id].minus.isEmpty();
    }

    private void atom(Plan p, int i, Plan.Op op, Object[] frame, Emitter out) {
        Store s = op.store;
        switch (op.kind) {
            case Plan.MEMBER: {
                probeRow(op, frame);
                Object[] found = s.find(op.scratchRow);
                if (found != null && !earlierNew(op, found)
                    || (overDeleteFromMinus(op) && delta[op.atom.rel().id].minus.containsRow(op.scratchRow))) {
                    exec(p, i + 1, frame, out);
                }
                return;
            }
            case Plan.KEY: {
                probeRow(op, frame);
                Object[] holder = s.keyHolder(op.scratchRow);
                if (holder != null && !earlierNew(op, holder) && bindRow(op, holder, frame)) {
                    exec(p, i + 1, frame, out);
                }
                if (overDeleteFromMinus(op)) {
                    Index mi = delta[op.atom.rel().id].minusIndex(op.accessCols);
                    Object[] vals = accessVals(op, frame);
                    each(p, i, op, mi.get(vals, Index.probeHash(vals)), frame, out);
                }
                return;
            }
            case Plan.INDEX: {
                Object[] vals = accessVals(op, frame);
                int h = Index.probeHash(vals);
                each(p, i, op, s.index(op.indexId).get(vals, h), frame, out);
                if (overDeleteFromMinus(op)) {
                    Index mi = delta[op.atom.rel().id].minusIndex(op.accessCols);
                    each(p, i, op, mi.get(vals, h), frame, out);
                }
                return;
            }
            case Plan.EXPR: {
                Object[] vals = exprVals(op, frame);
                if (vals == null) {
                    return;
                }
                int h = Index.probeHash(vals);
                if (op.exprIndexId >= 0) {
                    each(p, i, op, s.exprIndex(op.exprIndexId).get(vals, h), frame, out);
                    if (overDeleteFromMinus(op)) {
                        ExprIndex mi = delta[op.atom.rel().id].minusExprIndex(op.exprName, op.exprKey);
                        each(p, i, op, mi.get(vals, h), frame, out);
                    }
                } else {
                    // The key is a set of columns (Plan.exprOp): a secondary index, probed with computed values.
                    each(p, i, op, s.index(op.indexId).get(vals, h), frame, out);
                    if (overDeleteFromMinus(op)) {
                        each(p, i, op, delta[op.atom.rel().id].minusIndex(op.accessCols).get(vals, h), frame, out);
                    }
                }
                return;
            }
            default: {
                RowSet rows = s.primary;
                if (rows != null) {
                    for (int k = 0; k < rows.capacity() && !stop; k++) {
                        Object[] row = rows.slot(k);
                        if (row != null && !earlierNew(op, row) && bindRow(op, row, frame)) {
                            exec(p, i + 1, frame, out);
                        }
                    }
                } else {
                    for (Object[] row : s.rowsNow()) {
                        if (stop) {
                            break;
                        }
                        if (!earlierNew(op, row) && bindRow(op, row, frame)) {
                            exec(p, i + 1, frame, out);
                        }
                    }
                }
                if (overDeleteFromMinus(op)) {
                    for (Object[] row : delta[op.atom.rel().id].minusArray()) {
                        if (bindRow(op, row, frame)) {
                            exec(p, i + 1, frame, out);
                        }
                    }
                }
            }
        }
    }

    private void each(Plan p, int i, Plan.Op op, Object hit, Object[] frame, Emitter out) {
        if (hit == null) {
            return;
        }
        if (!(hit instanceof Object[][]) && hit instanceof Object[] row) {
            if (!earlierNew(op, row) && bindRow(op, row, frame)) {
                exec(p, i + 1, frame, out);
            }
            return;
        }
        // A group is iterated in place: rows added meanwhile go past n, and the insert phase
        // never removes; a bucket hands out a copy.
        Object[][] rows = Index.rows(hit);
        int n = Index.count(hit);
        for (int k = 0; k < n && !stop; k++) {
            if (!earlierNew(op, rows[k]) && bindRow(op, rows[k], frame)) {
                exec(p, i + 1, frame, out);
            }
        }
    }

    private boolean notIn(Plan.Op op, Object[] frame) {
        Relation rel = op.atom.rel();
        if (mode == OVER_DELETE && op.lower && !delta[rel.id].isEmpty()) {
            // Over-deletion must consider every binding that held before this step's changes;
            // accepting the binding is a safe over-approximation (rederivation corrects it).
            return true;
        }
        Store s = op.store;
        if (op.accessCols.length == op.atom.slots().length) {
            probeRow(op, frame);
            return s.find(op.scratchRow) == null;
        }
        if (op.indexId == -2) {
            probeRow(op, frame);
            Object[] holder = s.keyHolder(op.scratchRow);
            return holder == null || !bindRow(op, holder, frame);
        }
        if (op.indexId >= 0) {
            Object[] vals = accessVals(op, frame);
            Object hit = s.index(op.indexId).get(vals, Index.probeHash(vals));
            return !anyMatches(op, hit, frame);
        }
        for (Object[] row : s.primary != null ? s.primary.toArray() : s.snapshot()) {
            if (bindRow(op, row, frame)) {
                return false;
            }
        }
        return true;
    }

    private static boolean anyMatches(Plan.Op op, Object hit, Object[] frame) {
        if (hit == null) {
            return false;
        }
        if (!(hit instanceof Object[][]) && hit instanceof Object[] row) {
            return bindRow(op, row, frame);
        }
        Object[][] rows = Index.rows(hit);
        for (int k = 0, n = Index.count(hit); k < n; k++) {
            if (bindRow(op, rows[k], frame)) {
                return true;
            }
        }
        return false;
    }

    private Object checkString(Object v) {
        if (v instanceof String str && str.length() > options.maxStringLength()) {
            throw new EvalException("a string of " + str.length() + " characters exceeds the limit of "
                + options.maxStringLength() + " (NodeOptions.maxStringLength)");
        }
        return v;
    }

    private Object[] headRow(Rule r, Object[] frame, Object[] into) {
        for (int c = 0; c < into.length; c++) {
            into[c] = checkString(r.headExprs[c].eval(frame, nowMs));
        }
        return into;
    }

    // ------------------------------------------------------------------ strata

    /**
     * Rows per relation, in the order the relations got their first row: the tuples one phase
     * of a stratum found (over-deleted, rederived, or new in one round). The sets are indexed
     * by relation id and kept emptied between uses, so that a stratum run allocates none.
     */
    private final class RoundNew {
        private final RowSet[] sets = new RowSet[program.relations().size()];
        private final int[] order = new int[sets.length];
        private int count;

        boolean add(Relation r, Object[] row) {
            RowSet s = sets[r.id];
            if (s == null) {
                s = new RowSet(null);
                sets[r.id] = s;
            }
            if (s.isEmpty()) {
                order[count++] = r.id;
            }
            return s.add(row) == null;
        }

        boolean contains(Relation r, Object[] row) {
            RowSet s = sets[r.id];
            return s != null && s.containsRow(row);
        }

        /** The rows of {@code r}, or null when it has none. */
        Object[][] rows(Relation r) {
            RowSet s = sets[r.id];
            return s == null || s.isEmpty() ? null : s.toArray();
        }

        boolean isEmpty() {
            return count == 0;
        }

        int relationCount() {
            return count;
        }

        Relation relation(int k) {
            return relationsById[order[k]];
        }

        void clear() {
            for (int k = 0; k < count; k++) {
                sets[order[k]].clear();
            }
            count = 0;
        }
    }

    /** The scratch of one stratum run (strata run one at a time), created with the evaluator. */
    private final RoundNew overDeleted;
    private final RoundNew deleteRound;
    private final RoundNew deleteNext;
    private final RoundNew rederived;
    private final Fresh freshA;
    private final Fresh freshB;

    /** Brings a stratum without aggregate up to date; does nothing when none of its inputs changed. */
    private void stratum(StratumPlan sp) {
        // Seeds are the input deltas as they stand when the stratum starts.
        boolean anyPlus = false;
        boolean anyMinus = false;
        for (Relation r : sp.inputArray) {
            // (deltaDirty first: most inputs of a stratum did not change in this step, and
            // the flag is in one array where the deltas are objects apart.)
            Delta d;
            if (!deltaDirty[r.id] || (d = delta[r.id]).isEmpty()) {
                seedPlus[r.id] = null;
                seedMinus[r.id] = null;
                continue;
            }
            seedPlus[r.id] = d.plus.isEmpty() ? null : d.plus.toArray();
            seedMinus[r.id] = d.minus.isEmpty() ? null : d.minusArray();
            anyPlus |= seedPlus[r.id] != null;
            anyMinus |= seedMinus[r.id] != null;
        }
        if (!anyPlus && !anyMinus && !hasWorkBesidesDeltas(sp)) {
            return;
        }
        try {
            overDelete(sp, anyMinus);
            rederive(sp);
            insertPhase(sp);
        } finally {
            for (Relation r : sp.inputArray) {
                seedPlus[r.id] = null;
                seedMinus[r.id] = null;
            }
            overDeleted.clear();
            rederived.clear();
        }
    }

    /** Phase 1: every tuple with a derivation through a removed tuple, removed; they are left in {@link #overDeleted}. */
    private void overDelete(StratumPlan sp, boolean anyMinus) {
        if (!anyMinus && !anyNegatedInput(sp)) {
            return;
        }
        mode = OVER_DELETE;
        RoundNew all = overDeleted;
        RoundNew round = deleteRound;
        RoundNew next = deleteNext;
        try {
            for (SeedSite site : sp.lowerSites) {
                Object[][] seeds = site.negated() ? seedPlus[site.rel().id] : seedMinus[site.rel().id];
                if (seeds != null) {
                    run(site.plan(), seeds, seeds.length, deleteMarker.to(site.rule(), all, round));
                }
            }
            int iterations = 0;
            while (!round.isEmpty()) {
                iterations(++iterations, sp);
                RoundNew cur = round;
                RoundNew out = next;
                for (SeedSite site : sp.deleteInnerSites) {
                    Object[][] seeds = cur.rows(site.rel());
                    if (seeds != null) {
                        run(site.plan(), seeds, seeds.length, deleteMarker.to(site.rule(), all, out));
                    }
                }
                cur.clear();
                round = out;
                next = cur;
            }
        } finally {
            mode = CURRENT;
            deleteRound.clear();
            deleteNext.clear();
        }
        for (int k = 0; k < all.relationCount(); k++) {
            Relation rel = all.relation(k);
            for (Object[] row : all.rows(rel)) {
                deleteRow(rel, row);
            }
        }
    }

    private boolean anyNegatedInput(StratumPlan sp) {
        for (SeedSite site : sp.lowerSites) {
            if (site.negated() && seedPlus[site.rel().id] != null) {
                return true;
            }
        }
        return false;
    }

    /** The emitter of phase 1's runs, reused: runs do not nest (markDeleted runs no plan). */
    private final class DeleteMarker implements Emitter {
        private Rule rule;
        private RoundNew all;
        private RoundNew out;

        DeleteMarker to(Rule r, RoundNew allDeleted, RoundNew round) {
            rule = r;
            all = allDeleted;
            out = round;
            return this;
        }

        @Override
        public void emit(Object[] frame) {
            markDeleted(rule, frame, all, out);
        }
    }

    private final DeleteMarker deleteMarker = new DeleteMarker();

    private void markDeleted(Rule r, Object[] frame, RoundNew all, RoundNew round) {
        Object[] probe;
        try {
            probe = headRow(r, frame, new Object[r.head.arity()]);
        } catch (EvalException e) {
            // Over-deletion also visits valuations that were never matches; a head that cannot
            // be computed for one was never derived, so there is nothing to delete.
            return;
        }
        Object[] stored = stores[r.head.id].find(probe);
        if (stored != null && !all.contains(r.head, stored)) {
            all.add(r.head, stored);
            round.add(r.head, stored);
        }
    }

    /** Phase 2: put back over-deleted tuples that still have a derivation; they are left in {@link #rederived}. */
    private void rederive(StratumPlan sp) {
        for (int k = 0; k < overDeleted.relationCount(); k++) {
            Relation rel = overDeleted.relation(k);
            for (Object[] row : overDeleted.rows(rel)) {
                if (derivable(sp, rel, row)) {
                    insertRow(rel, row);
                    rederived.add(rel, row);
                }
            }
        }
    }

    private boolean derivable(StratumPlan sp, Relation rel, Object[] row) {
        for (Rule r : sp.rules) {
            if (r.head != rel) {
                continue;
            }
            Object[] frame = new Object[r.frameSize];
            for (int c = 0; c < row.length; c++) {
                if (r.headSlots[c] >= 0) {
                    frame[r.headSlots[c]] = row[c];
                }
            }
            boolean[] found = {false};
            Object[] scratch = new Object[row.length];
            runBound(headBound(r), frame, f -> {
                if (Arrays.equals(headRow(r, f, scratch), row)) {
                    found[0] = true;
                    stop = true;
                }
            });
            if (found[0]) {
                return true;
            }
        }
        return false;
    }

    /** A growable array of rows that a plan can take as its seeds without a copy. */
    private static final class RowList {
        Object[][] rows = new Object[8][];
        int size;

        void add(Object[] row) {
            if (size == rows.length) {
                rows = Arrays.copyOf(rows, size * 2);
            }
            rows[size++] = row;
        }

        /** Empties the list; a large one lets its array go (a bulk step should not pin its memory). */
        void clear() {
            if (rows.length > 1024) {
                rows = new Object[8][];
            } else {
                Arrays.fill(rows, 0, size, null);
            }
            size = 0;
        }
    }

    /**
     * Rows that became true in one semi-naive round: the next round's seeds. Rows are put in
     * their store at once, except when the plan that found them scans a relation of this
     * stratum (a scan must not see its table resized under it): those wait in {@code pending}.
     * Indexed by relation id and reused: two of them alternate as a stratum's rounds.
     */
    private final class Fresh {
        private final RowList[] rows = new RowList[program.relations().size()];
        private final RowSet[] pending = new RowSet[rows.length];
        /** The relations with pending rows, in the order they got their first. */
        private final int[] pendingOrder = new int[rows.length];
        private final int[] order = new int[rows.length];
        private int count;
        private int pendingCount;

        void add(Relation r, Object[] row) {
            RowList l = rows[r.id];
            if (l == null) {
                l = new RowList();
                rows[r.id] = l;
            }
            if (l.size == 0) {
                order[count++] = r.id;
            }
            l.add(row);
        }

        /** The rows of {@code r} (null when none); the list must not change while it is read. */
        RowList rows(Relation r) {
            RowList l = rows[r.id];
            return l == null || l.size == 0 ? null : l;
        }

        /** Adds a row to wait; returns whether it was not waiting yet. */
        boolean addPending(Relation r, Object[] row) {
            RowSet s = pending[r.id];
            if (s == null) {
                s = new RowSet(null);
                pending[r.id] = s;
            }
            if (s.isEmpty()) {
                pendingOrder[pendingCount++] = r.id;
            }
            return s.add(row) == null;
        }

        boolean isEmpty() {
            return count == 0 && pendingCount == 0;
        }

        void clearPending() {
            for (int k = 0; k < pendingCount; k++) {
                pending[pendingOrder[k]].clear();
            }
            pendingCount = 0;
        }

        void clear() {
            for (int k = 0; k < count; k++) {
                rows[order[k]].clear();
            }
            count = 0;
            clearPending();
        }
    }

    /** Phase 3: semi-naive insertion from added tuples, vanished negated tuples and rederived tuples. */
    private void insertPhase(StratumPlan sp) {
        mode = CURRENT;
        Fresh round = freshA;
        Fresh next = freshB;
        try {
            for (SeedSite site : sp.lowerSites) {
                Object[][] seeds = site.negated() ? seedMinus[site.rel().id] : seedPlus[site.rel().id];
                if (seeds != null) {
                    Plan p = site.planKeepingNot();
                    skipEarlierNew = !site.negated();
                    try {
                        run(p, seeds, seeds.length, deriver.to(site.rule(), p, round));
                    } finally {
                        skipEarlierNew = false;
                    }
                }
            }
            for (FullSite f : sp.fullSites) {
                SeedSite site = f.site();
                Store st = stores[site.rel().id];
                if (st.size() > 0) {
                    if (f.index() >= 0) {
                        Object hit = st.index(f.index()).get(f.consts(), f.hash());
                        if (hit != null) {
                            run(site.plan(), Index.rows(hit), Index.count(hit), deriver.to(site.rule(), site.plan(), round));
                        }
                    } else {
                        Object[][] seeds = st.rowsNow();
                        run(site.plan(), seeds, seeds.length, deriver.to(site.rule(), site.plan(), round));
                    }
                }
            }
            for (Action a : sp.inserts) {
                Object[][] plus = seedPlus[a.source().id];
                if (!sp.inStratum[a.source().id] && plus != null) {
                    for (Object[] row : plus) {
                        insertNow(a, row, round);
                    }
                }
                RowSet rc = recheck[a.target().id];
                if (!rc.isEmpty()) {
                    for (Object[] row : rc.toArray()) {
                        if (stores[a.source().id].contains(row)) {
                            insertNow(a, row, round);
                        }
                    }
                }
            }
            for (Action a : sp.inserts) {
                recheck[a.target().id].clear();
            }
            apply(round);
            for (int k = 0; k < rederived.relationCount(); k++) {
                Relation rel = rederived.relation(k);
                for (Object[] row : rederived.rows(rel)) {
                    round.add(rel, row);
                }
            }
            int iterations = 0;
            while (!round.isEmpty()) {
                iterations(++iterations, sp);
                Fresh cur = round;
                Fresh out = next;
                for (SeedSite site : sp.innerSites) {
                    RowList fresh = cur.rows(site.rel());
                    if (fresh != null) {
                        Plan p = site.plan();
                        run(p, fresh.rows, fresh.size, deriver.to(site.rule(), p, out));
                    }
                }
                for (Action a : sp.inserts) {
                    RowList fresh = cur.rows(a.source());
                    if (fresh != null && sp.inStratum[a.source().id]) {
                        for (int k = 0; k < fresh.size; k++) {
                            insertNow(a, fresh.rows[k], out);
                        }
                    }
                }
                apply(out);
                cur.clear();
                round = out;
                next = cur;
            }
        } finally {
            freshA.clear();
            freshB.clear();
        }
    }

    private void iterations(int n, StratumPlan sp) {
        if (n > options.maxFixpointIterations()) {
            throw new OverlogException("stratum " + sp.index + " did not reach a fixpoint in "
                + options.maxFixpointIterations() + " rounds (NodeOptions.maxFixpointIterations); its rules: "
                + sp.rules.stream().map(Rule::name).toList());
        }
    }

    /** The emitter of phase 3's runs, reused: runs do not nest (derive runs no plan). */
    private final class Deriver implements Emitter {
        private Rule rule;
        private Plan plan;
        private Fresh out;

        Deriver to(Rule r, Plan p, Fresh round) {
            rule = r;
            plan = p;
            out = round;
            return this;
        }

        @Override
        public void emit(Object[] frame) {
            derive(rule, plan, frame, out);
        }
    }

    private final Deriver deriver = new Deriver();

    /** A body match of {@code r} found by plan {@code p}: a head tuple that is new joins this round's. */
    private void derive(Rule r, Plan p, Object[] frame, Fresh out) {
        Object[] row = headRow(r, frame, new Object[r.head.arity()]);
        if (p.scansStratum) {
            if (!stores[r.head.id].contains(row) && out.addPending(r.head, row)) {
                fired[r.id]++;
            }
            return;
        }
        if (insertOrHolder(r.head, row) != null) {
            return;
        }
        count();
        out.add(r.head, row);
        fired[r.id]++;
    }

    /** Moves the rows that had to wait (see {@link Fresh}) into their stores. */
    private void apply(Fresh round) {
        for (int k = 0; k < round.pendingCount; k++) {
            Relation rel = relationsById[round.pendingOrder[k]];
            for (Object[] row : round.pending[rel.id].toArray()) {
                if (!stores[rel.id].contains(row)) {
                    count();
                    insertRow(rel, row);
                    round.add(rel, row);
                }
            }
        }
        round.clearPending();
    }

    private void count() {
        if (++derivedThisStep > options.maxTuplesPerStep()) {
            throw new OverlogException("a step derived more than " + options.maxTuplesPerStep()
                + " tuples (NodeOptions.maxTuplesPerStep)");
        }
    }

    /** INSERT_NOW: the table must hold the tuple; a different tuple holding its key is an error. */
    private void insertNow(Action a, Object[] row, Fresh round) {
        Relation t = a.target();
        Store s = stores[t.id];
        Object[] holder = s.keyHolder(row);
        if (holder != null) {
            if (Arrays.equals(holder, row)) {
                return;
            }
            throw new OverlogException("key violation in rule " + a.rule().name() + ": table " + t.name + " holds "
                + Values.formatTuple(t.name, holder) + ", and the rule derives " + Values.formatTuple(t.name, row)
                + " with the same key in the same step\n  in: " + a.rule().text);
        }
        count();
        Object[] copy = row.clone();
        insertRow(t, copy);
        round.add(t, copy);
    }

    // ------------------------------------------------------------------ aggregates

    private void aggregateStratum(StratumPlan sp) {
        Rule r = sp.aggregate;
        Relation head = r.head;
        int[] groupCols = groupCols(r);
        if (sp.incremental == null) {
            sp.incremental = incrementalAggregate(r);
        }
        boolean incremental = sp.incremental;
        // Each group the deltas touch; with incremental upkeep, also each match they add (+1)
        // or remove (-1) with its aggregated values.
        Map<List<Object>, List<Object[]>> groups = new LinkedHashMap<>();
        int[] sign = new int[1];
        Emitter collect = frame -> {
            try {
                List<Object> key = groupKey(r, frame, groupCols);
                if (!incremental) {
                    groups.putIfAbsent(key, NO_CHANGES);
                } else {
                    Object[] c = new Object[r.aggs.size() + 1];
                    c[0] = sign[0];
                    for (int k = 0; k < r.aggs.size(); k++) {
                        Rule.Agg ag = r.aggs.get(k);
                        c[k + 1] = ag.slot() >= 0 ? frame[ag.slot()] : null;
                    }
                    groups.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
                }
            } catch (EvalException e) {
                // Only an over-approximated (old) valuation can fail here: it was no match.
                if (mode == CURRENT) {
                    throw e;
                }
            }
        };
        for (int i = 0; i < r.body.size(); i++) {
            if (!(r.body.get(i) instanceof Lit.Atom a)) {
                continue;
            }
            Delta d = delta[a.rel().id];
            if (!d.minus.isEmpty()) {
                Object[][] seeds = d.minusArray();
                mode = a.negated() ? CURRENT : OVER_DELETE;
                sign[0] = -1;
                run(seed(r, i, a.negated()), seeds, seeds.length, collect);
            }
            if (!d.plus.isEmpty()) {
                Object[][] seeds = d.plus.toArray();
                mode = a.negated() ? OVER_DELETE : CURRENT;
                sign[0] = 1;
                run(seed(r, i, false), seeds, seeds.length, collect);
            }
        }
        mode = CURRENT;
        int gid = stores[head.id].indexFor(groupCols);
        for (Map.Entry<List<Object>, List<Object[]>> e : groups.entrySet()) {
            List<Object> g = e.getKey();
            Object[] vals = g.toArray();
            Object hit = stores[head.id].index(gid).get(vals, Index.probeHash(vals));
            Object[] old = hit == null ? null : Index.first(hit);
            long t0 = PROFILE_RULES ? System.nanoTime() : 0;
            Object[] now;
            AggGroup kept = incremental ? sp.aggGroups.get(g) : null;
            if (kept != null) {
                kept.apply(e.getValue());
                now = kept.matches == 0 ? null : kept.row(r, groupCols, vals);
                if (CHECK_AGGREGATES) {
                    List<List<Object>> full = groupValues(r, groupCols, vals);
                    Object[] want = full == null ? null : aggregateRow(r, groupCols, vals, full);
                    if (!Arrays.deepEquals(want, now)) {
                        throw new IllegalStateException("aggregate kept from deltas differs from its recomputation: " + r.text
                            + ": " + Arrays.deepToString(now) + " instead of " + Arrays.deepToString(want));
                    }
                }
                if (kept.matches == 0) {
                    // Kept until it empties: a group that shrinks and grows again each step (a
                    // hot key's waiting ops) would otherwise be rebuilt, sorted, again and again.
                    sp.aggGroups.remove(g);
                }
            } else {
                List<List<Object>> values = groupValues(r, groupCols, vals);
                now = values == null ? null : aggregateRow(r, groupCols, vals, values);
                if (incremental && values != null && values.get(0).size() >= INCREMENTAL_MIN) {
                    sp.aggGroups.put(g, new AggGroup(r, values));
                }
            }
            if (PROFILE_RULES) {
                ruleNanos[r.id] += System.nanoTime() - t0;
            }
            if (old != null && now != null && Arrays.equals(old, now)) {
                continue;
            }
            if (old != null) {
                deleteRow(head, old);
            }
            if (now != null) {
                count();
                fired[r.id]++;
                insertRow(head, now);
            }
        }
    }

    /**
     * A group of at least this many matches is kept up to date from the deltas instead of being
     * recomputed ({@code -Dboomfs.agg.incremental=N}; tests set 1 to use it everywhere).
     */
    private static final int INCREMENTAL_MIN = Integer.getInteger("boomfs.agg.incremental", 64);
    /** A touched group's changes when they are not kept: none, shared. */
    private static final List<Object[]> NO_CHANGES = List.of();
    /** With {@code -Dboomfs.agg.check=true}, every group kept from deltas is checked against its recomputation. */
    private static final boolean CHECK_AGGREGATES = Boolean.getBoolean("boomfs.agg.check");

    /**
     * Whether an aggregate's groups are kept up to date from its input's deltas: it sorts, and its body
     * reads one relation (one positive atom, the rest conditions and assignments), which is not
     * emptied wholesale (its every removal is in its delta) nor a built-in, and every function it
     * calls is pure. Each row of that relation is then one match, added or removed with the row,
     * with the same group and values both times.
     */
    private boolean incrementalAggregate(Rule r) {
        // Only the aggregates that sort (list, set): recomputing one sorts the group, where a kept
        // group takes a tree update a change. Recomputing min, max, count or sum is one pass, and
        // the tree's updates cost as much when a group changes by tens of its hundreds of values a
        // step (the proposer's p_key_first on a hot key: 7.4 -> 8.8 us a firing kept, 15.6 kept
        // until empty, bench meta mkdirs).
        boolean sorts = false;
        for (Rule.Agg ag : r.aggs) {
            sorts |= ag.fn() == Rule.AggFn.LIST || ag.fn() == Rule.AggFn.SET;
        }
        if (!r.pure || !sorts) {
            return false;
        }
        Lit.Atom only = null;
        for (Lit l : r.body) {
            if (l instanceof Lit.Atom a) {
                if (only != null || a.negated()) {
                    return false;
                }
                only = a;
            }
        }
        return only != null && !isWholesale[only.rel().id] && only.rel().kind != Relation.Kind.BUILTIN && deltaRead[only.rel().id];
    }

    /**
     * One group of an aggregate kept up to date from the deltas: the number of its matches and,
     * for each aggregate of the head, its non-null values in {@link Values#ORDER} (values that
     * compare equal share an entry, in the order they came). A change costs a log of the group's
     * size and the head's new value a pass over the group for list, set, sum, avg and count (no
     * sort, no scan of the body), a log for min and max.
     */
    private static final class AggGroup {
        long matches;
        final TreeMap<Object, List<Object>>[] values;

        @SuppressWarnings({"unchecked", "rawtypes"})
        AggGroup(Rule r, List<List<Object>> initial) {
            values = new TreeMap[r.aggs.size()];
            for (int k = 0; k < values.length; k++) {
                values[k] = new TreeMap<>(Values.ORDER);
                for (Object v : initial.get(k)) {
                    add(k, v);
                }
            }
            matches = initial.get(0).size();
        }

        private void add(int k, Object v) {
            if (v != null) {
                values[k].computeIfAbsent(v, x -> new ArrayList<>(1)).add(v);
            }
        }

        void apply(List<Object[]> changes) {
            for (Object[] c : changes) {
                boolean plus = (Integer) c[0] > 0;
                matches += plus ? 1 : -1;
                for (int k = 0; k < values.length; k++) {
                    Object v = c[k + 1];
                    if (v == null) {
                        continue;
                    }
                    if (plus) {
                        add(k, v);
                        continue;
                    }
                    List<Object> same = values[k].get(v);
                    if (same == null) {
                        throw new IllegalStateException("an aggregate lost a value it never had: " + v);
                    }
                    int at = same.indexOf(v);
                    same.remove(at >= 0 ? at : 0);
                    if (same.isEmpty()) {
                        values[k].remove(v);
                    }
                }
            }
        }

        Object[] row(Rule r, int[] groupCols, Object[] groupVals) {
            Object[] row = new Object[r.head.arity()];
            for (int k = 0; k < groupCols.length; k++) {
                row[groupCols[k]] = groupVals[k];
            }
            for (int k = 0; k < r.aggs.size(); k++) {
                Rule.Agg ag = r.aggs.get(k);
                row[ag.column()] = value(ag.fn(), values[k]);
            }
            return row;
        }

        private Object value(Rule.AggFn fn, TreeMap<Object, List<Object>> vs) {
            switch (fn) {
                case COUNT_STAR:
                    return matches;
                case MIN:
                    return vs.isEmpty() ? null : vs.firstEntry().getValue().get(0);
                case MAX:
                    return vs.isEmpty() ? null : vs.lastEntry().getValue().get(0);
                case LIST:
                    // In order already: no sort.
                    return ValueList.copyOf(inOrder(vs));
                default:
                    return Aggregates.compute(fn, inOrder(vs));
            }
        }

        private static List<Object> inOrder(TreeMap<Object, List<Object>> vs) {
            List<Object> all = new ArrayList<>();
            for (List<Object> same : vs.values()) {
                all.addAll(same);
            }
            return all;
        }
    }

    private static int[] groupCols(Rule r) {
        List<Integer> cols = new ArrayList<>();
        for (int c = 0; c < r.head.arity(); c++) {
            boolean agg = false;
            for (Rule.Agg a : r.aggs) {
                agg |= a.column() == c;
            }
            if (!agg) {
                cols.add(c);
            }
        }
        return cols.stream().mapToInt(Integer::intValue).toArray();
    }

    private List<Object> groupKey(Rule r, Object[] frame, int[] groupCols) {
        List<Object> key = new ArrayList<>(groupCols.length);
        for (int c : groupCols) {
            key.add(checkString(r.headExprs[c].eval(frame, nowMs)));
        }
        return key;
    }

    /**
     * The values of each aggregate over one group's matches in the current state (nulls and
     * repeats included, one per match); null when the group has no match.
     */
    private List<List<Object>> groupValues(Rule r, int[] groupCols, Object[] groupVals) {
        Object[] frame = new Object[r.frameSize];
        for (int k = 0; k < groupCols.length; k++) {
            int slot = r.headSlots[groupCols[k]];
            if (slot >= 0) {
                frame[slot] = groupVals[k];
            }
        }
        List<List<Object>> values = new ArrayList<>();
        for (int k = 0; k < r.aggs.size(); k++) {
            values.add(new ArrayList<>());
        }
        List<Object> want = Arrays.asList(groupVals);
        runBound(headBound(r), frame, f -> {
            if (!groupKey(r, f, groupCols).equals(want)) {
                return;
            }
            for (int k = 0; k < r.aggs.size(); k++) {
                Rule.Agg ag = r.aggs.get(k);
                values.get(k).add(ag.slot() >= 0 ? f[ag.slot()] : null);
            }
        });
        return values.isEmpty() || values.get(0).isEmpty() ? null : values;
    }

    /** The head row of one group from its aggregates' values. */
    private static Object[] aggregateRow(Rule r, int[] groupCols, Object[] groupVals, List<List<Object>> values) {
        Object[] row = new Object[r.head.arity()];
        for (int k = 0; k < groupCols.length; k++) {
            row[groupCols[k]] = groupVals[k];
        }
        for (int k = 0; k < r.aggs.size(); k++) {
            Rule.Agg ag = r.aggs.get(k);
            row[ag.column()] = Aggregates.compute(ag.fn(), values.get(k));
        }
        return row;
    }

    // ------------------------------------------------------------------ transition

    private List<String> dieMessages() {
        if (stores[die.id].size() == 0) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Object[] row : stores[die.id].snapshot()) {
            out.add(String.valueOf(row[0]));
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private boolean inAnyNext(Relation table, Object[] row) {
        List<Action> as = nextInto[table.id];
        if (as != null) {
            for (Action a : as) {
                if (stores[a.source().id].contains(row)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The rows of {@code m} a transition must act on. Acting on every row of m is the meaning
     * (a delete or @next rule fires in every step its body holds); rows that were in m and in
     * the same state at the last transition would do nothing, so when m is large only the rows
     * added to m in this step and those in a {@code changed} list (rows of the target that
     * changed since the last transition, rows another rule stopped protecting) are looked at.
     */
    private List<Object[]> candidates(Relation m, List<Object[][]> changed) {
        Store ms = stores[m.id];
        Delta.Added mPlus = delta[m.id].plus;
        long changedSize = mPlus.size();
        for (Object[][] c : changed) {
            changedSize += c.length;
        }
        if (ms.size() <= changedSize) {
            return Arrays.asList(ms.snapshot());
        }
        List<Object[]> out = new ArrayList<>();
        RowSet seen = new RowSet(null);
        for (Object[] row : mPlus.toArray()) {
            seen.add(row);
            out.add(row);
        }
        for (Object[][] c : changed) {
            for (Object[] row : c) {
                Object[] stored = ms.find(row);
                if (stored != null && seen.add(stored) == null) {
                    out.add(stored);
                }
            }
        }
        return out;
    }

    /**
     * Rows that may have stopped being derived by a @next rule into {@code t} in this step (a
     * delete held back by such a row may go ahead now). A source emptied wholesale reports no
     * removals, so every row it held at the last transition is a candidate.
     */
    private List<Object[][]> unprotected(Relation t) {
        List<Object[][]> out = new ArrayList<>();
        if (nextInto[t.id] != null) {
            for (Action a : nextInto[t.id]) {
                Relation src = a.source();
                out.add(isWholesale[src.id] ? lastNextRows[src.id] : delta[src.id].minusArray());
            }
        }
        return out;
    }

    /**
     * Whether a delete action from {@code m} into {@code t} may act on a row it did not act on at
     * the last transition (see {@link #candidates}): a row new in m, a row t gained, or a row
     * an @next rule into t stopped protecting.
     */
    private boolean deleteMayAct(Relation m, Relation t) {
        if (!delta[m.id].plus.isEmpty() || !touchedAdded[t.id].isEmpty()) {
            return true;
        }
        if (nextInto[t.id] != null) {
            for (Action a : nextInto[t.id]) {
                Relation src = a.source();
                if (isWholesale[src.id] ? lastNextRows[src.id].length > 0 : !delta[src.id].minus.isEmpty()) {
                    return true;
                }
            }
        }
        return false;
    }

    private Map<String, List<Tuple>> transition() {
        Map<Relation, List<Object[]>> deletes = null;
        Map<Relation, List<Object[]>> inserts = null;
        Map<String, List<Tuple>> outbound = null;
        for (int i = 0; i < actions.length; i++) {
            // Every action acts on rows of its source: an empty source has nothing to do.
            if (actionSources[i].size() == 0) {
                continue;
            }
            Action a = actions[i];
            Relation m = a.source();
            Relation t = a.target();
            switch (a.kind()) {
                case DELETE:
                    if (!deleteMayAct(m, t)) {
                        break;
                    }
                    List<Object[][]> changed = unprotected(t);
                    changed.add(touchedAdded[t.id].toArray(new Object[0][]));
                    for (Object[] row : candidates(m, changed)) {
                        if (stores[t.id].contains(row) && !inAnyNext(t, row)) {
                            if (deletes == null) {
                                deletes = new LinkedHashMap<>();
                            }
                            deletes.computeIfAbsent(t, k -> new ArrayList<>()).add(row);
                        }
                    }
                    break;
                case NEXT:
                    if (t.kind == Relation.Kind.TABLE) {
                        // After a transition every row of m is in t; only a row new in m or a
                        // row t lost since can be missing.
                        if (delta[m.id].plus.isEmpty() && touchedRemoved[t.id].isEmpty()) {
                            break;
                        }
                        List<Object[][]> removedRows = new ArrayList<>();
                        removedRows.add(touchedRemoved[t.id].toArray(new Object[0][]));
                        for (Object[] row : candidates(m, removedRows)) {
                            if (!stores[t.id].contains(row)) {
                                if (inserts == null) {
                                    inserts = new LinkedHashMap<>();
                                }
                                inserts.computeIfAbsent(t, k -> new ArrayList<>()).add(row);
                            }
                        }
                    } else {
                        List<Object[]> q = queuedEvents.computeIfAbsent(t, k -> new ArrayList<>());
                        q.addAll(Arrays.asList(stores[m.id].snapshot()));
                    }
                    break;
                case SEND:
                    if (outbound == null) {
                        outbound = new LinkedHashMap<>();
                    }
                    for (Object[] row : stores[m.id].snapshot()) {
                        checkMessageSize(a, row);
                        String dest = String.valueOf(row[0]);
                        outbound.computeIfAbsent(dest, k -> new ArrayList<>()).add(Tuple.wrap(t.name, row));
                    }
                    break;
                default:
                    break;
            }
        }
        // What wholesale @next sources hold now, for the next transition's unprotected().
        for (Relation src : wholesaleNextSources) {
            lastNextRows[src.id] = stores[src.id].size() == 0 ? NO_ROWS : stores[src.id].snapshot();
        }
        clearDeltas();
        if (deletes != null) {
            for (Map.Entry<Relation, List<Object[]>> e : deletes.entrySet()) {
                for (Object[] row : e.getValue()) {
                    deleteRow(e.getKey(), row);
                }
            }
        }
        if (inserts != null) {
            for (Map.Entry<Relation, List<Object[]>> e : inserts.entrySet()) {
                applyNext(e.getKey(), e.getValue());
            }
        }
        if (deletes != null || inserts != null) {
            pendingChanges = true;
        }
        return outbound == null ? Map.of() : outbound;
    }

    /**
     * Forgets this step's changes: the deltas the transition read, the touched rows, and the
     * marks of strata to consider (the changes the transition makes next mark them again).
     */
    private void clearDeltas() {
        for (int k = 0; k < dirtyDeltaCount; k++) {
            int id = dirtyDeltas[k];
            delta[id].clear();
            deltaDirty[id] = false;
        }
        dirtyDeltaCount = 0;
        for (int k = 0; k < touchedTargetCount; k++) {
            Relation t = touchedTargets[k];
            touchedAdded[t.id] = cleared(touchedAdded[t.id]);
            touchedRemoved[t.id] = cleared(touchedRemoved[t.id]);
            touchDirty[t.id] = false;
        }
        touchedTargetCount = 0;
        Arrays.fill(strataToConsider, 0L);
        // A row an INSERT_NOW target lost must still be checked by its stratum (needsRun).
        for (Action a : insertNowActions) {
            if (!recheck[a.target().id].isEmpty()) {
                consider(a.target().stratum);
            }
        }
    }

    /** An emptied list: the same one unless it grew large (a bulk step should not pin its memory). */
    private static List<Object[]> cleared(List<Object[]> l) {
        if (l.size() > 1024) {
            return new ArrayList<>();
        }
        l.clear();
        return l;
    }

    /** Applies the @next inserts into table {@code t}, checking that no two claim one key. */
    private void applyNext(Relation t, List<Object[]> rows) {
        RowSet seen = new RowSet(t.key);
        for (Object[] row : rows) {
            Object[] clash = seen.add(row);
            if (clash != null && !Arrays.equals(clash, row)) {
                throw new OverlogException("key violation in rule " + nextRules(t, clash, row) + ": @next inserts "
                    + Values.formatTuple(t.name, clash) + " and " + Values.formatTuple(t.name, row)
                    + " with the same key in the same step");
            }
        }
        for (Object[] row : rows) {
            Object[] holder = stores[t.id].keyHolder(row);
            if (holder != null && !Arrays.equals(holder, row) && inAnyNext(t, holder)) {
                throw new OverlogException("key violation in rule " + nextRules(t, holder, row) + ": @next inserts "
                    + Values.formatTuple(t.name, holder) + " and " + Values.formatTuple(t.name, row)
                    + " with the same key in the same step");
            }
            upsert(t, row.clone());
        }
    }

    private void checkMessageSize(Action a, Object[] row) {
        long size = Values.estimatedSize(a.target().name, row);
        if (size > options.maxMessageBytes()) {
            throw new OverlogException("rule " + a.rule().name() + " sends a " + a.target().name + " tuple of about " + size
                + " bytes to " + row[0] + ", over the limit of " + options.maxMessageBytes()
                + " (NodeOptions.maxMessageBytes)\n  in: " + a.rule().text);
        }
    }

    /** The names of the @next rules into {@code t} that derive either row. */
    private String nextRules(Relation t, Object[] a, Object[] b) {
        List<String> names = new ArrayList<>();
        for (Action act : nextInto[t.id]) {
            Store src = stores[act.source().id];
            if ((src.contains(a) || src.contains(b)) && !names.contains(act.rule().name())) {
                names.add(act.rule().name());
            }
        }
        return String.join(" and ", names);
    }

    private List<StepResult.WatchEvent> watchEvents() {
        List<StepResult.WatchEvent> out = null;
        for (Relation r : watched) {
            Delta d = watchDelta[r.id];
            if (d.isEmpty()) {
                continue;
            }
            if (out == null) {
                out = new ArrayList<>();
            }
            List<Tuple> rem = new ArrayList<>();
            for (Object[] row : d.minusArray()) {
                rem.add(Tuple.wrap(r.name, row));
            }
            List<Tuple> add = new ArrayList<>();
            for (Object[] row : d.plus.toArray()) {
                add.add(Tuple.wrap(r.name, row));
            }
            rem.sort(Comparator.comparing(Tuple::toString));
            add.sort(Comparator.comparing(Tuple::toString));
            for (Tuple t : rem) {
                out.add(new StepResult.WatchEvent(step, t, false));
            }
            for (Tuple t : add) {
                out.add(new StepResult.WatchEvent(step, t, true));
            }
            d.clear();
        }
        return out == null ? List.of() : out;
    }
}
