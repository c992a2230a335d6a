package io.boomfs.chaos.workload;

import io.boomfs.chaos.check.Verdict;
import io.boomfs.chaos.cluster.ClusterControl;
import io.boomfs.chaos.history.Op;
import io.boomfs.chaos.history.Recorder;

import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What the clients do during a chaos run, and how their history is judged. A workload is opened
 * against a running cluster, runs {@code threads} clients that each call {@link #step} in a
 * loop, reads the final state back once the faults are healed, and checks the history.
 */
public interface Workload extends AutoCloseable {
    /** {@code kv} or {@code namespace}. */
    String name();

    /** The main class of the replicas this workload needs (the KV store, or a metadata shard). */
    String replicaMainClass();

    /** Connects its clients and waits until the cluster acknowledges a first write (a leader is up). */
    void open(ClusterControl cluster, long firstWriteTimeoutMs);

    /** One call of client thread {@code thread}, recorded as {@code process}. */
    void step(int thread, ClientProcess process, Recorder rec, Random random);

    /** Reads back every key at quiescence (recorded too); the key's final state as the model would read it. */
    Map<String, Object> readFinal(Recorder rec, long timeoutMs);

    /** The verdicts of the workload's checkers on the history and the final state. */
    List<Verdict> check(List<Op> history, Map<String, Object> finalState);

    @Override
    void close();
}
