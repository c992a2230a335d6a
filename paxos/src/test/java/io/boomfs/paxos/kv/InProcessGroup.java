package io.boomfs.paxos.kv;

import io.boomfs.engine.runtime.AeronHost;
import io.boomfs.engine.runtime.FreePorts;
import io.boomfs.paxos.ReplicaServer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A replica group in this JVM: N {@link ReplicaServer}s sharing one embedded media driver, each
 * with its own UDP endpoint on loopback and its own data directory (real Aeron, real Chronicle).
 */
final class InProcessGroup implements AutoCloseable {
    final AeronHost host;
    final List<String> members = new ArrayList<>();
    final List<ReplicaServer> replicas = new ArrayList<>();
    final List<String> log = new CopyOnWriteArrayList<>();
    private final Path dir;
    private final Map<String, Long> settings;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    InProcessGroup(int n, Path dir) {
        this(n, dir, Map.of());
    }

    /** With group settings (px_config) on every replica, e.g. longer election timeouts. */
    InProcessGroup(int n, Path dir, Map<String, Long> settings) {
        this.dir = dir;
        this.settings = settings;
        this.host = AeronHost.embedded(log::add);
        for (int i = 0; i < n; i++) {
            members.add(FreePorts.loopbackEndpoint());
        }
        for (int i = 0; i < n; i++) {
            replicas.add(start(i));
        }
    }

    ReplicaServer start(int i) {
        ReplicaServer.Config cfg = ReplicaServer.Config.of(members.get(i), members, dir.resolve("r" + (i + 1))).withSeed(i + 1)
            .withSettings(settings);
        return ReplicaServer.start(cfg, host, new PrintStream(out, true, StandardCharsets.UTF_8), line -> log.add(members.get(i) + ": " + line));
    }

    /** The client for this group: on the group's driver, reads through the log when the rules have no read yet. */
    KvClient.Builder client() {
        return KvClient.builder(members).aeronHost(host).log(log::add);
    }

    String dump() {
        return "replica output:\n" + out.toString(StandardCharsets.UTF_8) + "\nlog:\n" + String.join("\n", log);
    }

    @Override
    public void close() {
        for (ReplicaServer r : replicas) {
            if (r != null) {
                r.close();
            }
        }
        host.close();
    }
}
