package io.boomfs.chaos.cluster;

import java.util.List;
import java.util.Set;

/**
 * Where a {@link ProcessCluster}'s nodes listen and how they are cut apart: the addressing and
 * the partitions of the process backend. {@link #close()} removes whatever it created.
 */
interface Network extends Launcher.Addresses, AutoCloseable {
    /** The host the clients in this JVM bind to. */
    String clientHost();

    /** The command that runs {@code command} as node {@code id} (in its namespace, say). */
    List<String> wrap(String id, List<String> command);

    /** Null when {@link #partition} works; else why not, in one line. */
    String partitionsUnavailable();

    void partition(List<Set<String>> sides);

    void heal();

    @Override
    void close();
}
