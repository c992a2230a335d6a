package io.boomfs.chaos.cluster;

import java.nio.file.Path;
import java.util.List;

/** How a node is started: its command line, given where every node of the cluster listens. */
public interface Launcher {
    /**
     * @param node    the node to start
     * @param where   every node's addresses (the cluster's, so that a replica knows its group)
     * @param dataDir the node's own data directory; kept across restarts of the node
     */
    List<String> command(NodeSpec node, Addresses where, Path dataDir);

    /** Where the nodes listen: the network backend decides (a namespace's address, or a loopback port). */
    interface Addresses {
        /** The node's Aeron endpoint, HOST:PORT: its address to replicas and clients. */
        String endpoint(String id);

        /** A second port of the node on the same host (a datanode's TCP data port), HOST:PORT. */
        String dataEndpoint(String id);

        /** The endpoints of the cluster's replicas, in the order of the cluster's specs. */
        List<String> replicas();
    }
}
