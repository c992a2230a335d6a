package io.boomfs.chaos.workload;

import io.boomfs.chaos.check.Linearizability;
import io.boomfs.chaos.check.LostWrites;
import io.boomfs.chaos.check.Quiescence;
import io.boomfs.chaos.check.RegisterModel;
import io.boomfs.chaos.check.Verdict;
import io.boomfs.chaos.cluster.ClusterControl;
import io.boomfs.chaos.history.Call;
import io.boomfs.chaos.history.Calls;
import io.boomfs.chaos.history.Op;
import io.boomfs.chaos.history.Recorder;
import io.boomfs.paxos.ReplicaServer;
import io.boomfs.paxos.kv.KvClient;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Registers with read, write and cas on a few keys of the replicated KV store (the same
 * Multi-Paxos as the metadata shards). Every written value is unique (the lost-write checker
 * needs it); a cas expects the value its thread last saw on the key, so that many succeed. Each
 * client thread is a session of one {@link KvClient} (one client id: its writes apply once and in
 * order); an op without an answer within the deadline is {@code info}.
 */
public final class KvWorkload implements Workload {
    /** The processes of the final reads: far above any thread's. */
    static final long FINAL_PROCESS = 1_000_000_000L;

    private final int keys;
    private final long deadlineMs;
    private final AtomicLong values = new AtomicLong();
    private final Map<Integer, KvClient.Session> sessions = new ConcurrentHashMap<>();
    /** The value a thread last saw on each key, what its next cas expects; ABSENT for none (the map takes no nulls). */
    private final Map<String, Object> lastSeen = new ConcurrentHashMap<>();
    private static final String ABSENT = "absent";
    private KvClient client;

    /** @param deadlineMs how long an op may wait for an answer before it counts as unknown */
    public KvWorkload(int keys, long deadlineMs) {
        this.keys = keys;
        this.deadlineMs = deadlineMs;
    }

    @Override
    public String name() {
        return "kv";
    }

    @Override
    public String replicaMainClass() {
        return ReplicaServer.class.getName();
    }

    @Override
    public void open(ClusterControl cluster, long firstWriteTimeoutMs) {
        client = KvClient.builder(cluster.replicaEndpoints()).bindHost(cluster.clientHost()).deadlineMs(deadlineMs)
            .log(line -> System.err.println("chaos kv client: " + line)).open();
        Probe.untilOk(firstWriteTimeoutMs, () -> client.put("probe", 0L));
    }

    private KvClient.Session session(int thread) {
        return sessions.computeIfAbsent(thread, t -> client.newSession());
    }

    @Override
    public void step(int thread, ClientProcess process, Recorder rec, Random random) {
        KvClient.Session s = session(thread);
        String key = "k" + random.nextInt(keys);
        int kind = random.nextInt(10);
        if (kind < 4) {
            ClientProcess.Outcome o = process.call(rec, "read", key, null, () -> s.get(key));
            if (o.ok()) {
                lastSeen.put(key, o.value() == null ? ABSENT : o.value());
            }
        } else if (kind < 7) {
            long v = values.incrementAndGet();
            process.call(rec, "write", key, v, () -> {
                s.put(key, v);
                return null;
            });
        } else {
            Object seen = lastSeen.get(key);
            Object expected = seen == null || seen.equals(ABSENT) ? null : seen;
            long v = values.incrementAndGet();
            process.call(rec, "cas", key, Arrays.asList(expected, v), () -> s.cas(key, expected, v));
        }
    }

    @Override
    public Map<String, Object> readFinal(Recorder rec, long timeoutMs) {
        Map<String, Object> out = new LinkedHashMap<>();
        KvClient.Session s = client.newSession();
        ClientProcess p = new ClientProcess(FINAL_PROCESS, 1);
        for (int i = 0; i < keys; i++) {
            String key = "k" + i;
            out.put(key, Probe.untilOk(timeoutMs, () -> {
                ClientProcess.Outcome o = p.call(rec, "read", key, null, () -> s.get(key));
                if (!o.ok()) {
                    throw new IllegalStateException("the final read of " + key + " had no answer");
                }
                return o.value();
            }));
        }
        return out;
    }

    @Override
    public List<Verdict> check(List<Op> history, Map<String, Object> finalState) {
        List<Call> all = Calls.pair(history, Set.of("read"));
        List<Call> run = all.stream().filter(c -> c.process() < FINAL_PROCESS).toList();
        return List.of(Linearizability.check(RegisterModel::new, all),
            Quiescence.check(RegisterModel::new, run, finalState, "read"),
            LostWrites.check(run, finalState));
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
