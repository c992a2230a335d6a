package io.boomfs.paxos;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.runtime.AeronHost;
import io.boomfs.engine.runtime.FreePorts;
import io.boomfs.paxos.kv.KvClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The replica as a process and in-process: its options, its errors, its stop, and what it keeps across restarts. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReplicaServerTest {
    private final List<ReplicaProcess> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(ReplicaProcess::close);
    }

    /** What an in-process run printed and returned. */
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ReplicaServer.run("replica", args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static void assertOneLineError(Run r, String expected) {
        assertEquals(1, r.code(), r.toString());
        assertEquals("", r.out(), r.toString());
        assertTrue(r.err().startsWith("replica: error: ") && r.err().contains(expected), r.toString());
        assertEquals(1, r.err().lines().count(), "one line: " + r);
    }

    @Test
    void badOptionsAreOneLineWithExitCode1(@TempDir Path dir) {
        String a = FreePorts.loopbackEndpoint();
        String b = FreePorts.loopbackEndpoint();
        String data = dir.resolve("d").toString();
        assertOneLineError(run("--id", a, "--members", a + "," + b, "--data", data, "--bogus"), "unknown option --bogus");
        assertOneLineError(run("--members", a, "--data", data), "--id is required");
        assertOneLineError(run("--id", a, "--members", b, "--data", data), "is not one of --members");
        assertOneLineError(run("--id", a, "--members", a + "," + a, "--data", data), "lists a replica twice");
        assertOneLineError(run("--id", "nohost", "--members", a, "--data", data), "--id must be HOST:PORT");
        assertOneLineError(run("--id", a, "--members", a), "--data DIR is required");
        assertOneLineError(run("--id", a, "--members", a, "--data", data, "--seed", "x"), "--seed takes a whole number, not x");
        assertOneLineError(run("--id", a, "--members", a, "--data", data, "--durability", "maybe"), "sync or async");
        assertOneLineError(run("--id", a, "--members", a, "--data", data, "--set", "nonsense=1"),
            "unknown setting nonsense (known: heartbeat_ms, ");
        assertOneLineError(run("--id", a, "--members", a, "--data", data, "--set", "lease_ms=-1"),
            "--set lease_ms must not be negative, not -1");
        assertOneLineError(run("--id", a, "--members", a, "--data", data, "--set", "heartbeat_ms"), "--set takes NAME=VALUE");
    }

    @Test
    void anUnusableDataDirectoryOrPortIsOneLineWithExitCode1(@TempDir Path dir) throws IOException {
        String a = FreePorts.loopbackEndpoint();
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        assertOneLineError(run("--id", a, "--members", a, "--data", file.resolve("d").toString()), "cannot create data directory");
        try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String busy = "127.0.0.1:" + taken.getLocalPort();
            assertOneLineError(run("--id", busy, "--members", busy, "--data", dir.resolve("d").toString()),
                "cannot listen on " + busy + ": address already in use");
            // And as a process: the exit code and the line are the process's.
            ReplicaProcess p = ReplicaProcess.start(ReplicaServer.Config.of(busy, List.of(busy), dir.resolve("e")),
                ReplicaProcess.DEFAULT_JVM_OPTIONS);
            started.add(p);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.awaitReady(60_000));
            assertTrue(e.getMessage().contains("exited with code 1") && e.getMessage().contains("address already in use"),
                e.getMessage());
        }
    }

    @Test
    void processesServePrintTheirRoleAndStopCleanlyOnSigterm(@TempDir Path dir) {
        List<String> members = List.of(FreePorts.loopbackEndpoint(), FreePorts.loopbackEndpoint(), FreePorts.loopbackEndpoint());
        for (int i = 0; i < 3; i++) {
            started.add(ReplicaProcess.start(ReplicaServer.Config.of(members.get(i), members, dir.resolve("r" + i)),
                ReplicaProcess.DEFAULT_JVM_OPTIONS));
        }
        started.forEach(p -> p.awaitReady(60_000));
        String leader;
        try (KvClient c = KvClient.builder(members).open()) {
            c.put("k", "v");
            assertEquals("v", c.get("k"));
            leader = c.leader();
        }
        ReplicaProcess lead = started.get(members.indexOf(leader));
        assertTrue(lead.role().startsWith("leader "), "the leader says so: " + lead.role() + "\n" + lead.dump());
        for (ReplicaProcess p : started) {
            p.close();
            assertEquals(143, p.waitFor(10_000), "the JVM's code for SIGTERM after a clean shutdown\n" + p.dump());
            assertTrue(p.dump().contains(p.address() + ": steps "), "it printed its metrics on the way out\n" + p.dump());
            assertFalse(Files.isDirectory(Path.of("/dev/shm")) && driverDirectoryLeft(p.pid()), "the media driver's directory is gone");
        }
    }

    private static boolean driverDirectoryLeft(long pid) {
        try (var dirs = Files.list(Path.of("/dev/shm"))) {
            return dirs.anyMatch(d -> d.getFileName().toString().startsWith("boomfs-aeron-" + pid + "-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aRestartKeepsTheGroupItRecoversAndTheWritesItAcknowledged(@TempDir Path dir) throws Exception {
        List<String> members = List.of(FreePorts.loopbackEndpoint(), FreePorts.loopbackEndpoint(), FreePorts.loopbackEndpoint());
        List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        try (AeronHost host = AeronHost.embedded(log::add)) {
            List<ReplicaServer> group = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    group.add(ReplicaServer.start(ReplicaServer.Config.of(members.get(i), members, dir.resolve("r" + i)), host,
                        quiet, log::add));
                }
                try (KvClient c = KvClient.builder(members).aeronHost(host).open()) {
                    for (long i = 1; i <= 20; i++) {
                        c.put("k" + i, i);
                    }
                }
            } finally {
                group.forEach(ReplicaServer::close);
                group.clear();
            }
            // The second start names another group: the first is recovered and wins (a group
            // changes through the log, never through a command line).
            List<String> other = new ArrayList<>(members);
            other.add(FreePorts.loopbackEndpoint());
            try {
                for (int i = 0; i < 3; i++) {
                    group.add(ReplicaServer.start(ReplicaServer.Config.of(members.get(i), other, dir.resolve("r" + i)), host,
                        quiet, log::add));
                }
                List<Tuple> expected = List.of(new Tuple("member", members.get(0), 1L), new Tuple("member", members.get(1), 2L),
                    new Tuple("member", members.get(2), 3L));
                for (ReplicaServer r : group) {
                    List<Tuple> recovered = new ArrayList<>(r.node().agent().read("member").get(10, TimeUnit.SECONDS));
                    recovered.sort(java.util.Comparator.comparing(t -> (Long) t.get(1)));
                    assertEquals(expected, recovered, String.join("\n", log));
                }
                try (KvClient c = KvClient.builder(members).aeronHost(host).open()) {
                    for (long i = 1; i <= 20; i++) {
                        assertEquals(i, c.get("k" + i), "k" + i + " after the restart\n" + String.join("\n", log));
                    }
                }
            } finally {
                group.forEach(ReplicaServer::close);
            }
        }
    }

    @Test
    void aConfigurationRoundTripsThroughItsCommandLine() {
        String a = FreePorts.loopbackEndpoint();
        ReplicaServer.Config c = ReplicaServer.Config.of(a, List.of(a, FreePorts.loopbackEndpoint()), Path.of("/tmp/x")).withSeed(42)
            .withLowLatency(true).withSettings(Map.of("heartbeat_ms", 20L, "lease_ms", 100L)).withExitOnStdinClose(true);
        assertEquals(c, ReplicaServer.Config.parse(c.toArgs().toArray(new String[0])));
    }

    /**
     * Checkpoint snapshots are staggered: of three checkpoints in a row, the replicas of ids 1,
     * 2 and 3 each take one, a different one; the leader waits for more changes than a follower;
     * a replica that never took one takes one at its first turn.
     */
    @Test
    void checkpointSnapshotsTakeTurnsByIdAndAreRarestOnTheLeader() {
        long every = 1_000;
        for (long first = 0; first < 10 * every; first += every) {
            java.util.Set<Long> takers = new java.util.TreeSet<>();
            for (long slot = first; slot < first + 3 * every; slot += every) {
                List<Long> ids = new ArrayList<>();
                for (long id = 1; id <= 3; id++) {
                    if (ReplicaServer.snapshotTurn(slot, every, id)) {
                        ids.add(id);
                    }
                }
                assertEquals(1, ids.size(), "one replica's turn at slot " + slot + ": " + ids);
                takers.add(ids.get(0));
            }
            assertEquals(java.util.Set.of(1L, 2L, 3L), takers, "each replica once in three checkpoints from " + first);
        }
        long rows = 300_000;
        assertEquals(rows / 2, ReplicaServer.snapshotBound(rows, false));
        assertEquals(2 * rows, ReplicaServer.snapshotBound(rows, true));
        assertEquals(0, ReplicaServer.snapshotBound(0, true), "no snapshot yet: the first turn takes one");
    }
}
