package io.boomfs.bench.hadoop;

import io.boomfs.client.MetaClient;
import io.boomfs.client.MetaClient.FsException;
import io.boomfs.datanode.DatanodeProcess;
import io.boomfs.datanode.DatanodeServer;
import io.boomfs.engine.runtime.FreePorts;
import io.boomfs.meta.MetaReplica;
import io.boomfs.paxos.ReplicaProcess;
import io.boomfs.paxos.ReplicaServer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A BoomFS cluster for {@code boom bench hadoop}: three metadata shard replicas (sync durability,
 * as {@code boom up} runs them) and three datanodes, each a JVM of its own on loopback, their
 * files under one directory. Ready when the shard places a chunk on all three datanodes.
 */
final class BoomProcesses implements AutoCloseable {
    private static final long READY_MS = 90_000;
    private final List<String> replicas = new ArrayList<>();
    private final List<ReplicaProcess> metas = new ArrayList<>();
    private final List<DatanodeProcess> datanodes = new ArrayList<>();

    static BoomProcesses start(Path dir) {
        BoomProcesses c = new BoomProcesses();
        try {
            for (int i = 0; i < 3; i++) {
                c.replicas.add(FreePorts.loopbackEndpoint());
            }
            for (int i = 0; i < 3; i++) {
                c.metas.add(ReplicaProcess.start(ReplicaServer.Config.of(c.replicas.get(i), c.replicas, dir.resolve("m" + (i + 1)))
                    .withSettings(Map.of()), ReplicaProcess.DEFAULT_JVM_OPTIONS, MetaReplica.class.getName()));
            }
            for (int i = 1; i <= 3; i++) {
                DatanodeServer.Options o = DatanodeServer.Options.parse(new String[] {"--id", "dn" + i, "--data",
                    dir.resolve("dn" + i).toString(), "--port", "0", "--capacity", "10G", "--host", "127.0.0.1", "--node",
                    FreePorts.loopbackEndpoint(), "--meta", String.join(",", c.replicas)});
                c.datanodes.add(DatanodeProcess.start(o, DatanodeProcess.DEFAULT_JVM_OPTIONS));
            }
            c.metas.forEach(p -> p.awaitReady(READY_MS));
            c.datanodes.forEach(d -> d.awaitReady(READY_MS));
            c.awaitPlacements();
            return c;
        } catch (RuntimeException e) {
            String dump = c.dump();
            c.close();
            throw new IllegalStateException("the BoomFS cluster did not start: " + e.getMessage() + "\n" + dump, e);
        }
    }

    /** Waits until {@code add_chunk} gets three targets: every datanode's heartbeat arrived. */
    private void awaitPlacements() {
        long deadline = System.currentTimeMillis() + READY_MS;
        try (MetaClient meta = MetaClient.open(replicas, "bench", 10_000)) {
            while (true) {
                try {
                    long id = meta.create("/.placement-probe", true, 3, 1024, 420);
                    if (meta.addChunk(id, meta.holder(), null, null, List.of()).targets().size() == 3) {
                        meta.delete("/.placement-probe", false);
                        return;
                    }
                } catch (FsException e) {
                    if (!e.code().equals("NO_DATANODES")) {
                        throw e;
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("the shard never placed a chunk on 3 datanodes");
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    /** The replicas, {@code HOST:PORT,...}: the authority of {@code boomfs://}. */
    String authority() {
        return String.join(",", replicas);
    }

    String dump() {
        StringBuilder sb = new StringBuilder();
        metas.forEach(p -> sb.append(p.dump()));
        datanodes.forEach(d -> sb.append(d.dump()));
        return sb.toString();
    }

    @Override
    public void close() {
        datanodes.forEach(DatanodeProcess::close);
        metas.forEach(ReplicaProcess::close);
    }
}
