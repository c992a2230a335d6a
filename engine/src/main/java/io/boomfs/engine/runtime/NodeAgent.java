package io.boomfs.engine.runtime;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogException;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The only loop of a node (ARCHITECTURE.md, "The step contract"), as an Agrona {@link Agent}.
 * One duty cycle: take host requests and injected tuples, poll the transport, and when there is
 * input, a timer is due or the program has pending work, {@code step(now, inbound)}. While there
 * is still input or work, it polls again and steps again, up to {@code maxGroupSteps} steps and
 * {@link #MAX_GROUP_NS} (a group, committed together): it appends the group's durable changes to
 * the log as one excerpt (msynced in SYNC mode: one msync for the group, not one per step) and
 * only then publishes the outbound tuples of every step of the group, in step order. So each step's durable changes
 * are on disk before any of its outbound tuples leave. Tuples a node sends to its own address
 * skip the network and arrive in its next step (within the group, or in the next duty cycle):
 * they never leave the node, and a crash loses the group whole.
 *
 * <p>A snapshot trigger ({@code snapshotOn}, an event relation) makes the agent snapshot the
 * durable tables after any step in which that relation holds a tuple: the group ends with that
 * step, is appended and published, then the snapshot is written.
 *
 * <p>The host API (any thread): {@link #inject} (a bounded queue; a full queue refuses and
 * counts), {@link #subscribe} (changes of a relation, called on the agent thread: keep it
 * short), {@link #read} (a relation's contents between two steps) and {@link #metrics}.
 */
public final class NodeAgent implements Agent {
    /** One change of a subscribed relation: an event that occurred, or a tuple added or removed. */
    public record Change(long step, Tuple tuple, boolean insert) {
    }

    private final Program program;
    private final Schemas schemas;
    private final String address;
    private final NodeOptions options;
    private final AeronTransport transport;
    private final DurableStore store;
    private final EpochClock clock;
    private final Consumer<String> log;
    private final long snapshotEvery;
    private final int maxGroupSteps;
    private final Relation snapshotOn;
    private final ManyToOneConcurrentArrayQueue<Tuple> injected;
    private final ManyToOneConcurrentArrayQueue<Runnable> tasks = new ManyToOneConcurrentArrayQueue<>(1024);
    private final Map<String, List<Consumer<Change>>> subscribers = new ConcurrentHashMap<>();
    private final Map<String, Set<Tuple>> lastContents = new ConcurrentHashMap<>();
    private final NodeMetrics metrics = new NodeMetrics();
    private final List<Tuple> inbound = new ArrayList<>();
    private final Consumer<Tuple> inboundAdder = inbound::add;
    /** The steps of the current group, with what to do once their durable changes are on disk. */
    private final List<Stepped> group = new ArrayList<>();
    private int groupChanges;
    /** Whether a step of the current group changed a relation its messages must wait for. */
    private boolean groupNeedsSync;
    /** The first step of the group whose messages wait for the group's msync (the ones before left already). */
    private int groupHeldFrom;
    /** By relation id, the durable relations whose changes are msynced before a step's messages leave; null: all. */
    private volatile boolean[] syncRelations;
    private OverlogNode node;
    private long excerptsSinceSnapshot;
    private volatile String failure;
    private volatile boolean started;

    /** At most this many steps in a group ({@link #NodeAgent(Program, String, NodeOptions, AeronTransport, DurableStore, EpochClock, int, long, Consumer)}). */
    public static final int DEFAULT_MAX_GROUP_STEPS = 16;
    /**
     * A group stops growing once its steps made this many durable changes: the group is one
     * excerpt, which must stay far below Chronicle's excerpt size limit (a single bigger step
     * is still one excerpt, as it always was).
     */
    static final int MAX_GROUP_CHANGES = 8192;
    /**
     * A group stops growing once its steps took this long: nothing a group's steps send leaves
     * before its commit, so long steps in a row (a vpart move's clean-up, a bucket a step of
     * about 20 ms on a loaded machine) held a leader's answers and heartbeats for 16 of them,
     * 330-370 ms (bench partition, 100,000 files). Short steps still share one msync 16 at a time.
     */
    static final long MAX_GROUP_NS = 10_000_000;
    /** {@link #MAX_GROUP_NS}, or -Dboomfs.group_max_ms (tests that count a group's steps lift it). */
    private final long maxGroupNs = Long.getLong("boomfs.group_max_ms", MAX_GROUP_NS / 1_000_000) * 1_000_000;

    /**
     * A node that commits up to {@link #DEFAULT_MAX_GROUP_STEPS} steps with one msync and takes
     * no snapshot on an event.
     *
     * @param store         the node's log, or null for a node without durable state
     * @param snapshotEvery excerpts between two snapshots (0: never)
     */
    public NodeAgent(Program program, String address, NodeOptions options, AeronTransport transport, DurableStore store,
                     EpochClock clock, int injectQueueCapacity, long snapshotEvery, Consumer<String> log) {
        this(program, address, options, transport, store, clock, injectQueueCapacity, snapshotEvery, log,
            DEFAULT_MAX_GROUP_STEPS, null);
    }

    /**
     * @param store         the node's log, or null for a node without durable state
     * @param snapshotEvery excerpts between two snapshots (0: never)
     * @param maxGroupSteps at most this many consecutive steps share one append and one msync
     *                      (1: every step is committed alone)
     * @param snapshotOn    an event relation: after a step in which it holds a tuple the durable
     *                      tables are snapshotted; null for none (and ignored without a store)
     * @throws IllegalArgumentException when maxGroupSteps is below 1 or snapshotOn is not an
     *                                  event of the program
     */
    public NodeAgent(Program program, String address, NodeOptions options, AeronTransport transport, DurableStore store,
                     EpochClock clock, int injectQueueCapacity, long snapshotEvery, Consumer<String> log,
                     int maxGroupSteps, String snapshotOn) {
        if (maxGroupSteps < 1) {
            throw new IllegalArgumentException("maxGroupSteps must be at least 1, but it is " + maxGroupSteps);
        }
        this.snapshotOn = snapshotOn == null ? null : snapshotEvent(program, snapshotOn);
        this.maxGroupSteps = maxGroupSteps;
        this.program = program;
        this.schemas = new Schemas(program);
        this.address = address;
        this.options = options;
        this.transport = transport;
        this.store = store;
        this.clock = clock;
        this.log = log;
        this.snapshotEvery = snapshotEvery;
        this.injected = new ManyToOneConcurrentArrayQueue<>(injectQueueCapacity);
    }

    /**
     * Limits the msync before a step's messages to steps that change one of {@code relations}
     * (durable tables): the changes of other durable tables are written in order and reach the
     * disk with the next msync or when the OS writes them back. A step that changes none of
     * them publishes its messages at once, even inside a group whose later steps will msync.
     * Meant for state that can be rebuilt from elsewhere (a replica's applied state, which its
     * group still holds); what a promise or an answer relies on stays synced. Any thread; by
     * default every durable change is synced.
     *
     * @throws IllegalArgumentException for a relation that is not a durable table of the program
     */
    public void syncOnly(java.util.Collection<String> relations) {
        boolean[] sync = new boolean[program.relations().size()];
        for (String name : relations) {
            Relation r = program.relation(name);
            if (r == null || !r.durable) {
                throw new IllegalArgumentException(name + " is not a durable table of program " + program.name());
            }
            sync[r.id] = true;
        }
        this.syncRelations = sync;
    }

    private boolean needsSync(StepResult r) {
        boolean[] sync = syncRelations;
        if (sync == null) {
            return !r.durableChanges().isEmpty();
        }
        for (StepResult.Change c : r.durableChanges()) {
            if (sync[program.relation(c.tuple().relation()).id]) {
                return true;
            }
        }
        return false;
    }

    private static Relation snapshotEvent(Program program, String name) {
        Relation r = program.relation(name);
        if (r == null || r.internal) {
            throw new IllegalArgumentException("snapshot trigger " + name + ": program " + program.name() + " has no such relation");
        }
        if (r.kind != Relation.Kind.EVENT && r.kind != Relation.Kind.DERIVED_EVENT) {
            throw new IllegalArgumentException("snapshot trigger " + name + " is a " + r.kind.name().toLowerCase(java.util.Locale.ROOT)
                + ", not an event: it would snapshot after every step while it holds tuples");
        }
        return r;
    }

    /**
     * Builds the node: the program's facts, then the durable tables recovered from the log. Call
     * before the agent runs (also done by {@link #onStart}); facts are loaded once, here.
     */
    public DurableStore.Recovery recover(List<Tuple> facts) {
        node = new OverlogNode(program, address, options);
        for (Tuple f : facts) {
            node.load(f);
        }
        DurableStore.Recovery r = null;
        if (store != null) {
            r = store.recover();
            for (Tuple t : r.tuples()) {
                node.load(t);
            }
            if (r.excerptsReplayed() > 0 || r.snapshotIndex() >= 0) {
                log.accept(address + ": recovered " + r.tuples().size() + " durable tuples (snapshot "
                    + (r.snapshotIndex() >= 0 ? "used" : "none") + ", " + r.excerptsReplayed() + " excerpts replayed, "
                    + r.tornDropped() + " torn dropped)");
            }
        }
        return r;
    }

    @Override
    public void onStart() {
        if (node == null) {
            recover(List.of());
        }
        started = true;
    }

    @Override
    public String roleName() {
        return "node-" + address;
    }

    public String address() {
        return address;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    public AeronTransport transport() {
        return transport;
    }

    public DurableStore store() {
        return store;
    }

    /** Why the node stopped (a rule failed), or null while it runs. */
    public String failure() {
        return failure;
    }

    public boolean isStarted() {
        return started;
    }

    // ------------------------------------------------------------------ host API (any thread)

    /**
     * Queues a tuple for the node's next step, as if it had arrived from the network.
     *
     * @return false when the queue is full (the tuple is dropped and counted)
     * @throws IllegalArgumentException when the program cannot receive the tuple
     */
    public boolean inject(Tuple t) {
        Relation r = program.relation(t.relation());
        String why = r == null ? "unknown relation " + t.relation() : schemas.whyNotReceivable(r);
        if (why == null && r.arity() != t.arity()) {
            why = t.relation() + " has " + r.arity() + " columns, the tuple has " + t.arity();
        }
        for (int i = 0; why == null && i < t.arity(); i++) {
            if (!r.types[i].admits(t.get(i))) {
                why = "column " + r.columns[i] + " of " + r.name + " is a " + r.types[i] + ": " + t;
            }
        }
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
        if (!injected.offer(t)) {
            metrics.injectDropped.incrementAndGet();
            return false;
        }
        return true;
    }

    /**
     * Calls {@code listener} on the agent thread with every change of {@code relation}: for an
     * event, each tuple it holds in a step; for a durable table, the logged changes; for other
     * tables and views, the difference of its contents between two steps (cost: its size).
     */
    public void subscribe(String relation, Consumer<Change> listener) {
        if (program.relation(relation) == null) {
            throw new IllegalArgumentException("unknown relation " + relation);
        }
        subscribers.computeIfAbsent(relation, k -> new CopyOnWriteArrayList<>()).add(listener);
    }

    /** The contents of a relation, read on the agent thread between two steps. */
    public CompletableFuture<List<Tuple>> read(String relation) {
        if (program.relation(relation) == null) {
            throw new IllegalArgumentException("unknown relation " + relation);
        }
        return call(n -> n.contents(relation));
    }

    /** Runs {@code f} on the agent thread between two steps. */
    public <T> CompletableFuture<T> call(Function<OverlogNode, T> f) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Runnable task = () -> {
            try {
                result.complete(f.apply(node));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        };
        if (!tasks.offer(task)) {
            result.completeExceptionally(new IllegalStateException("node " + address + " has too many pending host requests"));
        }
        return result;
    }

    // ------------------------------------------------------------------ the duty cycle

    @Override
    public int doWork() {
        if (failure != null) {
            throw new AgentTerminationException(failure);
        }
        long c0 = SLOW_STEP_MS > 0 ? System.nanoTime() : 0;
        int work = tasks.drain(Runnable::run);
        long c1 = SLOW_STEP_MS > 0 ? System.nanoTime() : 0;
        work += injected.drain(inboundAdder::accept);
        work += transport.poll(inboundAdder, 64);
        work += transport.flush();
        long now = clock.time();
        if (!stepDue(now)) {
            slowCycle(c0, c1, 0, 0);
            return work;
        }
        boolean snapshot = false;
        long groupStart = System.nanoTime();
        try {
            while (true) {
                step(now);
                work++;
                if (snapshotOn != null && store != null && node.count(snapshotOn.name) > 0) {
                    snapshot = true;
                    break;
                }
                if (group.size() >= maxGroupSteps || groupChanges >= MAX_GROUP_CHANGES
                    || System.nanoTime() - groupStart >= maxGroupNs) {
                    break;
                }
                // Input that arrived meanwhile joins the group: its steps share one msync.
                work += injected.drain(inboundAdder::accept);
                work += transport.poll(inboundAdder, 64);
                now = clock.time();
                if (!stepDue(now)) {
                    break;
                }
            }
        } finally {
            // A failed step throws after the steps before it are committed, as if it never ran.
            long c3 = SLOW_STEP_MS > 0 ? System.nanoTime() : 0;
            commit(snapshot);
            slowCycle(c0, c1, groupStart, c3);
        }
        return work;
    }

    /**
     * With -Dboomfs.slowstep.ms=N, a duty cycle of N ms or more is logged with its parts: what
     * stalled a node between steps (its tasks, e.g. taking a snapshot's rows, or its commit's
     * append and msync), which the step times alone do not show.
     */
    private void slowCycle(long start, long tasksEnd, long stepsStart, long commitStart) {
        if (SLOW_STEP_MS <= 0) {
            return;
        }
        long end = System.nanoTime();
        if (end - start < SLOW_STEP_MS * 1_000_000) {
            return;
        }
        boolean committed = commitStart > 0 && appendedAt >= commitStart;
        log.accept(String.format("%s: a duty cycle took %.0f ms: tasks %.0f ms, input %.0f ms, steps %.0f ms, commit %.0f ms"
                + " (append and msync %.0f ms, publish %.0f ms, of which sending %.0f ms)", address,
            (end - start) / 1e6, (tasksEnd - start) / 1e6, ((stepsStart > 0 ? stepsStart : end) - tasksEnd) / 1e6,
            stepsStart > 0 ? (commitStart - stepsStart) / 1e6 : 0.0, commitStart > 0 ? (end - commitStart) / 1e6 : 0.0,
            committed ? (appendedAt - commitStart) / 1e6 : 0.0, committed ? (end - appendedAt) / 1e6 : 0.0,
            committed ? sendNanos / 1e6 : 0.0));
    }

    /** Time spent in transport sends since the last commit's append, for {@link #slowCycle}. */
    private long sendNanos;

    /** When the last commit's append (and msync) ended, for {@link #slowCycle}; 0 without the slow-step log. */
    private long appendedAt;

    private boolean stepDue(long now) {
        return !inbound.isEmpty() || node.steps() == 0 || node.hasPendingWork() || now >= node.nextTimerDueMs();
    }

    /** One step of a group: its result and its subscribers' changes, delivered after the commit. */
    private record Stepped(StepResult result, List<Runnable> notifications) {
    }

    private void step(long now) {
        long t0 = System.nanoTime();
        long cpu0 = PROFILE != null ? THREADS.getCurrentThreadCpuTime() : 0;
        StepResult r;
        try {
            r = node.step(now, inbound);
            if (PROFILE != null) {
                stepCpuNanos += THREADS.getCurrentThreadCpuTime() - cpu0;
            }
        } catch (OverlogException e) {
            failure = "node " + address + " failed in step " + (node.steps() + 1) + ": " + e.getMessage();
            log.accept(failure);
            throw new AgentTerminationException(failure);
        }
        metrics.tuplesIn.addAndGet(inbound.size());
        inbound.clear();
        // Tuples sent to ourselves skip the network and arrive in the next step (never this one).
        List<Tuple> own = r.outbound().get(address);
        if (own != null) {
            inbound.addAll(own);
        }
        // Subscribers see each step's contents, so their changes are taken now (the next step
        // changes the contents) and delivered with the step's outbound tuples.
        Stepped st = new Stepped(r, subscribers.isEmpty() ? List.of() : subscriberChanges(r));
        group.add(st);
        groupChanges += r.durableChanges().size();
        groupNeedsSync |= needsSync(r);
        if (!groupNeedsSync) {
            // Nothing this step or an earlier one of the group changed needs a sync first.
            publish(st);
            groupHeldFrom = group.size();
        }
        metrics.steps.incrementAndGet();
        long took = System.nanoTime() - t0;
        metrics.stepNanos.record(took);
        if (SLOW_STEP_MS > 0 && took >= SLOW_STEP_MS * 1_000_000L) {
            log.accept(address + ": step " + r.step() + " took " + took / 1_000_000 + " ms (" + st.result().durableChanges().size()
                + " durable changes)" + node.stepProfile(6));
        }
        if (PROFILE != null && now - profiledMs >= 5_000) {
            profiledMs = now;
            writeProfile();
        }
    }

    /**
     * With {@code -Dboomfs.profile=PREFIX} (and {@code -Dboomfs.profile.rules=true}), every 5 s
     * the rules that took the most time so far go to {@code PREFIX-<address>.txt}, replacing the
     * last: where a node's steps spend their time, by rule. A profiling aid.
     */
    private static final String PROFILE = System.getProperty("boomfs.profile");
    /**
     * With {@code -Dboomfs.slowstep.ms=N}, every step of N ms or more is logged with its number, its
     * durable changes and (with {@code -Dboomfs.profile.rules=true}) the rules that took its time:
     * what a pause seen by clients was. A profiling aid, off by default.
     */
    private static final long SLOW_STEP_MS = Long.getLong("boomfs.slowstep.ms", 0);
    private long profiledMs;
    /** With {@link #PROFILE}: the thread CPU time of the steps so far (the evaluation, not the idle polling). */
    private long stepCpuNanos;
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    private void writeProfile() {
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of(PROFILE + "-" + address.replaceAll("[^A-Za-z0-9.-]", "_") + ".txt"),
                "steps " + node.steps() + "\nstep_cpu_ms " + stepCpuNanos / 1_000_000 + "\n" + node.ruleProfile(40));
        } catch (java.io.IOException e) {
            log.accept("cannot write the rule profile: " + e.getMessage());
        }
    }

    /**
     * Appends the group's durable changes as one excerpt (msynced in SYNC mode), then publishes
     * every step's outbound tuples and delivers its subscribers' changes, in step order.
     */
    private void commit(boolean snapshotRequested) {
        if (group.isEmpty()) {
            return;
        }
        if (store != null && groupChanges > 0) {
            List<StepResult.Change> changes = new ArrayList<>(groupChanges);
            for (Stepped st : group) {
                changes.addAll(st.result().durableChanges());
            }
            // The step contract: on disk (msynced in SYNC mode) before any outbound tuple leaves,
            // for the relations that need it (syncOnly).
            store.append(group.get(group.size() - 1).result().step(), changes, groupNeedsSync);
            excerptsSinceSnapshot++;
        }
        appendedAt = SLOW_STEP_MS > 0 ? System.nanoTime() : 0;
        sendNanos = 0;
        metrics.groups.incrementAndGet();
        metrics.groupSteps.record(group.size());
        for (int i = groupHeldFrom; i < group.size(); i++) {
            publish(group.get(i));
        }
        group.clear();
        groupChanges = 0;
        groupNeedsSync = false;
        groupHeldFrom = 0;
        if (store != null && (snapshotRequested || snapshotEvery > 0 && excerptsSinceSnapshot >= snapshotEvery)) {
            // After the append: the durable contents are the state the last excerpt leaves.
            store.snapshot(node.durableContents());
            excerptsSinceSnapshot = 0;
            metrics.snapshots.incrementAndGet();
        }
    }

    private void publish(Stepped st) {
        StepResult r = st.result();
        for (Map.Entry<String, List<Tuple>> e : r.outbound().entrySet()) {
            metrics.tuplesOut.addAndGet(e.getValue().size());
            if (!e.getKey().equals(address)) {
                long t0 = SLOW_STEP_MS > 0 ? System.nanoTime() : 0;
                transport.send(e.getKey(), e.getValue());
                if (SLOW_STEP_MS > 0) {
                    long took = System.nanoTime() - t0;
                    sendNanos += took;
                    if (took >= SLOW_STEP_MS * 500_000) {
                        log.accept(String.format("%s: sending %d tuples to %s took %.0f ms", address, e.getValue().size(), e.getKey(),
                            took / 1e6));
                    }
                }
            }
        }
        // The changes of relations the program declares with `watch` (none in production): a
        // tracing aid, e.g. with -Dboomfs.childlogs=DIR for a benchmark's replicas.
        for (StepResult.WatchEvent w : r.watchEvents()) {
            log.accept(address + ": watch " + w);
        }
        for (String m : r.dieMessages()) {
            metrics.dies.incrementAndGet();
            log.accept(address + ": invariant violated in step " + r.step() + ": " + m);
        }
        for (Runnable n : st.notifications()) {
            n.run();
        }
    }

    /** The subscribers' changes of the step just taken, as calls to make once it is committed. */
    private List<Runnable> subscriberChanges(StepResult r) {
        List<Runnable> calls = new ArrayList<>();
        for (Map.Entry<String, List<Consumer<Change>>> e : subscribers.entrySet()) {
            Relation rel = program.relation(e.getKey());
            List<Change> changes = new ArrayList<>();
            if (rel.kind == Relation.Kind.EVENT || rel.kind == Relation.Kind.DERIVED_EVENT) {
                for (Tuple t : node.contents(rel.name)) {
                    changes.add(new Change(r.step(), t, true));
                }
            } else if (rel.durable) {
                for (StepResult.Change c : r.durableChanges()) {
                    if (c.tuple().relation().equals(rel.name)) {
                        changes.add(new Change(r.step(), c.tuple(), c.insert()));
                    }
                }
            } else {
                Set<Tuple> now = new HashSet<>(node.contents(rel.name));
                Set<Tuple> before = lastContents.getOrDefault(rel.name, Set.of());
                for (Tuple t : before) {
                    if (!now.contains(t)) {
                        changes.add(new Change(r.step(), t, false));
                    }
                }
                for (Tuple t : now) {
                    if (!before.contains(t)) {
                        changes.add(new Change(r.step(), t, true));
                    }
                }
                lastContents.put(rel.name, now);
            }
            List<Consumer<Change>> listeners = e.getValue();
            if (!changes.isEmpty()) {
                calls.add(() -> {
                    for (Change c : changes) {
                        for (Consumer<Change> l : listeners) {
                            l.accept(c);
                        }
                    }
                });
            }
        }
        return calls;
    }

    @Override
    public void onClose() {
        transport.close();
        if (store != null) {
            store.close();
        }
    }

    /** Counters of one node; read from any thread. */
    public static final class NodeMetrics {
        public final AtomicLong steps = new AtomicLong();
        public final AtomicLong tuplesIn = new AtomicLong();
        public final AtomicLong tuplesOut = new AtomicLong();
        public final AtomicLong injectDropped = new AtomicLong();
        public final AtomicLong dies = new AtomicLong();
        /** The time of each step alone (the group's append and msync are in the store's sync histogram). */
        public final LatencyHistogram stepNanos = new LatencyHistogram();
        /** Groups committed: each is at most one append and one msync. */
        public final AtomicLong groups = new AtomicLong();
        /** Steps per group (counts, not nanoseconds). */
        public final LatencyHistogram groupSteps = new LatencyHistogram();
        public final AtomicLong snapshots = new AtomicLong();
    }

    /** One line of every metric, for logs and benchmarks. */
    public String describeMetrics() {
        StringBuilder sb = new StringBuilder();
        sb.append(address).append(": steps ").append(metrics.steps.get())
            .append(", step time ").append(metrics.stepNanos.describeMicros())
            .append(", tuples in ").append(metrics.tuplesIn.get()).append(" out ").append(metrics.tuplesOut.get())
            .append(", frames in ").append(transport.framesIn()).append(" out ").append(transport.framesOut())
            .append(", bytes in ").append(transport.bytesIn()).append(" out ").append(transport.bytesOut())
            .append(", dropped: inject ").append(metrics.injectDropped.get())
            .append(" outbound frames ").append(transport.droppedFrames())
            .append(" (").append(transport.droppedTuples()).append(" tuples)")
            .append(" unencodable ").append(transport.unencodable())
            .append(" no endpoint ").append(transport.unknownDestination())
            .append(", publications rebuilt ").append(transport.rebuiltPublications())
            .append(", refused frames ").append(transport.decoder().refusedTotal())
            .append(", die ").append(metrics.dies.get())
            .append(", groups ").append(metrics.groups.get())
            .append(String.format(" (%.2f steps each, max %d)", metrics.steps.get() / (double) Math.max(1, metrics.groups.get()),
                metrics.groupSteps.max()));
        if (store != null) {
            sb.append(", excerpts ").append(store.excerpts()).append(", sync ").append(store.syncNanos().describeMicros())
                .append(", snapshots ").append(metrics.snapshots.get());
        }
        return sb.toString();
    }
}
