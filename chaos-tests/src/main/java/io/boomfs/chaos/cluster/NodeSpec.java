package io.boomfs.chaos.cluster;

import java.util.Objects;

/**
 * One node of a cluster under test: its id (unique in the cluster), what it is, and how to launch
 * it. The launcher is the only part that knows the command: replicas as
 * {@code ReplicaServer}/{@code MetaReplica} JVMs today, {@code boom node --topology T --id ID}
 * when a topology describes the cluster, without changing the harness.
 */
public record NodeSpec(String id, Role role, Launcher launcher) {
    /** What a node is to the nemeses: a replica of the Paxos group, or a datanode. */
    public enum Role { REPLICA, DATANODE }

    public NodeSpec {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(launcher, "launcher");
        if (id == null || !id.matches("[a-z][a-z0-9]{0,7}")) {
            throw new IllegalArgumentException("a node id is 1-8 lower-case letters and digits, starting with a letter, not " + id);
        }
    }
}
