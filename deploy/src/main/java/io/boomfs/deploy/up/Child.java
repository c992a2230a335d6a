package io.boomfs.deploy.up;

import io.boomfs.datanode.DataServer;
import io.boomfs.datanode.DatanodeProcess;
import io.boomfs.datanode.DatanodeServer;
import io.boomfs.deploy.Boom;
import io.boomfs.deploy.topology.Topology;
import io.boomfs.engine.runtime.AeronHost;
import io.boomfs.engine.runtime.ChildLog;
import io.boomfs.paxos.ReplicaProcess;
import io.boomfs.paxos.ReplicaServer;

import java.nio.file.Path;
import java.util.List;

/**
 * One node of a topology that {@code boom up} runs as a child process: {@code boom node
 * --topology T --id ID} in a JVM started by the launcher of its kind ({@link ReplicaProcess} or
 * {@link DatanodeProcess}: the JVM flags, the class path, death with its parent), its output
 * appended to its log file. A restart starts a new process in the same place.
 */
final class Child {
    private final Topology.Node node;
    private final Topology.Group group;
    private final Path topologyFile;
    private final Path dataDir;
    private final Path logFile;
    private ReplicaProcess replica;
    private DatanodeProcess datanode;
    private long startedMs;
    private int restarts;

    /** @param group the replica's group; null for a datanode */
    Child(Topology.Node node, Topology.Group group, Path topologyFile, Path dataDir, Path logFile) {
        this.node = node;
        this.group = group;
        this.topologyFile = topologyFile;
        this.dataDir = dataDir;
        this.logFile = logFile;
    }

    void start() {
        List<String> args = List.of("node", "--topology", topologyFile.toString(), "--id", node.id(), "--exit-on-stdin-close");
        ChildLog log = ChildLog.open(logFile);
        log.line("---- boom up starts " + node.id() + ": boom " + String.join(" ", args));
        if (node instanceof Topology.Replica r) {
            replica = ReplicaProcess.start(ReplicaServer.Config.of(r.address(), group.addresses(), dataDir),
                ReplicaProcess.DEFAULT_JVM_OPTIONS, Boom.class.getName(), args, log);
        } else {
            Topology.Datanode d = (Topology.Datanode) node;
            datanode = DatanodeProcess.start(new DatanodeServer.Options(DataServer.Config.of(d.id(), d.host(), d.port()), dataDir,
                d.capacityBytes(), true), DatanodeProcess.DEFAULT_JVM_OPTIONS, Boom.class.getName(), args, log);
        }
        startedMs = System.currentTimeMillis();
    }

    void restart() {
        restarts++;
        start();
    }

    /** After its death: removes the media driver directory a process killed with SIGKILL could not remove itself. */
    void reap() {
        AeronHost.removeDirectoriesOf(pid());
    }

    Topology.Node node() {
        return node;
    }

    /** The replica's group, or null for a datanode. */
    Topology.Group group() {
        return group;
    }

    Path logFile() {
        return logFile;
    }

    long pid() {
        return replica != null ? replica.pid() : datanode.pid();
    }

    boolean isAlive() {
        return replica != null ? replica.isAlive() : datanode.isAlive();
    }

    long startedMs() {
        return startedMs;
    }

    int restarts() {
        return restarts;
    }

    /** The ballot it says it leads with ({@code ROLE leader B}), or -1: a follower, a datanode, or a dead process. */
    long leaderBallot() {
        if (replica == null || !replica.isAlive() || !replica.role().startsWith("leader ")) {
            return -1;
        }
        return Long.parseLong(replica.role().substring("leader ".length()).trim());
    }

    /** Waits until it prints READY; an IllegalStateException says why it did not (its last line). */
    void awaitReady(long timeoutMs) {
        if (replica != null) {
            replica.awaitReady(timeoutMs);
        } else {
            datanode.awaitReady(timeoutMs);
        }
    }

    /** Its exit code, or -1 while it runs. */
    int exitCode() {
        return replica != null ? replica.waitFor(0) : datanode.waitFor(0);
    }

    /** SIGTERM without waiting. */
    void terminate() {
        if (replica != null) {
            replica.terminate();
        } else {
            datanode.terminate();
        }
    }

    /** Waits for it to exit; SIGKILL (and its media driver directory removed) when it has not within {@code timeoutMs}. */
    void awaitExit(long timeoutMs) {
        int code = replica != null ? replica.waitFor(timeoutMs) : datanode.waitFor(timeoutMs);
        if (code < 0 && isAlive()) {
            if (replica != null) {
                replica.kill9();
            } else {
                datanode.kill9();
            }
        }
        reap();
    }
}
