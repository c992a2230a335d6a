package io.boomfs.deploy.node;

import io.boomfs.datanode.DatanodeServer;
import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.deploy.topology.Topology;
import io.boomfs.deploy.topology.TopologyCommand;
import io.boomfs.engine.Tuple;
import io.boomfs.meta.MetaReplica;
import io.boomfs.paxos.ReplicaServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * {@code boom node --topology T --id ID}: runs one node of a topology as this process, with its
 * options taken from the file: a shard replica ({@link ReplicaServer} with the namespace's
 * program) or a datanode ({@link DatanodeServer}, heartbeating to every replica of every group).
 * Either also serves {@code /metrics} and {@code /admin} on its metrics port ({@link NodeHttp}).
 * What {@code boom up} spawns, and what an operator runs on each host of a real cluster.
 */
@Command(name = "node",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Run one node of a topology (a shard replica or a datanode) until Ctrl-C or SIGTERM.",
        "",
        "Prints READY and the node's address once it listens (a replica then prints ROLE leader BALLOT / ROLE follower). "
            + "It serves Prometheus metrics on http://HOST:METRICSPORT/metrics. Errors are one line and exit code 1; a cluster key "
            + "file (security.clusterKeyFile) that is missing, readable by others or not a key, exit code 2."})
public final class NodeCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--topology", paramLabel = "FILE", description = "The topology file (default: " + TopologyCommand.DEFAULT + ").")
    private String topology;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "The node to run, by its id in the topology.")
    private String id;

    @Option(names = "--exit-on-stdin-close", hidden = true, description = "Stop at the end of stdin (a node that boom up started dies with it).")
    private boolean exitOnStdinClose;

    @Override
    public Integer call() {
        Boom app = (Boom) spec.root().userObject();
        Topology t = TopologyCommand.load(app, topology);
        Topology.Node node = t.node(id).orElseThrow(() -> new CliException("no node " + id + " in " + t.source() + "; its nodes are "
            + t.nodeIds()));
        int code = node instanceof Topology.Replica r ? runReplica(app, t, r) : runDatanode(app, t, (Topology.Datanode) node);
        // 2: a cluster key file the node cannot start with, a configuration error like a bad option.
        return code == 0 ? Boom.OK : code == 2 ? Boom.USAGE : Boom.ERROR;
    }

    /** {@code --cluster-key FILE} when the topology names a key, resolved as the node sees it. */
    private static List<String> clusterKey(Boom app, Topology t) {
        return t.clusterKeyFile() == null ? List.of() : List.of("--cluster-key", app.path(t.clusterKeyFile()).toString());
    }

    private int runReplica(Boom app, Topology t, Topology.Replica r) {
        Topology.Group g = t.groupOf(r);
        List<String> args = new ArrayList<>(List.of("--id", r.address(), "--members", String.join(",", g.addresses()),
            "--data", app.path(r.dataDir()).toString(), "--durability", t.durability()));
        t.replicaSettings().forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
        args.addAll(List.of("--set", "sm.vparts=" + t.vparts()));
        args.addAll(clusterKey(app, t));
        if (t.rootTokenFile() != null) {
            args.addAll(List.of("--root-token-file", app.path(t.rootTokenFile()).toString()));
        }
        if (t.groups().size() > 1) {
            args.addAll(List.of("--groups", t.groups().stream().map(x -> String.join(",", x.addresses())).collect(Collectors.joining(";"))));
        }
        if (exitOnStdinClose) {
            args.add("--exit-on-stdin-close");
        }
        return MetaReplica.run("boom node", args.toArray(new String[0]), System.in, app.out(), app.err(), server -> {
            ReplicaMetrics metrics = new ReplicaMetrics(t.cluster(), g.id(), r.id(), server);
            NodeHttp http = NodeHttp.start(r.host(), r.metricsPort(), metrics::text, Map.of("snapshot", p -> snapshot(server),
                "transfer-leader", p -> transfer(server, p.get("to"))));
            return http::close;
        });
    }

    private static String snapshot(ReplicaServer server) {
        try {
            server.snapshotNow().get(60, TimeUnit.SECONDS);
            return "snapshot written by " + server.address();
        } catch (ExecutionException e) {
            throw new IllegalStateException(server.address() + ": the snapshot failed: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new IllegalStateException(server.address() + ": the snapshot took more than 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(server.address() + ": interrupted");
        }
    }

    /**
     * Asks the replica's rules to hand its leadership to {@code to} (paxos/PAXOS.md, "Leadership
     * transfer"): they ignore it unless this replica leads and {@code to} is a member.
     */
    private static String transfer(ReplicaServer server, String to) {
        if (to == null || !to.matches("[^:\\s,=]+:\\d{1,5}")) {
            throw new IllegalStateException("transfer-leader needs to=HOST:PORT, the address of the replica to lead, not " + to);
        }
        if (!server.node().agent().inject(new Tuple("px_transfer", server.address(), to))) {
            throw new IllegalStateException(server.address() + ": its input queue is full; try again");
        }
        return server.address() + " asked to hand its leadership to " + to;
    }

    private int runDatanode(Boom app, Topology t, Topology.Datanode d) {
        // Each group's replicas, the groups apart: a chunk is reported to the group owning its vpart.
        String meta = t.groups().stream().map(g -> String.join(",", g.addresses())).collect(Collectors.joining(";"));
        List<String> args = new ArrayList<>(List.of("--id", d.id(), "--host", d.host(), "--port", Integer.toString(d.port()),
            "--data", app.path(d.dataDir()).toString(), "--capacity", Long.toString(d.capacityBytes()), "--node", d.controlAddress(),
            "--meta", meta, "--vparts", Long.toString(t.vparts()), "--heartbeat-ms", Long.toString(t.timing().datanodeHeartbeatMs())));
        args.addAll(clusterKey(app, t));
        if (exitOnStdinClose) {
            args.add("--exit-on-stdin-close");
        }
        return DatanodeServer.run("boom node", args.toArray(new String[0]), System.in, app.out(), app.err(), running -> {
            NodeHttp http = NodeHttp.start(d.host(), d.metricsPort(), () -> DatanodeMetrics.text(t.cluster(), running), Map.of());
            return http::close;
        });
    }
}
