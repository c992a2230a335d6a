package io.boomfs.datanode;

import io.aeron.driver.MediaDriver;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.runtime.AeronHost;
import io.boomfs.engine.runtime.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The control path for real: datanodes as processes ({@link DatanodeProcess}) talking over
 * Aeron to two {@link TestReplica} nodes in this JVM, clients writing and reading through
 * {@link DataClient}. Each datanode runs its own embedded media driver (the default), but one
 * that connects to this JVM's ({@code --aeron-dir}) for a while: a driver shared across
 * processes times a client out after 2 s without a keepalive, which a loaded test machine
 * can stall a process for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ControlPathTest {
    private static final long CAPACITY = 1L << 30;
    private static final long HEARTBEAT_MS = 200;

    private Path dir;
    private final List<String> log = new ArrayList<>();
    private final List<DatanodeProcess> started = new ArrayList<>();
    private String aeronDir;
    private MediaDriver driver;
    private AeronHost host;
    private TestReplica r1;
    private TestReplica r2;
    private DataClient client;
    /** Datanodes A, B, C: their processes and their Aeron addresses (Dn). */
    private final List<DatanodeProcess> dns = new ArrayList<>();
    private final List<String> dnNodes = new ArrayList<>();

    @BeforeAll
    void startReplicasAndThreeDatanodes(@TempDir Path tmp) {
        dir = tmp;
        aeronDir = "/dev/shm/boomfs-dn-test-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime());
        driver = AeronHost.launchShared(aeronDir, false);
        host = AeronHost.external(aeronDir, this::log);
        r1 = new TestReplica(host, this::log);
        r2 = new TestReplica(host, this::log);
        client = new DataClient(new DataClient.Config(2_000, 10_000));
        for (String id : List.of("A", "B", "C")) {
            String node = FreePorts.loopbackEndpoint();
            dns.add(start(id, dir.resolve(id), node, ControlPath.Config.DEFAULT_REPORT_MS, null));
            dnNodes.add(node);
        }
        for (DatanodeProcess p : dns) {
            p.awaitReady(60_000);
        }
    }

    @AfterAll
    void stopAll() {
        // Whatever the start got to, also when it failed half-way.
        started.forEach(DatanodeProcess::close);
        for (AutoCloseable c : new AutoCloseable[] {client, r1, r2, host, driver}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    log("closing " + c + ": " + e);
                }
            }
        }
    }

    private void log(String line) {
        synchronized (log) {
            log.add(line);
        }
    }

    private DatanodeProcess start(String id, Path data, String node, long reportMs, String aeron) {
        ControlPath.Config control = new ControlPath.Config(node, List.of(r1.address(), r2.address()), HEARTBEAT_MS, reportMs, aeron);
        DatanodeServer.Options o = new DatanodeServer.Options(DataServer.Config.of(id, "127.0.0.1", 0).withTimeouts(2_000, 5_000, 5_000),
            data, CAPACITY, false).withControl(control);
        DatanodeProcess p = DatanodeProcess.start(o, DatanodeProcess.DEFAULT_JVM_OPTIONS);
        started.add(p);
        return p;
    }

    /** Runs the test body; on failure prints what the datanodes and this JVM's nodes said. */
    private void withDumps(ThrowingRunnable body) throws Exception {
        try {
            body.run();
        } catch (Exception | AssertionError e) {
            started.forEach(p -> System.err.println(p.dump()));
            synchronized (log) {
                log.forEach(l -> System.err.println("test: " + l));
            }
            throw e;
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static void await(String what, long timeoutMs, BooleanSupplier done) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within " + timeoutMs + " ms: " + what);
            }
            Datanodes.sleep(50);
        }
    }

    /** What the chunk files of a data directory add up to: bytes on disk and how many. */
    private static long[] disk(Path data) throws IOException {
        try (Stream<Path> files = Files.list(data.resolve("chunks"))) {
            List<Path> chunks = files.filter(f -> f.getFileName().toString().endsWith(".chunk")).toList();
            long bytes = 0;
            for (Path f : chunks) {
                bytes += Files.size(f);
            }
            return new long[] {bytes, chunks.size()};
        }
    }

    private static Tuple lastHeartbeat(TestReplica r, String dn) {
        return r.from("got_hb", dn).stream().max((a, b) -> Long.compare((Long) a.get(5), (Long) b.get(5))).orElse(null);
    }

    @Test
    void heartbeatsReachEveryReplicaEveryPeriodWithTheDataAddressAndTheDisk() throws Exception {
        withDumps(() -> {
            for (int i = 0; i < 3; i++) {
                String dn = dnNodes.get(i);
                for (TestReplica r : List.of(r1, r2)) {
                    await("6 heartbeats of " + dn + " at " + r.address(), 30_000, () -> r.from("got_hb", dn).size() >= 6);
                    List<Long> at = r.from("got_hb", dn).stream().map(t -> (Long) t.get(5)).sorted().toList();
                    long meanGap = (at.get(at.size() - 1) - at.get(0)) / (at.size() - 1);
                    assertTrue(meanGap >= HEARTBEAT_MS * 3 / 4, "heartbeats of " + dn + " come every " + meanGap + " ms on average: " + at);
                    Tuple hb = lastHeartbeat(r, dn);
                    assertEquals(dns.get(i).address(), hb.get(1), "the data address");
                    assertEquals(CAPACITY, hb.get(2));
                }
            }
            // A chunk written by a client: every replica hears dn_added with its length, and the
            // heartbeats then carry the disk as it is.
            byte[] data = TestData.bytes(11, 200_001);
            client.write(List.of(dns.get(0).address()), 0x11, data);
            String a = dnNodes.get(0);
            for (TestReplica r : List.of(r1, r2)) {
                await("dn_added of chunk 0x11 at " + r.address(), 30_000,
                    () -> r.from("got_added", a).contains(new Tuple("got_added", a, 0x11L, 200_001L)));
            }
            long[] disk = disk(dir.resolve("A"));
            await("a heartbeat of A with the disk's figures " + disk[0] + " bytes, " + disk[1] + " chunks", 30_000, () -> {
                Tuple hb = lastHeartbeat(r1, a);
                return hb.get(3).equals(disk[0]) && hb.get(4).equals(disk[1]);
            });
            assertTrue(ChunkFormat.fileBytes(200_001) <= disk[0]);
        });
    }

    @Test
    void aDatanodeOnASharedMediaDriverReportsToo() throws Exception {
        withDumps(() -> {
            String node = FreePorts.loopbackEndpoint();
            DatanodeProcess e = start("E", dir.resolve("E"), node, ControlPath.Config.DEFAULT_REPORT_MS, aeronDir);
            String addr = e.awaitReady(60_000);
            client.write(List.of(addr), 0x61, TestData.bytes(61, 10));
            for (TestReplica r : List.of(r1, r2)) {
                await("a heartbeat and dn_added from E at " + r.address(), 30_000, () -> !r.from("got_hb", node).isEmpty()
                    && r.from("got_added", node).contains(new Tuple("got_added", node, 0x61L, 10L)));
            }
            e.close();
            assertEquals(143, e.waitFor(10_000), "stopped by SIGTERM");
        });
    }

    @Test
    void aControlPathWhoseAeronClientClosedSaysSo() throws Exception {
        AeronHost own = AeronHost.external(aeronDir, this::log);
        try (ChunkStore store = ChunkStore.open(dir.resolve("F"), CAPACITY, this::log)) {
            ControlPath cp = ControlPath.start(ControlPath.Config.of(FreePorts.loopbackEndpoint(), List.of(r1.address())), store,
                DataClient.Config.defaults(), own, this::log);
            try {
                assertEquals(null, cp.failure());
                own.aeron().close();
                assertTrue(cp.failure().startsWith("the control path lost Aeron: the client closed"), cp.failure());
            } finally {
                cp.close();
            }
        } finally {
            own.close();
        }
    }

    @Test
    void dnCopyMakesTheChunkByteIdenticalOnTheTargetsWhichReportIt() throws Exception {
        withDumps(() -> {
            byte[] data = TestData.bytes(22, 3 * ChunkFormat.BLOCK_BYTES + 7);
            long chunk = 0x22;
            client.write(List.of(dns.get(0).address()), chunk, data);
            String b = dnNodes.get(1);
            String c = dnNodes.get(2);
            r1.sendCopy(dnNodes.get(0), chunk, data.length, List.of(dns.get(1).address(), dns.get(2).address()));
            for (TestReplica r : List.of(r1, r2)) {
                for (String dn : List.of(b, c)) {
                    await("dn_added of the copy from " + dn + " at " + r.address(), 30_000,
                        () -> r.from("got_added", dn).contains(new Tuple("got_added", dn, chunk, (long) data.length)));
                }
            }
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(data, client.readAll(dns.get(i).address(), chunk), "chunk on " + "ABC".charAt(i));
            }
            // A copy the shard got wrong (a length the chunk does not have, a chunk A does not
            // hold) is one log line on A, and nothing on the targets.
            r1.sendCopy(dnNodes.get(0), chunk, data.length + 1, List.of(dns.get(1).address()));
            r1.sendCopy(dnNodes.get(0), 0x999, 5, List.of(dns.get(1).address()));
            await("A logs both failed copies", 30_000, () -> dns.get(0).dump().contains("copy of chunk 0000000000000022 to "
                + dns.get(1).address() + " failed: the shard says " + (data.length + 1) + " bytes, this datanode has " + data.length)
                && dns.get(0).dump().contains("copy of chunk 0000000000000999 to " + dns.get(1).address() + " failed: "));
            DataTransferException e = assertThrows(DataTransferException.class, () -> client.readAll(dns.get(1).address(), 0x999));
            assertEquals(ErrorCode.NOT_FOUND, e.code());
        });
    }

    @Test
    void dnDeleteRemovesTheChunksAndEveryReplicaHearsDnRemoved() throws Exception {
        withDumps(() -> {
            List<String> ab = List.of(dns.get(0).address(), dns.get(1).address());
            client.write(ab, 0x31, TestData.bytes(31, 1000));
            client.write(ab, 0x32, TestData.bytes(32, 0));
            String a = dnNodes.get(0);
            await("dn_added of both chunks at r1", 30_000, () -> r1.from("got_added", a).size() >= 2);
            r2.sendDelete(a, List.of(0x31L, 0x32L, 0x3333L));
            for (TestReplica r : List.of(r1, r2)) {
                await("dn_removed of both chunks at " + r.address(), 30_000,
                    () -> r.from("got_removed", a).containsAll(List.of(new Tuple("got_removed", a, 0x31L),
                        new Tuple("got_removed", a, 0x32L))));
            }
            for (long chunk : List.of(0x31L, 0x32L)) {
                DataTransferException e = assertThrows(DataTransferException.class, () -> client.readAll(ab.get(0), chunk));
                assertEquals(ErrorCode.NOT_FOUND, e.code());
                assertFalse(Files.exists(TestData.chunkFile(dir.resolve("A"), chunk)));
                assertEquals(chunk == 0x31 ? 1000 : 0, client.readAll(ab.get(1), chunk).length, "B keeps its copy");
            }
            assertFalse(r1.from("got_removed", a).contains(new Tuple("got_removed", a, 0x3333L)), "a chunk A never had");
        });
    }

    @Test
    void aChunkFoundCorruptIsReportedRemoved() throws Exception {
        withDumps(() -> {
            String c = dnNodes.get(2);
            long chunk = 0x41;
            client.write(List.of(dns.get(2).address()), chunk, TestData.bytes(41, 100_000));
            await("dn_added of the chunk", 30_000, () -> r1.from("got_added", c).contains(new Tuple("got_added", c, chunk, 100_000L)));
            TestData.flipByte(TestData.chunkFile(dir.resolve("C"), chunk), ChunkFormat.HEADER_BYTES + 70_000);
            DataTransferException e = assertThrows(DataTransferException.class, () -> client.readAll(dns.get(2).address(), chunk));
            assertEquals(ErrorCode.CORRUPT, e.code());
            for (TestReplica r : List.of(r1, r2)) {
                await("dn_removed of the corrupt chunk at " + r.address(), 30_000,
                    () -> r.from("got_removed", c).contains(new Tuple("got_removed", c, chunk)));
            }
        });
    }

    /** The rounds of {@code dn}'s full reports at {@code r}: by round, the pages by number. */
    private static Map<Long, Map<Long, Tuple>> rounds(TestReplica r, String dn) {
        Map<Long, Map<Long, Tuple>> out = new TreeMap<>();
        for (Tuple t : r.from("got_report", dn)) {
            out.computeIfAbsent((Long) t.get(1), k -> new TreeMap<>()).put((Long) t.get(2), t);
        }
        return out;
    }

    /** A round whose pages are all here: 0..k, the last one (k) with Last. */
    private static boolean complete(Map<Long, Tuple> pages) {
        long k = pages.size() - 1;
        return pages.containsKey(k) && (Boolean) pages.get(k).get(3) && pages.keySet().equals(
            new java.util.TreeSet<>(java.util.stream.LongStream.rangeClosed(0, k).boxed().toList()));
    }

    /** Waits for a complete round above {@code above} at both replicas; returns its chunks as id to length. */
    private static Map<Long, Long> awaitRound(TestReplica r, String dn, long above, long[] round) {
        await("a complete round above " + above + " from " + dn + " at " + r.address(), 60_000,
            () -> rounds(r, dn).entrySet().stream().anyMatch(e -> e.getKey() > above && complete(e.getValue())));
        Map.Entry<Long, Map<Long, Tuple>> e = rounds(r, dn).entrySet().stream().filter(x -> x.getKey() > above && complete(x.getValue()))
            .findFirst().orElseThrow();
        round[0] = e.getKey();
        Map<Long, Long> chunks = new HashMap<>();
        for (Tuple page : e.getValue().values()) {
            List<?> list = (List<?>) page.get(4);
            assertTrue(list.size() <= 256, "a page of " + list.size());
            assertEquals(page == e.getValue().get((long) e.getValue().size() - 1), page.get(3), "only the last page says Last: " + page);
            for (Object o : list) {
                List<?> pair = (List<?>) o;
                assertEquals(null, chunks.put((Long) pair.get(0), (Long) pair.get(1)), "chunk " + pair + " twice in a round");
            }
        }
        return chunks;
    }

    @Test
    void fullReportsComeInPagesCoveringTheDiskAndARestartedDatanodeReportsEverythingAgain() throws Exception {
        withDumps(() -> {
            Path data = dir.resolve("D");
            String node = FreePorts.loopbackEndpoint();
            long before = System.currentTimeMillis();
            DatanodeProcess d = start("D", data, node, 1_500, null);
            String addr = d.awaitReady(60_000);
            long ready = System.currentTimeMillis();
            long[] round = new long[1];
            assertEquals(Map.of(), awaitRound(r1, node, Long.MIN_VALUE, round), "nothing on disk yet");
            assertTrue(round[0] >= before && round[0] <= ready + 10_000, "the first round is the start time " + before + ".." + ready
                + ": " + round[0]);
            Map<Long, Long> written = new HashMap<>();
            for (long i = 0; i < 300; i++) {
                byte[] bytes = TestData.bytes(i, (int) (i % 50));
                client.write(List.of(addr), 0x5000 + i, bytes);
                written.put(0x5000 + i, (long) bytes.length);
            }
            // Once the last dn_added is here, so are the rounds sent before it, but for one sent
            // in the same step (with the chunk list before the change): the round after that one
            // was sent after the last write.
            await("dn_added of the 300 chunks", 60_000, () -> r1.from("got_added", node).size() == 300);
            long seen = rounds(r1, node).keySet().stream().max(Long::compare).orElseThrow();
            for (TestReplica r : List.of(r1, r2)) {
                assertEquals(written, awaitRound(r, node, seen + 1, round));
                assertTrue(rounds(r, node).get(round[0]).size() >= 2, "300 chunks take two pages");
            }
            assertEquals(300, disk(data)[1]);

            d.close();
            assertEquals(143, d.waitFor(10_000), "stopped by SIGTERM");
            long restart = System.currentTimeMillis();
            DatanodeProcess again = start("D", data, node, 1_500, null);
            again.awaitReady(60_000);
            long last = round[0];
            for (TestReplica r : List.of(r1, r2)) {
                assertEquals(written, awaitRound(r, node, last, round), "the restarted datanode reports everything again");
                assertTrue(round[0] >= restart, "its rounds start from its new start time: " + round[0]);
            }
            await("a heartbeat of the restarted datanode with its 300 chunks", 30_000, () -> {
                Tuple hb = lastHeartbeat(r1, node);
                return hb != null && hb.get(4).equals(300L) && hb.get(1).equals(again.address());
            });
        });
    }

    /** What an in-process run printed and returned. */
    record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = DatanodeServer.run("datanode", args, new java.io.ByteArrayInputStream(new byte[0]),
            new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
            new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        return new Run(code, out.toString(java.nio.charset.StandardCharsets.UTF_8), err.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static void assertOneLineError(Run r, String expected) {
        assertEquals(1, r.code(), r.toString());
        assertEquals("", r.out(), r.toString());
        assertTrue(r.err().startsWith("datanode: error: ") && r.err().contains(expected), r.toString());
        assertEquals(1, r.err().lines().count(), "one line: " + r);
    }

    private Run runWith(String... more) {
        List<String> a = new ArrayList<>(List.of("--id", "x", "--data", dir.resolve("x").toString(), "--port", "0", "--capacity", "1G"));
        a.addAll(List.of(more));
        return run(a.toArray(new String[0]));
    }

    @Test
    void badControlOptionsAreOneLineWithExitCode1() {
        String node = FreePorts.loopbackEndpoint();
        String meta = r1.address() + "," + r2.address();
        assertOneLineError(runWith("--meta", meta), "--meta needs --node HOST:PORT, this datanode's Aeron endpoint");
        assertOneLineError(runWith("--node", node), "--node " + node + " without --meta");
        assertOneLineError(runWith("--node", "nohost", "--meta", meta), "--node must be HOST:PORT (this datanode's Aeron endpoint), not nohost");
        assertOneLineError(runWith("--node", "127.0.0.1:70000", "--meta", meta), "the port must be 1..65535");
        assertOneLineError(runWith("--node", node, "--meta", r1.address() + ",oops"), "--meta: oops is not a HOST:PORT");
        assertOneLineError(runWith("--node", node, "--meta", r1.address(), "--meta", r1.address()), "--meta lists a replica twice");
        assertOneLineError(runWith("--node", node, "--meta", meta + "," + node), "--meta lists this datanode's own --node");
        assertOneLineError(runWith("--node", node, "--meta", meta, "--heartbeat-ms", "0"), "--heartbeat-ms must be 1..86400000, not 0");
        assertOneLineError(runWith("--node", node, "--meta", meta, "--report-ms", "soon"), "--report-ms takes a whole number, not soon");
        assertOneLineError(runWith("--node", node, "--meta", meta, "--aeron-dir", dir.resolve("no-driver").toString()),
            "no media driver runs in " + dir.resolve("no-driver"));
        // The endpoint of a replica of this JVM is taken: the datanode's own driver cannot bind it.
        assertOneLineError(runWith("--node", r1.address(), "--meta", r2.address()), "cannot listen on " + r1.address() + ": ");
        assertFalse(isLocked(dir.resolve("x")), "a datanode that failed to start leaves its data directory unlocked");
    }

    private static boolean isLocked(Path data) {
        try {
            ChunkStore.open(data, 1 << 20, l -> { }).close();
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void theOptionsOfTheControlPathSurviveTheCommandLine() {
        ControlPath.Config c = new ControlPath.Config("127.0.0.1:9000", List.of("127.0.0.1:9001", "127.0.0.1:9002", "h:9003"), 250, 9_000,
            "/dev/shm/x");
        DatanodeServer.Options o = new DatanodeServer.Options(DataServer.Config.of("x", "127.0.0.1", 0), dir.resolve("x"), 1 << 20, true)
            .withControl(c);
        assertEquals(o, DatanodeServer.Options.parse(o.toArgs().toArray(new String[0])));
        // --meta once per shard group: the datanode reports to every replica of every group.
        List<String> args = new ArrayList<>(o.withControl(null).toArgs());
        args.addAll(List.of("--node", "127.0.0.1:9000", "--meta", "127.0.0.1:9001,127.0.0.1:9002", "--meta", "h:9003"));
        ControlPath.Config parsed = DatanodeServer.Options.parse(args.toArray(new String[0])).control();
        assertEquals(List.of("127.0.0.1:9001", "127.0.0.1:9002", "h:9003"), parsed.meta());
        assertEquals(List.of(0, 0, 1), parsed.groupOf());
        assertEquals(parsed, DatanodeServer.Options.parse(new String[] {"--id", "x", "--data", "d", "--port", "0", "--capacity", "1M",
            "--node", "127.0.0.1:9000", "--meta", "127.0.0.1:9001,127.0.0.1:9002;h:9003"}).control());
        assertEquals(ControlPath.Config.DEFAULT_HEARTBEAT_MS, parsed.heartbeatMs());
        assertEquals(ControlPath.Config.DEFAULT_REPORT_MS, parsed.reportMs());
        assertEquals(null, parsed.aeronDir());
    }
}
