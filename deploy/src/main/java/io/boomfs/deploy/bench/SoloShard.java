package io.boomfs.deploy.bench;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.runtime.ValueCodec;
import io.boomfs.meta.MetaShard;
import io.boomfs.paxos.ReplicatedLog;
import org.agrona.ExpandableArrayBuffer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One metadata shard replica's engine in this JVM, as the only member of its group, driven step
 * by step on a manual clock with no network and no disk: what {@code boom bench meta-heap}
 * measures the heap of. The replica's messages to itself are fed back in the next step; its
 * answers to the client address are checked and handed to the task that asked. Up to {@code
 * sessions} client sessions keep one op each in flight, as real clients do (exactly-once
 * sessions, PAXOS.md). Each op goes through the wire codec first, so that its values are objects
 * of their own (a name, an owner, a boxed long) as on a replica that decodes them from frames,
 * not constants shared by all. {@code datanodes} datanodes heartbeat every second, so that
 * add_chunk finds targets.
 */
final class SoloShard {
    /** A client's work of one or more ops, each chosen from the answer to the one before. */
    interface Task {
        /** The next op given the last answer (null at first); null when the task is done. */
        List<Object> next(List<?> lastAnswer);
    }

    static final String REPLICA = "r1";
    private static final String CLIENT = "c1";
    private static final long STEP_MS = 1;
    private static final long HEARTBEAT_MS = 1_000;
    private static final long MAX_IDLE_STEPS = 100_000;
    private static final int DATA_PORT_BASE = 9000;

    private final OverlogNode node = new OverlogNode(MetaShard.compile(), REPLICA);
    private final ExpandableArrayBuffer wire = new ExpandableArrayBuffer(4096);
    private final ValueCodec.Reader reader = new ValueCodec.Reader();
    private final int sessions;
    private final int datanodes;
    private final long[] seq;
    private final Task[] running;
    private final List<Tuple> pending = new ArrayList<>();
    private List<Tuple> toSelf = List.of();
    private long nowMs;
    private long lastHeartbeatMs = -HEARTBEAT_MS;

    SoloShard(int sessions, int datanodes) {
        this.sessions = sessions;
        this.datanodes = datanodes;
        this.seq = new long[sessions];
        this.running = new Task[sessions];
        for (Tuple t : ReplicatedLog.configuration(List.of(REPLICA), 1)) {
            node.load(t);
        }
        long idle = 0;
        while (node.count("p_is_leader") == 0) {
            step(List.of());
            if (++idle > MAX_IDLE_STEPS) {
                throw new IllegalStateException("the replica did not elect itself within " + MAX_IDLE_STEPS + " steps");
            }
        }
    }

    /** Datanode {@code i}'s address (its Aeron endpoint). */
    static String datanode(int i) {
        return "dn" + i;
    }

    /** Datanode {@code i}'s data address, as add_chunk's targets name it. */
    static String dataAddress(int i) {
        return "127.0.0.1:" + (DATA_PORT_BASE + i);
    }

    /** The datanode whose data address add_chunk named. */
    static String datanodeAt(String dataAddress) {
        return datanode(Integer.parseInt(dataAddress.substring(dataAddress.indexOf(':') + 1)) - DATA_PORT_BASE);
    }

    /** A tuple for the replica in the next step: what a datanode would send it. */
    void deliver(Tuple t) {
        pending.add(t);
    }

    /** Runs every task to its end, {@code sessions} at a time; fails on the first answer that is not ok. */
    void run(Iterator<Task> tasks) {
        Deque<Integer> free = new ArrayDeque<>();
        for (int s = 0; s < sessions; s++) {
            free.add(s);
        }
        long idle = 0;
        while (tasks.hasNext() || free.size() < sessions) {
            List<Tuple> inbound = new ArrayList<>();
            while (!free.isEmpty() && tasks.hasNext()) {
                int s = free.poll();
                running[s] = tasks.next();
                if (!submit(s, running[s].next(null), inbound)) {
                    free.add(s);
                }
            }
            int answered = 0;
            for (Tuple r : step(inbound)) {
                int s = Integer.parseInt(((String) r.get(2)).substring(1));
                if (r.relation().equals("response") && running[s] != null && (Long) r.get(3) == seq[s]) {
                    answered++;
                    List<?> answer = ok(r.get(4));
                    List<Tuple> next = new ArrayList<>();
                    if (!submit(s, running[s].next(answer), next)) {
                        free.add(s);
                    }
                    pending.addAll(next);
                }
            }
            idle = answered > 0 ? 0 : idle + 1;
            if (idle > MAX_IDLE_STEPS) {
                throw new IllegalStateException("no answer for " + MAX_IDLE_STEPS + " steps with " + (sessions - free.size())
                    + " ops in flight");
            }
        }
    }

    /** Adds session {@code s}'s request for {@code op} to {@code into}; false (the task is done) when op is null. */
    private boolean submit(int s, List<Object> op, List<Tuple> into) {
        if (op == null) {
            running[s] = null;
            return false;
        }
        into.add(new Tuple("request", REPLICA, CLIENT, "s" + s, ++seq[s], overTheWire(op)));
        return true;
    }

    /** One step with the tuples delivered and heartbeats due; returns what went to the client. */
    private List<Tuple> step(List<Tuple> requests) {
        nowMs += STEP_MS;
        List<Tuple> inbound = new ArrayList<>(toSelf);
        inbound.addAll(pending);
        pending.clear();
        inbound.addAll(requests);
        if (nowMs - lastHeartbeatMs >= HEARTBEAT_MS) {
            lastHeartbeatMs = nowMs;
            for (int i = 0; i < datanodes; i++) {
                inbound.add(new Tuple("dn_hb", REPLICA, datanode(i), dataAddress(i), 1L << 50, 0L, 0L));
            }
        }
        StepResult r = node.step(nowMs, inbound);
        if (!r.dieMessages().isEmpty()) {
            throw new IllegalStateException("an invariant of the replica failed: " + r.dieMessages());
        }
        toSelf = r.outbound().getOrDefault(REPLICA, List.of());
        return r.outbound().getOrDefault(CLIENT, List.of());
    }

    private Object overTheWire(Object op) {
        int end = ValueCodec.encode(wire, 0, op);
        try {
            return reader.wrap(wire, 0, end).readValue();
        } catch (ValueCodec.MalformedException e) {
            throw new IllegalStateException("the codec cannot read back what it wrote: " + e.getMessage(), e);
        }
    }

    private static List<?> ok(Object result) {
        if (!(result instanceof List<?> l) || l.isEmpty() || !"ok".equals(l.get(0))) {
            throw new IllegalStateException("the shard answered " + result);
        }
        return l;
    }

    /** The relations (tables and materialized views) holding at least {@code min} rows, largest first, with their counts. */
    Map<String, Integer> largeRelations(int min) {
        Map<String, Integer> out = new LinkedHashMap<>();
        node.program().relations().stream().filter(r -> !r.internal).map(r -> Map.entry(r.name, node.count(r.name)))
            .filter(e -> e.getValue() >= min).sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
            .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** What the engine stores for relations of {@code min} rows or more: rows and each index's keys and buckets. */
    String storageReport(int min) {
        return node.storageReport(min);
    }

    /** The number of tuples of a relation (to report what the heap holds). */
    int count(String relation) {
        return node.count(relation);
    }
}
