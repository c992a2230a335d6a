package io.boomfs.deploy.bench;

import io.boomfs.client.MetaClient;
import io.boomfs.paxos.kv.KvClient;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A BoomFS metadata shard group as a {@link MetaTarget}: the ops of metadata-shard/DESIGN.md sent
 * through one {@link KvClient}, a client session per load session (so the sessions pipeline
 * through the client's one thread, as {@code MetaClient} instances could not). Writes go through
 * the log; stat and list are linearizable reads (the leader's lease).
 */
final class BoomTarget implements MetaTarget {
    private static final long MODE_DIR = 0755;
    private static final long MODE_FILE = 0644;
    private static final long REPLICATION = 3;
    private static final long CHUNK_SIZE = 64L << 20;
    private static final String OWNER = "bench";

    private final KvClient client;
    private final ConcurrentMap<Integer, KvClient.Session> sessions = new ConcurrentHashMap<>();

    BoomTarget(KvClient client) {
        this.client = client;
    }

    @Override
    public String system() {
        return "boomfs";
    }

    @Override
    public String note(Phase phase) {
        return phase == Phase.CREATE ? "create alone: complete is not in the shard yet" : null;
    }

    @Override
    public boolean blocking() {
        return false;
    }

    @Override
    public CompletableFuture<?> start(int s, Op op) {
        KvClient.Session session = sessions.computeIfAbsent(s, k -> client.newSession());
        List<String> names = MetaClient.names(op.path());
        long now = System.currentTimeMillis();
        return switch (op.kind()) {
            case MKDIRS -> session.submitAsync(List.of("mkdirs", names, MODE_DIR, OWNER, now)).thenApply(r -> ok(op, r));
            case CREATE -> session.submitAsync(List.of("create", names, false, REPLICATION, CHUNK_SIZE, session.clientId(),
                MODE_FILE, OWNER, now)).thenApply(r -> ok(op, r));
            case STAT -> session.readAsync(List.of("stat", names)).thenApply(r -> ok(op, r));
            case LIST -> session.readAsync(java.util.Arrays.asList("list", names, null, 1_000L)).thenApply(r -> {
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
    private static List<?> ok(Op op, Object result) {
        if (result instanceof List<?> r && !r.isEmpty() && "ok".equals(r.get(0))) {
            return r;
        }
        throw new IllegalStateException(op.kind().option() + " " + op.path() + ": the shard answered " + result);
    }
}
