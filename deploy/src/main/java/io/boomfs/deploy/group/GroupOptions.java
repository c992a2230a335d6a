package io.boomfs.deploy.group;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** How {@code kv-demo}, {@code kv-bench} and {@code bench meta} run their replicas: the options they share (a picocli mixin). */
public final class GroupOptions {
    @Option(names = "--durability", paramLabel = "sync|async", defaultValue = "sync",
        description = "sync: a replica msyncs its log before its messages leave (default); async: left to the OS.")
    String durability;

    @Option(names = "--low-latency", description = "Replica and client threads yield instead of parking when idle (busy cores).")
    boolean lowLatency;

    @Option(names = "--driver", paramLabel = "shared|own", defaultValue = "shared",
        description = "shared: one media driver process for the replicas and the client, as one per host is meant to run"
            + " (default); own: a driver in each process.")
    String driver;

    /** Why these options are wrong, or null. */
    public String problem() {
        if (!durability.equals("sync") && !durability.equals("async")) {
            return "--durability is sync or async, not " + durability;
        }
        if (!driver.equals("shared") && !driver.equals("own")) {
            return "--driver is shared or own, not " + driver;
        }
        return null;
    }

    public ReplicaGroup.Options toGroup(String who, ReplicaGroup.StateMachine machine, int portBase, Path dataDir) {
        return new ReplicaGroup.Options(who, machine, portBase, dataDir, durability.equals("sync"), lowLatency,
            driver.equals("shared"));
    }
}
