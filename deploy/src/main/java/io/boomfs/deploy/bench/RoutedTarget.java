package io.boomfs.deploy.bench;

import io.boomfs.deploy.group.ReplicaGroup;
import io.boomfs.meta.Router;
import io.boomfs.paxos.kv.KvClient;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Metadata shard groups as one {@link MetaTarget}: every op driven by a {@link Router} (one, as
 * one client process has one cache) over a session per load session and group, asynchronously,
 * so the sessions pipeline as in {@link BoomTarget}. Its server CPU figure is the busiest
 * group's replicas' (all three of them): what one host per group would have to carry per op.
 */
final class RoutedTarget implements MetaTarget {
    private final List<ReplicaGroup> groups;
    private final Router router;
    private final ConcurrentMap<Long, KvClient.Session> sessions = new ConcurrentHashMap<>();
    private long[] groupCpuFrom;
    private long[] lastGroupCpu = new long[0];

    RoutedTarget(List<ReplicaGroup> groups, long vparts) {
        this.groups = List.copyOf(groups);
        this.router = new Router(groups.size(), vparts, 100_000);
    }

    /** Each group's replica CPU over the last measured window (ns), in group order. */
    long[] lastGroupCpu() {
        return lastGroupCpu.clone();
    }

    private long[] groupCpu() {
        long[] out = new long[groups.size()];
        for (int g = 0; g < groups.size(); g++) {
            for (long pid : groups.get(g).pids().values()) {
                out[g] += Cpu.processNanos(pid);
            }
        }
        return out;
    }

    /**
     * {@code [all, busiest group, 0]}: called at the start and the end of each measured window
     * (ClosedLoop), so the busiest group is found over the window.
     */
    @Override
    public synchronized long[] cpuNanos() {
        long[] now = groupCpu();
        long all = Cpu.selfNanos();
        for (long v : now) {
            all += v;
        }
        if (groupCpuFrom == null) {
            groupCpuFrom = now;
            return new long[] {all, 0, 0};
        }
        long busiest = 0;
        lastGroupCpu = new long[now.length];
        for (int g = 0; g < now.length; g++) {
            lastGroupCpu[g] = now[g] - groupCpuFrom[g];
            busiest = Math.max(busiest, lastGroupCpu[g]);
        }
        groupCpuFrom = null;
        return new long[] {all, busiest, 0};
    }

    @Override
    public String system() {
        return "boomfs-" + groups.size() + "g";
    }

    @Override
    public boolean blocking() {
        return false;
    }

    private KvClient.Session session(int s, int g) {
        return sessions.computeIfAbsent(((long) s << 8) | g, k -> groups.get(g).client().newSession());
    }

    @Override
    public CompletableFuture<?> start(int s, Op op) {
        long now = System.currentTimeMillis();
        String holder = session(s, 0).clientId();
        return switch (op.kind()) {
            case MKDIRS -> drive(s, ShardOps.mkdirs(op.path(), now)).thenApply(r -> BoomTarget.ok(op, r));
            case CREATE -> drive(s, ShardOps.create(op.path(), holder, now))
                .thenCompose(r -> drive(s, ShardOps.complete((Long) BoomTarget.ok(op, r).get(1), holder, null,
                    System.currentTimeMillis())))
                .thenApply(r -> BoomTarget.ok(op, r));
            case STAT -> drive(s, ShardOps.stat(op.path())).thenApply(r -> BoomTarget.ok(op, r));
            case LIST -> drive(s, ShardOps.list(op.path())).thenApply(r -> {
                List<?> entries = (List<?>) BoomTarget.ok(op, r).get(1);
                if (entries.size() != Workload.LIST_ENTRIES) {
                    throw new IllegalStateException("list " + op.path() + ": " + entries.size() + " entries, not "
                        + Workload.LIST_ENTRIES);
                }
                return entries;
            });
        };
    }

    /** The op's result, after every call the router asks for. */
    CompletableFuture<Object> drive(int s, List<Object> op) {
        return step(s, router.begin(op, 0));
    }

    private CompletableFuture<Object> step(int s, Router.Call c) {
        if (c.done()) {
            return CompletableFuture.completedFuture(c.result());
        }
        KvClient.Session session = session(s, c.group());
        CompletableFuture<Object> sent = c.delayMs() > 0
            ? CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(c.delayMs(), TimeUnit.MILLISECONDS))
                .thenCompose(x -> send(session, c))
            : send(session, c);
        return sent.thenCompose(answer -> step(s, router.next(c, answer)));
    }

    private static CompletableFuture<Object> send(KvClient.Session session, Router.Call c) {
        return c.read() ? session.readAsync(c.op()) : session.submitAsync(c.op());
    }

    /** The groups' replica pids, for reports. */
    Map<String, Long> pids(int g) {
        return groups.get(g).pids();
    }
}
