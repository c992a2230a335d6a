package io.boomfs.meta;

import io.boomfs.paxos.ReplicaServer;

/**
 * One replica of a metadata shard as a process: {@link ReplicaServer} (its options, READY and
 * ROLE lines, errors and shutdown) running the namespace rules instead of the key-value store.
 */
public final class MetaReplica {
    private MetaReplica() {
    }

    public static void main(String[] args) {
        System.exit(ReplicaServer.run("meta-replica", args, MetaShard::compile, System.in, System.out, System.err));
    }
}
