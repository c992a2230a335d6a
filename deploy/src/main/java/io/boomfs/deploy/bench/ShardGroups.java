package io.boomfs.deploy.bench;

import io.boomfs.deploy.group.Console;
import io.boomfs.deploy.group.GroupOptions;
import io.boomfs.deploy.group.ReplicaGroup;
import io.boomfs.meta.MetaReplica;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Metadata shard groups for the benchmarks of several groups ({@code bench scale},
 * {@code bench partition}): group g's three replica processes on 127.0.0.1:PORT+10g .. +2, each
 * told every group's members ({@code --groups}) and the vpart count.
 */
final class ShardGroups {
    private ShardGroups() {
    }

    /**
     * The replicas' collector and its options, apart by spaces or semicolons, in place of the
     * benchmark's own: {@code -Dboomfs.bench.gc=-XX:+UseG1GC} to try another.
     */
    static final String GC_PROPERTY = "boomfs.bench.gc";
    /** For throughput: G1 with a short pause goal. */
    static final String THROUGHPUT_GC = "-XX:+UseG1GC -XX:MaxGCPauseMillis=20";
    /**
     * For a writer's pauses: ZGC collects concurrently. With G1 (20 ms goal) the replicas' young
     * pauses reached 55-146 ms during a 100,000-file move on this 2-core machine, and the
     * writer's creates took p99 79-89 ms; with ZGC 54-62 ms (bench partition, 2026-12-07).
     */
    static final String LOW_PAUSE_GC = "-XX:+UseZGC";

    /** Each group's replica addresses, in group order. */
    static List<List<String>> members(int groups, int portBase) {
        List<List<String>> out = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            int base = portBase + 10 * g;
            out.add(List.of("127.0.0.1:" + base, "127.0.0.1:" + (base + 1), "127.0.0.1:" + (base + 2)));
        }
        return out;
    }

    /** Starts the groups one after the other (named WHO-gN), their replicas with collector {@code gc}; on a failure stops those already up. */
    static List<ReplicaGroup> start(String who, int groups, int portBase, long vparts, String heap, String gc,
                                    GroupOptions options, PrintStream out) {
        List<String> args = new ArrayList<>(List.of("--set", "sm.vparts=" + vparts));
        if (groups > 1) {
            args.addAll(List.of("--groups", String.join(";", members(groups, portBase).stream().map(m -> String.join(",", m)).toList())));
        }
        List<String> jvm = new ArrayList<>(List.of("-Xms256m", "-Xmx" + heap));
        jvm.addAll(List.of(System.getProperty(GC_PROPERTY, gc).trim().split("[\\s;]+")));
        ReplicaGroup.StateMachine machine = new ReplicaGroup.StateMachine(MetaReplica.class.getName(), jvm, ShardOps.stat("/"), args);
        List<ReplicaGroup> started = new ArrayList<>();
        try {
            for (int g = 0; g < groups; g++) {
                started.add(ReplicaGroup.start(options.toGroup(who + "-g" + g, machine, portBase + 10 * g, null),
                    line -> Console.say(out, line)));
            }
            return started;
        } catch (RuntimeException e) {
            started.forEach(ReplicaGroup::close);
            throw e;
        }
    }
}
