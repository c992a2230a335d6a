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
import java.util.List;

/**
 * One metadata shard replica's engine in this JVM, as the only member of its group, driven step
 * by step on a manual clock with no network and no disk: what {@code boom bench meta-heap}
 * measures the heap of. The replica's messages to itself are fed back in the next step; its
 * answers to the client address are checked and counted. Up to {@code sessions} client sessions
 * keep one op each in flight, as real clients do (exactly-once sessions, PAXOS.md). Each op goes
 * through the wire codec first, so that its values are objects of their own (a name, an owner,
 * a boxed long) as on a replica that decodes them from frames, not constants shared by all.
 */
final class SoloShard {
    private static final String REPLICA = "r1";
    private static final String CLIENT = "c1";
    private static final long STEP_MS = 1;
    private static final long MAX_IDLE_STEPS = 100_000;

    private final OverlogNode node = new OverlogNode(MetaShard.compile(), REPLICA);
    private final int sessions;
    private final long[] seq;
    private final boolean[] busy;
    private final ExpandableArrayBuffer wire = new ExpandableArrayBuffer(4096);
    private final ValueCodec.Reader reader = new ValueCodec.Reader();
    private List<Tuple> toSelf = List.of();
    private long nowMs;

    SoloShard(int sessions) {
        this.sessions = sessions;
        this.seq = new long[sessions];
        this.busy = new boolean[sessions];
        for (Tuple t : ReplicatedLog.configuration(List.of(REPLICA), 1)) {
            node.load(t);
        }
        long idle = 0;
        while (node.count("p_is_leader") == 0) {
            step(toSelf);
            if (++idle > MAX_IDLE_STEPS) {
                throw new IllegalStateException("the replica did not elect itself within " + MAX_IDLE_STEPS + " steps");
            }
        }
    }

    /** Applies every op of {@code ops} (through the log) and fails on the first answer that is not ok. */
    void apply(Iterable<List<Object>> ops) {
        Deque<Integer> free = new ArrayDeque<>();
        for (int s = 0; s < sessions; s++) {
            if (!busy[s]) {
                free.add(s);
            }
        }
        java.util.Iterator<List<Object>> it = ops.iterator();
        long idle = 0;
        while (it.hasNext() || free.size() < sessions) {
            List<Tuple> inbound = new ArrayList<>(toSelf);
            while (!free.isEmpty() && it.hasNext()) {
                int s = free.poll();
                busy[s] = true;
                inbound.add(new Tuple("request", REPLICA, CLIENT, "s" + s, ++seq[s], overTheWire(it.next())));
            }
            int answered = 0;
            for (Tuple r : step(inbound)) {
                if (r.relation().equals("response")) {
                    int s = Integer.parseInt(((String) r.get(2)).substring(1));
                    if ((Long) r.get(3) == seq[s] && busy[s]) {
                        check(r.get(4));
                        busy[s] = false;
                        free.add(s);
                        answered++;
                    }
                }
            }
            idle = answered > 0 ? 0 : idle + 1;
            if (idle > MAX_IDLE_STEPS) {
                throw new IllegalStateException("no answer for " + MAX_IDLE_STEPS + " steps with " + (sessions - free.size())
                    + " ops in flight");
            }
        }
    }

    /** One step; returns what went to the client, keeps what the replica sent itself for the next. */
    private List<Tuple> step(List<Tuple> inbound) {
        nowMs += STEP_MS;
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

    private static void check(Object result) {
        if (!(result instanceof List<?> l) || l.isEmpty() || !"ok".equals(l.get(0))) {
            throw new IllegalStateException("the shard answered " + result);
        }
    }

    /** The number of tuples of a relation (to report what the heap holds). */
    int count(String relation) {
        return node.count(relation);
    }
}
