package io.boomfs.deploy.bench;

import io.boomfs.client.MetaClient;
import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.deploy.group.Console;
import io.boomfs.deploy.group.GroupOptions;
import io.boomfs.deploy.group.ReplicaGroup;
import io.boomfs.meta.MetaShard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code boom bench partition}: two shard groups (3 replica processes each): the latency of
 * renames within a shard and across shards (a two-phase commit between the groups), and a vpart
 * move: a directory's vpart filled with {@code --files} files, moved to the other group while a
 * client keeps creating files in it; the move's time and the longest gap the client saw between
 * two of its creates.
 */
@Command(name = "partition",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Two shard groups: rename latency within a shard and across shards, and a vpart move under a writer.",
        "",
        "Prints: bench-partition rename=same|cross p50_ms=... p99_ms=...; and bench-partition move files=... seconds=... "
            + "longest_pause_ms=..."})
public final class PartitionBenchCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--port-base", paramLabel = "PORT", defaultValue = "7151",
        description = "Group g's replicas listen on 127.0.0.1:PORT+10g .. +2 (UDP; default ${DEFAULT-VALUE}).")
    private int portBase;

    @Option(names = "--renames", paramLabel = "N", defaultValue = "300", description = "Renames of each kind (default ${DEFAULT-VALUE}).")
    private int renames;

    @Option(names = "--files", paramLabel = "N", defaultValue = "100000",
        description = "Files in the vpart that moves (default ${DEFAULT-VALUE}).")
    private int files;

    @Option(names = "--vparts", paramLabel = "N", defaultValue = "256", description = "Virtual partitions (default ${DEFAULT-VALUE}).")
    private long vparts;

    @Mixin
    private GroupOptions group;

    @Override
    public Integer call() {
        if (group.problem() != null) {
            throw new CliException(group.problem());
        }
        Boom app = (Boom) spec.root().userObject();
        PrintStream out = app.out();
        List<String> lines = new ArrayList<>();
        List<ReplicaGroup> groups = new ArrayList<>();
        try {
            groups.addAll(ShardGroups.start("bench-partition", 2, portBase, vparts, "3g", ShardGroups.LOW_PAUSE_GC, group, out));
            List<List<String>> members = ShardGroups.members(2, portBase);
            try (MetaClient c = MetaClient.open(members, vparts, "bench", 30_000)) {
                renames(c, out, lines);
                move(c, members, new RoutedTarget(groups, vparts), out, lines);
            }
        } finally {
            groups.forEach(ReplicaGroup::close);
        }
        lines.forEach(out::println);
        out.flush();
        return Boom.OK;
    }

    private static int owner(long id, int groups) {
        return (int) (MetaShard.vpart(id) % groups);
    }

    private void renames(MetaClient c, PrintStream out, List<String> lines) {
        long src = c.mkdirs("/r/src");
        int here = owner(src, 2);
        String dst = null;
        for (int i = 0; dst == null; i++) {
            long d = c.mkdirs("/r/d" + i);
            if (owner(d, 2) != here) {
                dst = "/r/d" + i;
            }
        }
        for (String kind : List.of("same", "cross")) {
            long[] ms = new long[renames];
            for (int i = 0; i < renames + 50; i++) {
                String from = "/r/src/" + kind + i;
                c.create(from, false);
                String to = kind.equals("same") ? "/r/src/" + kind + i + ".moved" : dst + "/" + kind + i;
                long t0 = System.nanoTime();
                c.rename(from, to);
                if (i >= 50) {
                    ms[i - 50] = System.nanoTime() - t0;
                }
            }
            Arrays.sort(ms);
            String line = String.format("bench-partition rename=%s n=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f", kind, renames,
                ms[renames / 2] / 1e6, ms[(int) (renames * 0.99)] / 1e6, ms[renames - 1] / 1e6);
            Console.say(out, line);
            lines.add(line);
        }
    }

    private void move(MetaClient c, List<List<String>> members, RoutedTarget async, PrintStream out, List<String> lines) {
        long dir = c.mkdirs("/m");
        long v = MetaShard.vpart(dir);
        int from = owner(dir, 2);
        Console.say(out, "bench partition: filling vpart " + v + " (group " + from + ") with " + files + " files in /m");
        long t0 = System.nanoTime();
        AtomicLong next = new AtomicLong();
        List<CompletableFuture<?>> loops = new ArrayList<>();
        for (int s = 0; s < 64; s++) {
            loops.add(fill(async, s, next));
        }
        loops.forEach(CompletableFuture::join);
        Console.say(out, String.format("bench partition: %d files in %.1f s", files, (System.nanoTime() - t0) / 1e9));
        // A writer keeps creating files in /m; the gaps between its acknowledgements show the pause.
        AtomicBoolean stop = new AtomicBoolean();
        List<long[]> acks = new ArrayList<>();
        Thread writer = new Thread(() -> {
            for (int i = 0; !stop.get(); i++) {
                long s = System.nanoTime();
                c.create("/m/w" + i, false);
                synchronized (acks) {
                    acks.add(new long[] {s, System.nanoTime()});
                }
            }
        }, "bench-writer");
        writer.start();
        io.boomfs.engine.runtime.Pause.millis(1_000);
        long m0 = System.nanoTime();
        try (MetaClient admin = MetaClient.open(members, vparts, "admin", 600_000)) {
            Object r = admin.operate(List.of("mv_begin", v, (long) (1 - from)), from);
            Console.say(out, "bench partition: move asked: " + r);
            String phase = "";
            long lastAcked = 0;
            while (true) {
                List<?> st = (List<?>) admin.operate(List.of("mv_status", v), from);
                long acked = st.size() > 3 && st.get(3) instanceof Long a ? a : 0;
                if (!phase.equals(st.get(1)) || acked < lastAcked) {
                    // A new phase, or the copy began again (a new leader of the source dumps anew).
                    phase = (String) st.get(1);
                    Console.say(out, String.format("bench partition: %.3f s %s", (System.nanoTime() - m0) / 1e9, st));
                }
                lastAcked = acked;
                if ("none".equals(st.get(1))) {
                    break;
                }
                io.boomfs.engine.runtime.Pause.millis(20);
            }
        }
        long m1 = System.nanoTime();
        io.boomfs.engine.runtime.Pause.millis(1_000);
        stop.set(true);
        try {
            writer.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long pause = 0;
        long pauseAt = 0;
        long before = 0;
        synchronized (acks) {
            long last = -1;
            for (long[] a : acks) {
                if (last >= 0 && a[1] >= m0 && a[1] - last > pause) {
                    pause = a[1] - last;
                    pauseAt = last - m0;
                }
                if (a[1] < m0) {
                    before = Math.max(before, last >= 0 ? a[1] - last : 0);
                }
                last = a[1];
            }
        }
        long[] lat = acks.stream().filter(a -> a[0] >= m0 && a[1] <= m1).mapToLong(a -> a[1] - a[0]).sorted().toArray();
        Console.say(out, String.format("bench partition: the writer's creates during the move: %d, p50 %.1f ms, p99 %.1f ms",
            lat.length, lat.length == 0 ? 0 : lat[lat.length / 2] / 1e6, lat.length == 0 ? 0 : lat[(int) (lat.length * 0.99)] / 1e6));
        // The wall-clock time of the pause's start, to find it in replica logs (-Dboomfs.childlogs).
        java.time.LocalTime wall = java.time.LocalTime.now().minusNanos(System.nanoTime() - (m0 + pauseAt));
        String line = String.format("bench-partition move files=%d seconds=%.2f longest_pause_ms=%.1f (from %.3f s, %s; before the move: %.1f)"
            + " writes=%d", files, (m1 - m0) / 1e9, pause / 1e6, pauseAt / 1e9, wall, before / 1e6, acks.size());
        Console.say(out, line);
        lines.add(line);
    }

    private CompletableFuture<?> fill(RoutedTarget async, int s, AtomicLong next) {
        long i = next.getAndIncrement();
        if (i >= files) {
            return CompletableFuture.completedFuture(null);
        }
        return async.start(s, new Op(Phase.CREATE, "/m/f" + i)).thenCompose(x -> fill(async, s, next));
    }
}
