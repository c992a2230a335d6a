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
 * input, a timer is due or the program has pending work, {@code step(now, inbound)}; then append
 * the step's durable changes to the log (msynced in SYNC mode) and only then publish its
 * outbound tuples. Tuples a node sends to its own address skip the network and arrive in its
 * next step.
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
    private final ManyToOneConcurrentArrayQueue<Tuple> injected;
    private final ManyToOneConcurrentArrayQueue<Runnable> tasks = new ManyToOneConcurrentArrayQueue<>(1024);
    private final Map<String, List<Consumer<Change>>> subscribers = new ConcurrentHashMap<>();
    private final Map<String, Set<Tuple>> lastContents = new ConcurrentHashMap<>();
    private final NodeMetrics metrics = new NodeMetrics();
    private final List<Tuple> inbound = new ArrayList<>();
    private final Consumer<Tuple> inboundAdder = inbound::add;
    private OverlogNode node;
    private long excerptsSinceSnapshot;
    private volatile String failure;
    private volatile boolean started;

    /**
     * @param store         the node's log, or null for a node without durable state
     * @param snapshotEvery excerpts between two snapshots (0: never)
     */
    public NodeAgent(Program program, String address, NodeOptions options, AeronTransport transport, DurableStore store,
                     EpochClock clock, int injectQueueCapacity, long snapshotEvery, Consumer<String> log) {
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
        int work = tasks.drain(Runnable::run);
        work += injected.drain(inboundAdder::accept);
        work += transport.poll(inboundAdder, 64);
        work += transport.flush();
        long now = clock.time();
        if (!inbound.isEmpty() || node.steps() == 0 || node.hasPendingWork() || now >= node.nextTimerDueMs()) {
            step(now);
            work++;
        }
        return work;
    }

    private void step(long now) {
        long t0 = System.nanoTime();
        StepResult r;
        try {
            r = node.step(now, inbound);
        } catch (OverlogException e) {
            failure = "node " + address + " failed in step " + (node.steps() + 1) + ": " + e.getMessage();
            log.accept(failure);
            throw new AgentTerminationException(failure);
        }
        metrics.tuplesIn.addAndGet(inbound.size());
        inbound.clear();
        if (store != null && !r.durableChanges().isEmpty()) {
            // The step contract: on disk (msynced in SYNC mode) before any outbound tuple leaves.
            store.append(r.step(), r.durableChanges());
            excerptsSinceSnapshot++;
            if (snapshotEvery > 0 && excerptsSinceSnapshot >= snapshotEvery) {
                store.snapshot(node.durableContents());
                excerptsSinceSnapshot = 0;
            }
        }
        for (Map.Entry<String, List<Tuple>> e : r.outbound().entrySet()) {
            metrics.tuplesOut.addAndGet(e.getValue().size());
            // Tuples sent to ourselves skip the network and arrive in the next step (never this one).
            if (e.getKey().equals(address)) {
                inbound.addAll(e.getValue());
            } else {
                transport.send(e.getKey(), e.getValue());
            }
        }
        for (String m : r.dieMessages()) {
            metrics.dies.incrementAndGet();
            log.accept(address + ": invariant violated in step " + r.step() + ": " + m);
        }
        if (!subscribers.isEmpty()) {
            notifySubscribers(r);
        }
        metrics.steps.incrementAndGet();
        metrics.stepNanos.record(System.nanoTime() - t0);
    }

    private void notifySubscribers(StepResult r) {
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
            for (Change c : changes) {
                for (Consumer<Change> l : e.getValue()) {
                    l.accept(c);
                }
            }
        }
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
        public final LatencyHistogram stepNanos = new LatencyHistogram();
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
            .append(", die ").append(metrics.dies.get());
        if (store != null) {
            sb.append(", excerpts ").append(store.excerpts()).append(", sync ").append(store.syncNanos().describeMicros());
        }
        return sb.toString();
    }
}
