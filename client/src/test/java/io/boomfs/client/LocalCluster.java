package io.boomfs.client;

import io.boomfs.client.MetaClient.FsException;
import io.boomfs.datanode.DatanodeProcess;
import io.boomfs.datanode.DatanodeServer;
import io.boomfs.engine.runtime.FreePorts;
import io.boomfs.meta.MetaReplica;
import io.boomfs.paxos.ReplicaProcess;
import io.boomfs.paxos.ReplicaServer;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A file system of real processes on loopback for tests: three metadata shard replicas
 * ({@link MetaReplica} JVMs) and datanode JVMs that heartbeat and report to them; everything
 * stops with {@link #close}, also on failure. {@link #dump} gives every process's last lines.
 */
public final class LocalCluster implements AutoCloseable {
    private static final List<String> JVM = List.of("-Xms32m", "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private final Path dir;
    private final List<String> replicas = new ArrayList<>();
    private final List<ReplicaProcess> metas = new ArrayList<>();
    private final List<DatanodeProcess> datanodes = new ArrayList<>();
    private io.boomfs.meta.Tokens.Token root;
    private Path clusterKey;
    /** The shard settings every replica starts with (a joiner too). */
    private Map<String, Long> settings = Map.of();

    private LocalCluster(Path dir) {
        this.dir = dir;
    }

    /**
     * Starts three replicas with the shard settings {@code settings} (e.g. {@code sm.lease_ms})
     * and {@code datanodes} datanodes (1 s heartbeats), and waits until the shard places chunks
     * on {@code min(3, datanodes)} of them.
     */
    public static LocalCluster start(Path dir, Map<String, Long> settings, int datanodes) {
        return start(dir, settings, datanodes, null);
    }

    /**
     * As {@link #start(Path, Map, int)}, with the root user's token {@code root} ({@code
     * root:SECRET}, or null): the replicas get it as {@code --root-token-file}, and this helper's
     * own requests go as root (needed where {@code sm.auth} is on).
     */
    public static LocalCluster start(Path dir, Map<String, Long> settings, int datanodes, io.boomfs.meta.Tokens.Token root) {
        return start(dir, settings, datanodes, root, null);
    }

    /**
     * As {@link #start(Path, Map, int, io.boomfs.meta.Tokens.Token)}, every node with the cluster
     * key {@code clusterKey} (a key file, or null): frames signed, and datanodes that serve chunks
     * only to holders of the shard's chunk tokens.
     */
    public static LocalCluster start(Path dir, Map<String, Long> settings, int datanodes, io.boomfs.meta.Tokens.Token root,
                                     Path clusterKey) {
        assumeControlPath();
        LocalCluster c = new LocalCluster(dir);
        c.root = root;
        c.clusterKey = clusterKey;
        c.settings = settings;
        try {
            for (int i = 0; i < 3; i++) {
                c.replicas.add(FreePorts.loopbackEndpoint());
            }
            for (int i = 0; i < 3; i++) {
                c.metas.add(c.startReplica(c.replicas.get(i), c.replicas, dir.resolve("meta" + i)));
            }
            for (int i = 0; i < datanodes; i++) {
                c.startDatanode(i);
            }
            for (ReplicaProcess p : c.metas) {
                p.awaitReady(60_000);
            }
            for (DatanodeProcess d : c.datanodes) {
                d.awaitReady(60_000);
            }
            c.awaitPlacements(Math.min(3, datanodes));
            return c;
        } catch (java.io.IOException e) {
            c.close();
            throw new java.io.UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            String dump = c.dump();
            c.close();
            throw new IllegalStateException("the cluster did not start: " + e.getMessage() + "\n" + dump, e);
        }
    }

    private ReplicaProcess startReplica(String id, List<String> members, Path data) throws java.io.IOException {
        ReplicaServer.Config config = ReplicaServer.Config.of(id, members, data).withSettings(settings).withClusterKey(clusterKey);
        List<String> args = new ArrayList<>(config.withExitOnStdinClose(true).toArgs());
        if (root != null) {
            Path file = dir.resolve("root.token");
            if (!java.nio.file.Files.exists(file)) {
                io.boomfs.meta.Tokens.write(file, root);
            }
            args.addAll(List.of("--root-token-file", file.toString()));
        }
        return ReplicaProcess.start(config, JVM, MetaReplica.class.getName(), args, io.boomfs.engine.runtime.ChildLog.NONE);
    }

    /**
     * Starts a replica at {@code id} that knows no group yet (the group takes it in with
     * {@code px_replace}), with the cluster's settings, key and root token; waits until it is ready.
     */
    public ReplicaProcess startJoiner(String id, Path data) {
        try {
            ReplicaProcess p = startReplica(id, List.of(), data);
            metas.add(p);
            p.awaitReady(60_000);
            return p;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Skips the calling test while datanodes cannot heartbeat to a shard (their {@code --node}
     * and {@code --meta} options are being added on another branch): without them the shard
     * places no chunk.
     */
    private static void assumeControlPath() {
        try {
            DatanodeServer.Options.parse(new String[] {"--id", "x", "--data", "x", "--port", "0", "--capacity", "1",
                "--node", "127.0.0.1:1", "--meta", "127.0.0.1:2"});
        } catch (IllegalArgumentException e) {
            Assumptions.abort("datanodes have no control path to the shard yet: " + e.getMessage());
        }
    }

    private void startDatanode(int i) {
        String id = "dn" + (i + 1);
        List<String> args = new ArrayList<>(List.of("--id", id, "--data", dir.resolve(id).toString(),
            "--port", "0", "--capacity", "1G", "--host", "127.0.0.1", "--node", FreePorts.loopbackEndpoint(),
            "--meta", String.join(",", replicas), "--heartbeat-ms", "500", "--connect-timeout-ms", "2000",
            "--io-timeout-ms", "5000"));
        if (clusterKey != null) {
            args.addAll(List.of("--cluster-key", clusterKey.toString()));
        }
        DatanodeServer.Options o = DatanodeServer.Options.parse(args.toArray(new String[0]));
        datanodes.add(DatanodeProcess.start(o, JVM));
    }

    /** Waits (up to a minute) until {@code add_chunk} gets {@code n} targets: the datanodes' heartbeats arrived. */
    private void awaitPlacements(int n) {
        long deadline = System.currentTimeMillis() + 60_000;
        try (MetaClient meta = MetaClient.open(replicas, "probe", 10_000)) {
            if (root != null) {
                meta.as(root.user(), root.secret());
            }
            while (true) {
                try {
                    long id = meta.create("/.placement-probe", true, n, 1024, 420);
                    if (meta.addChunk(id, meta.holder(), null, null, List.of()).targets().size() >= n) {
                        meta.delete("/.placement-probe", false);
                        return;
                    }
                } catch (FsException e) {
                    if (!e.code().equals("NO_DATANODES") || System.currentTimeMillis() > deadline) {
                        throw e;
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("the shard never placed a chunk on " + n + " datanodes");
                }
                sleep(200);
            }
        }
    }

    public List<String> replicas() {
        return replicas;
    }

    public List<DatanodeProcess> datanodes() {
        return datanodes;
    }

    public List<ReplicaProcess> metas() {
        return metas;
    }

    /** A client with short timeouts for tests. */
    public BoomFileSystem client(String user, BoomFileSystem.Config config) {
        return BoomFileSystem.open(replicas, user, config);
    }

    /** The last lines of every process. */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        metas.forEach(p -> sb.append(p.dump()));
        datanodes.forEach(d -> sb.append(d.dump()));
        return sb.toString();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        datanodes.forEach(DatanodeProcess::close);
        metas.forEach(ReplicaProcess::close);
    }
}
