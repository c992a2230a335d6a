package io.boomfs.chaos.cluster;

import io.boomfs.datanode.DatanodeServer;
import io.boomfs.paxos.ReplicaProcess;
import io.boomfs.paxos.ReplicaServer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Launchers of nodes as JVMs on this JVM's class path with its Aeron/Chronicle flags (as
 * {@link ReplicaProcess} starts them), each with {@code --exit-on-stdin-close}: a node dies with
 * the harness even when the harness is killed.
 */
public final class JvmLaunchers {
    /** Small heaps, one GC thread, C1 only: three replicas, datanodes and the clients share two cores. */
    public static final List<String> JVM = List.of("-Xms32m", "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private JvmLaunchers() {
    }

    /**
     * A replica running {@code mainClass} (ReplicaServer for the KV store, MetaReplica for a
     * metadata shard) with the {@code px_config}/{@code sm.} settings and an election seed.
     */
    public static Launcher replica(String mainClass, Map<String, Long> settings, long seed) {
        return (node, where, dataDir) -> {
            ReplicaServer.Config c = ReplicaServer.Config.of(where.endpoint(node.id()), where.replicas(), dataDir)
                .withSettings(settings).withSeed(seed ^ node.id().hashCode()).withExitOnStdinClose(true);
            return java(mainClass, c.toArgs());
        };
    }

    /**
     * A replica of one of several metadata shard groups ({@code groups}: each group's node ids, in
     * group order): MetaReplica in the node's group, told every group's endpoints with
     * {@code --groups} (metadata-shard/DESIGN.md, "Partitioning").
     */
    public static Launcher shardReplica(List<List<String>> groups, Map<String, Long> settings, long seed) {
        return (node, where, dataDir) -> {
            List<String> mine = groups.stream().filter(g -> g.contains(node.id())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("node " + node.id() + " is in no group of " + groups));
            ReplicaServer.Config c = ReplicaServer.Config.of(where.endpoint(node.id()), mine.stream().map(where::endpoint).toList(),
                dataDir).withSettings(settings).withSeed(seed ^ node.id().hashCode()).withExitOnStdinClose(true);
            List<String> args = new ArrayList<>(c.toArgs());
            args.add("--groups");
            args.add(String.join(";", groups.stream().map(g -> String.join(",", g.stream().map(where::endpoint).toList())).toList()));
            return java(io.boomfs.meta.MetaReplica.class.getName(), args);
        };
    }

    /** A datanode that heartbeats every 500 ms to the cluster's replicas. */
    public static Launcher datanode() {
        return (node, where, dataDir) -> {
            String data = where.dataEndpoint(node.id());
            String aeron = where.endpoint(node.id());
            DatanodeServer.Options o = DatanodeServer.Options.parse(new String[] {"--id", node.id(), "--data", dataDir.toString(),
                "--host", data.substring(0, data.lastIndexOf(':')), "--port", data.substring(data.lastIndexOf(':') + 1),
                "--capacity", "1G", "--node", aeron, "--meta", String.join(",", where.replicas()), "--heartbeat-ms", "500"});
            return java(DatanodeServer.class.getName(), o.withExitOnStdinClose(true).toArgs());
        };
    }

    private static List<String> java(String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ReplicaProcess.inheritedJvmFlags());
        cmd.addAll(JVM);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }
}
