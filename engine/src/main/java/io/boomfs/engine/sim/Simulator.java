package io.boomfs.engine.sim;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogException;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.runtime.ClusterKey;
import io.boomfs.engine.runtime.FrameAuth;
import io.boomfs.engine.runtime.FrameDecoder;
import io.boomfs.engine.runtime.FrameEncoder;
import io.boomfs.engine.runtime.Schemas;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Many Overlog nodes in one thread over a seeded, faulty network: the deterministic simulator
 * of STYLE.md item 9 (after tigerbeetle's {@code vopr.zig} and {@code packet_simulator.zig}).
 *
 * <p><b>Rounds.</b> The simulation advances in rounds. Round 1 runs at nowMs 0 and every later
 * round {@link SimConfig#tickMs()} after the previous one. In a round, the messages due in that
 * round are handed out first; then every live node takes exactly one step at the same nowMs, in
 * the order the nodes were added, with the messages due for it as inbound tuples. Since every
 * node's inbound batch is fixed before any node steps, the stepping order never changes what a
 * node sees. What a node sends in a round is delivered in a later round, never the same one.
 *
 * <p><b>Faults.</b> For each sent tuple, in a fixed order (nodes in the order added, destinations
 * sorted, the tuples of one destination sorted by text), the simulator decides with its one
 * {@link SplittableRandom}: lost ({@link SimConfig#dropRate()}); otherwise delivered after a
 * delay drawn in [minDelayMs, maxDelayMs] rounded up to rounds, possibly reordered
 * ({@link SimConfig#reorderRate()}), and possibly delivered a second time
 * ({@link SimConfig#duplicateRate()}, the copy with its own delay and reordering). Messages
 * across a {@link #partition} cut, to a crashed node or to an unknown address are dropped and
 * counted. Nothing else is random, and no clock is read, so a seed and a config replay a run
 * exactly; the constructor prints {@code SEED=<n>} and every fault setting before anything else.
 *
 * <p><b>Crashes.</b> {@link #crash} stops a node and loses every message in flight to it;
 * {@link #restart} builds a new node of the same program and options and loads the node's durable
 * tables as they were at the crash, so that views and the other tables are rebuilt from them.
 *
 * <p><b>Frames.</b> Once a node is given a cluster key ({@link #clusterKey}), every message
 * travels as a network frame, as over Aeron: encoded by its sender's {@link FrameEncoder} (signed
 * when the sender has a key), decoded by its receiver's {@link FrameDecoder} (which checks the
 * MAC, the counter and the open relations when the receiver has a key). So membership
 * authentication runs here the same code as in a process. A duplicated message is then a
 * replayed frame: the receiver refuses the copy. A refused frame counts as dropped.
 *
 * <p>Counters obey {@code sent + duplicated == delivered + dropped + in flight} at all times.
 * Not thread-safe: one thread drives it.
 */
public final class Simulator {
    private final long seed;
    private final SimConfig config;
    private final PrintStream log;
    /** The only source of randomness: every fault decision draws from it, in a fixed order. */
    private final SplittableRandom random;
    /** Nodes by address, in the order added: that order is the stepping and printing order. */
    private final Map<String, Slot> nodes = new LinkedHashMap<>();
    /** Messages in flight by the round that delivers them. */
    private final TreeMap<Long, List<Message>> inFlight = new TreeMap<>();
    /** Unknown addresses already reported to the log (membership only, never iterated). */
    private final Set<String> unknownReported = new HashSet<>();
    private Set<String> partitionSide;
    private long inFlightCount;
    private long rounds;
    private long nowMs;
    private long nextSeq;
    private long sent;
    private long delivered;
    private long dropped;
    private long duplicated;
    private long toUnknown;
    private long refusedFrames;
    private boolean framed;
    private String stoppedBy;
    private Consumer<String> trace;

    /** One simulated node: its current instance, and what survives while it is down. */
    private static final class Slot {
        final String address;
        final Program program;
        final NodeOptions options;
        OverlogNode node;
        boolean up = true;
        List<Tuple> durableAtCrash = List.of();
        /** Its cluster key, or null; the wire state below is a process's, rebuilt at a restart. */
        ClusterKey key;
        FrameEncoder encoder;
        FrameDecoder decoder;

        Slot(String address, Program program, NodeOptions options) {
            this.address = address;
            this.program = program;
            this.options = options;
            this.node = new OverlogNode(program, address, options);
        }
    }

    /**
     * One delivery of a tuple. {@code seq} is unique and grows in send order: it orders a
     * destination's batch, so that messages arrive in send order unless {@code reordered}.
     */
    private record Message(long seq, long sentRound, String from, String to, Tuple tuple, boolean reordered, byte[] frame) {
    }

    /**
     * @param seed   drives every fault decision; the same seed and config replay a run exactly
     * @param config the clock and the faults
     * @param log    receives {@code SEED=<n>} and the fault settings first, then crashes,
     *               restarts, partitions, heals, invariant violations and node failures
     */
    public Simulator(long seed, SimConfig config, PrintStream log) {
        this.seed = seed;
        this.config = Objects.requireNonNull(config, "config");
        this.log = Objects.requireNonNull(log, "log");
        this.random = new SplittableRandom(seed);
        log.println("SEED=" + seed);
        log.println("network: " + config.describe() + " (replay with -Dseed=" + seed + ")");
        log.flush();
    }

    public long seed() {
        return seed;
    }

    public SimConfig config() {
        return config;
    }

    /** Adds a node running {@code program} with {@link NodeOptions#defaults()}. */
    public OverlogNode addNode(String address, Program program) {
        return addNode(address, program, NodeOptions.defaults());
    }

    /** Adds a node; it takes its first step in the next round. Its program's facts are loaded. */
    public OverlogNode addNode(String address, Program program, NodeOptions options) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(options, "options");
        if (address.isEmpty()) {
            throw new IllegalArgumentException("a node address cannot be empty");
        }
        if (nodes.containsKey(address)) {
            throw new IllegalArgumentException("there is already a node at address " + address);
        }
        Slot s = new Slot(address, program, options);
        nodes.put(address, s);
        wire(s);
        return s.node;
    }

    /**
     * The node's current instance. After {@link #crash} it is the instance that crashed (it takes
     * no more steps) until {@link #restart} replaces it.
     */
    public OverlogNode node(String address) {
        return slot(address).node;
    }

    /** Every node's address, in the order added. */
    public List<String> addresses() {
        return List.copyOf(nodes.keySet());
    }

    /**
     * Makes a node a member of a cluster keyed by {@code key} (null: a node without a key). From
     * the first call on, every message travels as a frame (see the class comment): a node with
     * a key signs what it sends and accepts only frames a member with the same key signed, or
     * the relations its program declares open ({@link FrameAuth#OPEN_RELATION}); a node without
     * one signs nothing and checks nothing.
     */
    public void clusterKey(String address, ClusterKey key) {
        Slot s = slot(address);
        s.key = key;
        framed = true;
        for (Slot other : nodes.values()) {
            wire(other);
        }
    }

    /** A node's frame decoder (its refusals by reason), or null before any node has a key. */
    public FrameDecoder decoder(String address) {
        return slot(address).decoder;
    }

    /** Frames refused by their receiver (also counted in {@link #messagesDropped()}). */
    public long framesRefused() {
        return refusedFrames;
    }

    /** Builds a node's encoder and decoder: at the first key, for a node added later, at a restart. */
    private void wire(Slot s) {
        if (!framed) {
            return;
        }
        Schemas schemas = new Schemas(s.program);
        FrameAuth auth = s.key == null ? null : FrameAuth.forProgram(s.key, s.program, () -> nowMs);
        s.encoder = new FrameEncoder(schemas, s.address, 1 << 16, auth);
        s.decoder = new FrameDecoder(schemas, 1 << 20, line -> log.println(where() + s.address + ": " + line), auth);
    }

    /** Whether the node is running (added and not crashed, or restarted since). */
    public boolean isUp(String address) {
        return slot(address).up;
    }

    /**
     * Loads a tuple into a live node as the host (see {@link OverlogNode#load}): a table tuple
     * now, an event at the node's next step.
     *
     * @throws IllegalStateException when the node is down
     */
    public void load(String address, Tuple t) {
        Slot s = slot(address);
        if (!s.up) {
            throw new IllegalStateException("node " + address + " is down: restart it before loading " + t);
        }
        s.node.load(t);
    }

    /**
     * Runs one round (see the class comment).
     *
     * @return the {@code die} messages the nodes derived in this round, each as
     *         {@code "<addr>: <message>"}, nodes in the order added; empty when no invariant broke
     * @throws SimulationException when a node fails (the simulation then stops for good) or the
     *                             simulation had already stopped
     */
    public List<String> round() {
        if (stoppedBy != null) {
            throw new SimulationException("the simulation stopped earlier: " + stoppedBy);
        }
        rounds++;
        nowMs = (rounds - 1) * config.tickMs();
        Map<String, List<Tuple>> inbound = deliverDue();
        List<String> dies = new ArrayList<>();
        for (Slot s : nodes.values()) {
            if (!s.up) {
                continue;
            }
            StepResult result = step(s, inbound.getOrDefault(s.address, List.of()));
            for (String m : result.dieMessages()) {
                dies.add(s.address + ": " + m);
            }
            send(s.address, result.outbound());
        }
        for (String d : dies) {
            log.println(where() + "die at " + d);
        }
        return dies;
    }

    /** nowMs of the latest round (0 before the first round, which also runs at 0). */
    public long nowMs() {
        return nowMs;
    }

    /** Rounds run so far. */
    public long rounds() {
        return rounds;
    }

    /**
     * Whether nothing would ever happen again without outside help: no message in flight, and
     * every live node has taken its first step, has no pending work and its program declares no
     * timer (a timer fires forever, so a program with one is never quiescent).
     */
    public boolean quiescent() {
        if (inFlightCount > 0) {
            return false;
        }
        for (Slot s : nodes.values()) {
            if (s.up && (s.node.steps() == 0 || s.node.hasPendingWork() || s.node.hasTimers())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs rounds until {@link #quiescent()}.
     *
     * @return the number of rounds run (0 when already quiescent)
     * @throws SimulationException when still not quiescent after {@code maxRounds} rounds, when a
     *                             round derives {@code die} (see {@link SimulationException#dieMessages()}),
     *                             or when a node fails
     */
    public int runUntilQuiescent(int maxRounds) {
        int ran = 0;
        while (!quiescent()) {
            if (ran >= maxRounds) {
                throw new SimulationException("not quiescent after " + maxRounds + " rounds (now at round " + rounds
                    + ", nowMs " + nowMs + "): " + busyReport());
            }
            checkedRound();
            ran++;
        }
        return ran;
    }

    /**
     * Runs rounds until {@code done} holds (checked before each round).
     *
     * @return the number of rounds run
     * @throws SimulationException when {@code done} still does not hold after {@code maxRounds}
     *                             rounds, when a round derives {@code die}, or when a node fails
     */
    public int runUntil(BooleanSupplier done, int maxRounds) {
        int ran = 0;
        while (!done.getAsBoolean()) {
            if (ran >= maxRounds) {
                throw new SimulationException("the condition still does not hold after " + maxRounds + " rounds (now at round "
                    + rounds + ", nowMs " + nowMs + "): " + busyReport());
            }
            checkedRound();
            ran++;
        }
        return ran;
    }

    /**
     * Runs exactly {@code n} rounds.
     *
     * @throws SimulationException when a round derives {@code die} (the run stops after that
     *                             round) or when a node fails
     */
    public void runRounds(int n) {
        for (int i = 0; i < n; i++) {
            checkedRound();
        }
    }

    private void checkedRound() {
        List<String> dies = round();
        if (!dies.isEmpty()) {
            throw new SimulationException("invariant violated in round " + rounds + " (nowMs " + nowMs + ", SEED="
                + seed + "): " + String.join("; ", dies), dies);
        }
    }

    /**
     * Crashes a live node: it takes no more steps, and every message in flight to it, or sent to
     * it while it is down, is lost. Its durable tables are kept as they are now, after its last
     * completed step (whose durable changes the step contract put on disk before its messages
     * left).
     */
    public void crash(String address) {
        Slot s = slot(address);
        if (!s.up) {
            throw new IllegalStateException("node " + address + " is already down");
        }
        s.durableAtCrash = s.node.durableContents();
        s.up = false;
        long lost = 0;
        for (Iterator<List<Message>> it = inFlight.values().iterator(); it.hasNext(); ) {
            List<Message> due = it.next();
            int before = due.size();
            due.removeIf(m -> {
                if (m.to().equals(address)) {
                    traceDrop(m, "destination crashed");
                    return true;
                }
                return false;
            });
            lost += before - due.size();
            if (due.isEmpty()) {
                it.remove();
            }
        }
        inFlightCount -= lost;
        dropped += lost;
        log.println(where() + "crash " + address + " (" + s.durableAtCrash.size() + " durable tuples kept, " + lost
            + " messages in flight to it lost)");
        emit(() -> "crash " + address);
    }

    /**
     * Restarts a crashed node: a new node of the same program and options, its program's facts,
     * then the durable tuples it had when it crashed. It takes its first step in the next round.
     */
    public void restart(String address) {
        Slot s = slot(address);
        if (s.up) {
            throw new IllegalStateException("node " + address + " is running: crash it before restarting it");
        }
        OverlogNode fresh = new OverlogNode(s.program, address, s.options);
        for (Tuple t : s.durableAtCrash) {
            fresh.load(t);
        }
        s.node = fresh;
        s.up = true;
        wire(s);
        log.println(where() + "restart " + address + " (" + s.durableAtCrash.size() + " durable tuples loaded)");
        s.durableAtCrash = List.of();
        emit(() -> "restart " + address);
    }

    /**
     * Cuts the network between {@code side} and every other address until {@link #heal()}: a
     * message across the cut is dropped when sent and when due (so messages in flight across a
     * new cut are lost too). A later call replaces the cut.
     */
    public void partition(Collection<String> side) {
        Set<String> cut = new LinkedHashSet<>();
        for (String a : side) {
            slot(a);
            cut.add(a);
        }
        partitionSide = cut;
        log.println(where() + "partition " + cut + " from the other nodes");
        emit(() -> "partition " + cut);
    }

    /** Removes the cut: messages sent from now on cross freely. */
    public void heal() {
        partitionSide = null;
        log.println(where() + "heal");
        emit(() -> "heal");
    }

    /** Tuples the nodes sent (to any address), each counted once even when duplicated. */
    public long messagesSent() {
        return sent;
    }

    /** Tuples handed to a node's step, copies included. */
    public long messagesDelivered() {
        return delivered;
    }

    /** Deliveries lost: by the drop rate, a partition, a crashed or an unknown destination. */
    public long messagesDropped() {
        return dropped;
    }

    /** Extra copies the network made. */
    public long messagesDuplicated() {
        return duplicated;
    }

    /** Deliveries scheduled but not yet due. */
    public long messagesInFlight() {
        return inFlightCount;
    }

    /** Tuples sent to an address no node has (also counted in {@link #messagesDropped()}). */
    public long messagesToUnknownAddress() {
        return toUnknown;
    }

    /**
     * Receives one line per network event and per crash, restart, partition and heal, in the
     * order they happen: what was sent, dropped, duplicated and delivered, with the round and the
     * decision. Two runs with the same seed and config produce the same lines. {@code null}
     * turns tracing off (the default).
     */
    public void trace(Consumer<String> sink) {
        this.trace = sink;
    }

    private Slot slot(String address) {
        Slot s = nodes.get(address);
        if (s == null) {
            throw new IllegalArgumentException("no node at address " + address + " (nodes: " + nodes.keySet() + ")");
        }
        return s;
    }

    private StepResult step(Slot s, List<Tuple> inbound) {
        try {
            return s.node.step(nowMs, inbound);
        } catch (OverlogException e) {
            throw stop("node " + s.address + " failed", e);
        } catch (IllegalArgumentException e) {
            // The node checks inbound tuples against its program before applying any: a message
            // its program does not declare means two nodes run programs that do not fit.
            throw stop("node " + s.address + " rejected its inbound messages", e);
        } catch (RuntimeException e) {
            // Not a program error but an engine bug: still name the node, round and seed, so
            // that the run can be replayed under a debugger.
            throw stop("node " + s.address + " hit an engine error (" + e.getClass().getName() + ")", e);
        }
    }

    private SimulationException stop(String what, RuntimeException e) {
        stoppedBy = what + " in round " + rounds + " (nowMs " + nowMs + ", SEED=" + seed + "): " + e.getMessage();
        log.println(where() + what + ": " + e.getMessage());
        log.flush();
        return new SimulationException(stoppedBy, e);
    }

    /** Hands out the messages due this round: per destination, in send order except reordered ones. */
    private Map<String, List<Tuple>> deliverDue() {
        List<Message> due = inFlight.remove(rounds);
        if (due == null) {
            return Map.of();
        }
        inFlightCount -= due.size();
        due.sort(Comparator.comparingLong(Message::seq));
        Map<String, List<Message>> byDest = new LinkedHashMap<>();
        for (Message m : due) {
            if (crossesCut(m.from(), m.to())) {
                dropped++;
                traceDrop(m, "partitioned");
                continue;
            }
            byDest.computeIfAbsent(m.to(), k -> new ArrayList<>()).add(m);
        }
        Map<String, List<Tuple>> inbound = new LinkedHashMap<>();
        // Destinations in node order, so that the reordering draws come in a fixed order.
        for (String address : nodes.keySet()) {
            List<Message> batch = byDest.get(address);
            if (batch == null) {
                continue;
            }
            for (Message m : List.copyOf(batch)) {
                if (m.reordered()) {
                    batch.remove(m);
                    batch.add(random.nextInt(batch.size() + 1), m);
                }
            }
            List<Tuple> tuples = new ArrayList<>(batch.size());
            Slot dest = nodes.get(address);
            for (Message m : batch) {
                if (m.frame() != null && !receive(dest, m, tuples)) {
                    continue;
                }
                if (m.frame() == null) {
                    tuples.add(m.tuple());
                }
                emit(() -> "deliver " + m.from() + " -> " + m.to() + " " + m.tuple() + " (sent in round "
                    + m.sentRound() + (m.reordered() ? ", reordered" : "") + ")");
            }
            delivered += tuples.size();
            inbound.put(address, tuples);
        }
        return inbound;
    }

    /** Decodes a message's frame at its receiver; false (counted as dropped) when the receiver refuses it. */
    private boolean receive(Slot dest, Message m, List<Tuple> into) {
        DirectBuffer b = new UnsafeBuffer(m.frame());
        if (dest.decoder.decode(b, 0, m.frame().length, into::add) < 0) {
            refusedFrames++;
            dropped++;
            traceDrop(m, "frame refused: " + dest.decoder.lastSender());
            return false;
        }
        return true;
    }

    /** The one-tuple frame a message travels in, from its sender's encoder; null when it cannot be encoded. */
    private byte[] frameOf(String from, Tuple t) {
        byte[][] out = new byte[1][];
        nodes.get(from).encoder.encode(List.of(t), new FrameEncoder.Sink() {
            @Override
            public void frame(DirectBuffer buffer, int offset, int length, int tuples) {
                out[0] = new byte[length];
                buffer.getBytes(offset, out[0]);
            }

            @Override
            public void oversized(Tuple tuple, String why) {
                log.println(where() + from + " cannot send " + tuple.relation() + ": " + why + " (dropped)");
            }
        });
        return out[0];
    }

    /** Decides the fate of every tuple one node sent in this round. */
    private void send(String from, Map<String, List<Tuple>> outbound) {
        // The tuples of one step's output are simultaneous: their order in the result is the
        // evaluator's derivation order, which is not part of the semantics. Sorting destinations
        // and tuples fixes the order of the random draws, so that a seed replays the same run
        // whichever evaluator the nodes use.
        List<String> dests = new ArrayList<>(outbound.keySet());
        dests.sort(Comparator.naturalOrder());
        for (String to : dests) {
            for (Tuple t : sortedByText(outbound.get(to))) {
                sent++;
                sendOne(from, to, t);
            }
        }
    }

    private static List<Tuple> sortedByText(List<Tuple> tuples) {
        if (tuples.size() < 2) {
            return tuples;
        }
        // Each text is built once, not at every comparison.
        List<Map.Entry<String, Tuple>> keyed = new ArrayList<>(tuples.size());
        for (Tuple t : tuples) {
            keyed.add(Map.entry(t.toString(), t));
        }
        keyed.sort(Map.Entry.comparingByKey());
        List<Tuple> out = new ArrayList<>(keyed.size());
        for (Map.Entry<String, Tuple> e : keyed) {
            out.add(e.getValue());
        }
        return out;
    }

    private void sendOne(String from, String to, Tuple t) {
        Slot dest = nodes.get(to);
        String lost = null;
        if (dest == null) {
            toUnknown++;
            lost = "unknown address";
            if (unknownReported.add(to)) {
                log.println(where() + from + " sent to unknown address " + to + ": dropped (first: " + t + ")");
            }
        } else if (!dest.up) {
            lost = "destination crashed";
        } else if (crossesCut(from, to)) {
            lost = "partitioned";
        } else if (config.dropRate() > 0 && random.nextDouble() < config.dropRate()) {
            lost = "dropped by the network";
        }
        byte[] frame = null;
        if (lost == null && framed) {
            frame = frameOf(from, t);
            if (frame == null) {
                lost = "cannot be encoded";
            }
        }
        if (lost != null) {
            dropped++;
            String why = lost;
            emit(() -> "drop " + from + " -> " + to + " " + t + " (" + why + ")");
            return;
        }
        schedule(from, to, t, false, frame);
        if (config.duplicateRate() > 0 && random.nextDouble() < config.duplicateRate()) {
            duplicated++;
            // The same frame: the network copies bytes, so a receiver with a key sees a replay.
            schedule(from, to, t, true, frame);
        }
    }

    private void schedule(String from, String to, Tuple t, boolean copy, byte[] frame) {
        long span = config.maxDelayMs() - config.minDelayMs();
        long delayMs = config.minDelayMs() + (span > 0 ? random.nextLong(span + 1) : 0);
        long delay = config.delayRounds(delayMs);
        boolean reordered = config.reorderRate() > 0 && random.nextDouble() < config.reorderRate();
        if (reordered) {
            delay += 1 + random.nextInt(SimConfig.REORDER_MAX_EXTRA_ROUNDS);
        }
        long at = rounds + delay;
        inFlight.computeIfAbsent(at, k -> new ArrayList<>()).add(new Message(nextSeq++, rounds, from, to, t, reordered, frame));
        inFlightCount++;
        boolean held = reordered;
        emit(() -> (copy ? "duplicate " : "send ") + from + " -> " + to + " " + t + " (due in round " + at
            + (held ? ", reordered" : "") + ")");
    }

    private boolean crossesCut(String from, String to) {
        return partitionSide != null && partitionSide.contains(from) != partitionSide.contains(to);
    }

    private void traceDrop(Message m, String why) {
        emit(() -> "drop " + m.from() + " -> " + m.to() + " " + m.tuple() + " (sent in round " + m.sentRound() + ", "
            + why + ")");
    }

    /** Traces an event; the text is only built when someone listens. */
    private void emit(Supplier<String> event) {
        if (trace != null) {
            trace.accept("round " + rounds + ": " + event.get());
        }
    }

    private String where() {
        return "round " + rounds + " (nowMs " + nowMs + "): ";
    }

    /** Why the simulation is not quiescent, for the error message. */
    private String busyReport() {
        List<String> pending = new ArrayList<>();
        List<String> timers = new ArrayList<>();
        for (Slot s : nodes.values()) {
            if (!s.up) {
                continue;
            }
            if (s.node.steps() == 0 || s.node.hasPendingWork()) {
                pending.add(s.address);
            }
            if (s.node.hasTimers()) {
                timers.add(s.address);
            }
        }
        return inFlightCount + " messages in flight, pending work at " + pending + ", timers declared at " + timers
            + " (SEED=" + seed + ")";
    }
}
