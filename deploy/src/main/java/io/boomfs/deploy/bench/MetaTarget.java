package io.boomfs.deploy.bench;

import java.util.concurrent.CompletableFuture;

/**
 * A metadata service under measurement: BoomFS's shard group, or HDFS's NameNode (the bench-hdfs
 * module). It runs each {@link Op} and checks its answer: a list must hold
 * {@link Workload#LIST_ENTRIES} names, a create or mkdirs must succeed.
 */
public interface MetaTarget {
    /** The system's name in result lines: {@code boomfs}, {@code hdfs}. */
    String system();

    /**
     * CPU time used so far, in nanoseconds: {@code [all, server, serverId]}, all the system's
     * processes (servers and this client), the server that answers alone (BoomFS's leader, HDFS's
     * NameNode threads), and which server that is (a leader's pid: when it changed, the server's
     * figure means nothing).
     */
    long[] cpuNanos();

    /**
     * Whether {@link #start} does the work in the calling thread: a closed loop then gives each
     * session a thread of its own (a client library with blocking calls, as HDFS's).
     */
    boolean blocking();

    /**
     * Runs {@code op} for session {@code session} (0..sessions-1; a session's operations come one
     * at a time); the future completes once the answer is in and checked, exceptionally when the
     * operation failed, with a message naming the operation.
     */
    CompletableFuture<?> start(int session, Op op);
}
