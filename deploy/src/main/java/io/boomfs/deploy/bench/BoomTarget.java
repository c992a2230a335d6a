package io.boomfs.deploy.bench;

import io.boomfs.deploy.group.ReplicaGroup;
import io.boomfs.paxos.kv.KvClient;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A BoomFS metadata shard group as a {@link MetaTarget}: the {@link ShardOps} sent through one
 * {@link KvClient}, a client session per load session (so the sessions pipeline through the
 * client's one thread, as {@code MetaClient} instances, each with a client of its own, could
 * not). Writes go through the log; stat and list are linearizable reads (the leader's lease).
 */
final class BoomTarget implements MetaTarget {
    private final ReplicaGroup group;
    private final KvClient client;
    private final ConcurrentMap<Integer, KvClient.Session> sessions = new ConcurrentHashMap<>();

    BoomTarget(ReplicaGroup group) {
        this.group = group;
        this.client = group.client();
    }

    /** The replicas, the shared media driver and this JVM (the client); the leader the client knows. */
    @Override
    public long[] cpuNanos() {
        Map<String, Long> pids = group.pids();
        long all = Cpu.selfNanos();
        for (long pid : pids.values()) {
            all += Cpu.processNanos(pid);
        }
        Long leader = pids.get(client.leader());
        return new long[] {all, leader == null ? 0 : Cpu.processNanos(leader), leader == null ? -1 : leader};
    }

    @Override
    public String system() {
        return "boomfs";
    }

    @Override
    public boolean blocking() {
        return false;
    }

    @Override
    public CompletableFuture<?> start(int s, Op op) {
        KvClient.Session session = sessions.computeIfAbsent(s, k -> client.newSession());
        long now = System.currentTimeMillis();
        return switch (op.kind()) {
            case MKDIRS -> session.submitAsync(ShardOps.mkdirs(op.path(), now)).thenApply(r -> ok(op, r));
            // create, then complete with the file id it answered: the file closes with no chunk.
            case CREATE -> session.submitAsync(ShardOps.create(op.path(), session.clientId(), now))
                .thenCompose(r -> session.submitAsync(ShardOps.complete((Long) ok(op, r).get(1), session.clientId(), null,
                    System.currentTimeMillis())))
                .thenApply(r -> ok(op, r));
            case STAT -> session.readAsync(ShardOps.stat(op.path())).thenApply(r -> ok(op, r));
            case LIST -> session.readAsync(ShardOps.list(op.path())).thenApply(r -> {
                List<?> entries = (List<?>) ok(op, r).get(1);
                if (entries.size() != Workload.LIST_ENTRIES) {
                    throw new IllegalStateException("list " + op.path() + ": " + entries.size() + " entries, not "
                        + Workload.LIST_ENTRIES);
                }
                return entries;
            });
        };
    }

    /** The answer when it is {@code ["ok", ...]}; otherwise a failure naming the operation and the shard's error. */
    static List<?> ok(Op op, Object result) {
        if (result instanceof List<?> r && !r.isEmpty() && "ok".equals(r.get(0))) {
            return r;
        }
        throw new IllegalStateException(op.kind().option() + " " + op.path() + ": the shard answered " + result);
    }
}
