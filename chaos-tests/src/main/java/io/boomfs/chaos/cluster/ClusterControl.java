package io.boomfs.chaos.cluster;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the nemeses and workloads may do to a cluster under test, whatever runs its nodes
 * (processes on this host, containers). Node ids are those of the {@link NodeSpec}s. Every
 * method returns once the change is made (a killed node is gone, a partition's rules are in
 * place). {@link #close()} removes everything the backend created, also after a failure.
 */
public interface ClusterControl extends AutoCloseable {
    List<NodeSpec> nodes();

    /** Where clients reach a node (its Aeron endpoint, HOST:PORT). */
    String endpoint(String id);

    /** The endpoints of the replicas, in spec order: what a client is given. */
    List<String> replicaEndpoints();

    /** The host a client in this JVM must bind to for the nodes to reach it. */
    String clientHost();

    /** Starts a node that is not running (again on its data directory) and waits until it says READY. */
    void start(String id);

    /** Stops a node cleanly (SIGTERM, then SIGKILL after 10 s). */
    void stop(String id);

    /** kill -9: the node loses what was not on disk. */
    void kill(String id);

    /** SIGSTOP: the node freezes, its peers see silence, its sockets stay open. */
    void pause(String id);

    /** SIGCONT after {@link #pause}. */
    void resume(String id);

    boolean isRunning(String id);

    boolean isPaused(String id);

    /**
     * The replica that leads as far as the replicas' own words tell: of the running, unpaused
     * replicas, the one that announced the highest ballot and has not stepped down since.
     */
    Optional<String> leader();

    /** Null when partitions are possible; else one line saying why not (the nemeses that need them are skipped). */
    String partitionsUnavailable();

    /** Cuts the network between every two nodes of different sides (both directions); the clients still reach all. */
    void partition(List<Set<String>> sides);

    /** Removes every partition. */
    void heal();

    /** Each node's log lines so far (every start of it), by id: what the leader-per-ballot checker reads. */
    Map<String, List<String>> logs();

    @Override
    void close();
}
