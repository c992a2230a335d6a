package io.boomfs.engine.runtime;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several nodes in one JVM over one embedded media driver and real UDP on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InProcessAeronTest {
    final Support.Log log = new Support.Log();
    final List<NodeServer> servers = new ArrayList<>();
    AeronHost host;

    @BeforeEach
    void startHost() {
        host = AeronHost.embedded(log);
    }

    @AfterEach
    void stopAll() {
        for (NodeServer s : servers) {
            s.close();
        }
        String dir = host.directory();
        host.close();
        assertFalse(Files.exists(Path.of(dir)), "the driver directory is removed on close");
    }

    NodeServer start(Program p, String name, String endpoint, Map<String, String> peers, Path facts, Path data) {
        NodeServer.Config cfg = new NodeServer.Config(Path.of(p.name()), name, endpoint, peers, facts, data,
            DurableStore.Durability.SYNC, null, List.of(), 0, 1024, false);
        NodeServer s = NodeServer.start(p, cfg, host, System.out, log);
        servers.add(s);
        return s;
    }

    String dump() {
        StringBuilder sb = new StringBuilder("log:\n" + log + "\nmetrics:\n");
        for (NodeServer s : servers) {
            sb.append(s.agent().describeMetrics()).append('\n');
        }
        return sb.toString();
    }

    @Test
    void distributedLsGivesTheSameListingAsTheSimulator() throws Exception {
        Program dls = NodeServer.compile(Support.DLS);
        Map<String, String> dir = Map.of("client", FreePorts.loopbackEndpoint(), "ns1", FreePorts.loopbackEndpoint(), "ns2", FreePorts.loopbackEndpoint());
        NodeServer client = null;
        for (String n : List.of("ns1", "ns2", "client")) {
            NodeServer s = start(dls, n, dir.get(n), dir, Support.DLS_FACTS, null);
            if (n.equals("client")) {
                client = s;
            }
        }
        NodeAgent c = client.agent();
        Support.await("the client's listings to complete", 30_000, () -> {
            try {
                return c.isStarted() && c.metrics().steps.get() > 0 && c.read("ls_incomplete").get().isEmpty();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, this::dump);
        List<String> got = c.read("ls_result").get(5, TimeUnit.SECONDS).stream().map(Tuple::toString).sorted().toList();
        assertEquals(Support.expected(Support.ENGINE.resolve("examples/dls.expected"), "client"), got, dump());
        assertTrue(c.transport().tuplesIn() > 0 && c.transport().framesOut() > 0, dump());
    }

    @Test
    void aNodeRunningAMismatchedProgramRefusesAndCountsItsFrames() {
        Program a = Programs.compile("a.olg", """
            timer tick(10).
            table peer(P: addr).
            event msg(@To: addr, N: long).
            msg(@P, 1) :- tick(), peer(P).
            """);
        Program b = Programs.compile("b.olg", """
            event msg(@To: addr, N: string).
            table got(N: string).
            got(N) :- msg(@Me, N).
            """);
        String ea = FreePorts.loopbackEndpoint();
        String eb = FreePorts.loopbackEndpoint();
        NodeServer sb = start(b, "b", eb, Map.of(), null, null);
        NodeServer sa = start(a, "a", ea, Map.of("b", eb), null, null);
        assertTrue(sa.agent().inject(new Tuple("peer", "b")));
        Support.await("b to refuse a frame", 20_000,
            () -> sb.agent().transport().decoder().refused(FrameDecoder.Refusal.FINGERPRINT_MISMATCH) >= 3, this::dump);
        List<String> lines = log.lines.stream().filter(l -> l.contains("fingerprint mismatch")).toList();
        assertEquals(1, lines.size(), "one line, then only counted: " + lines);
        assertTrue(lines.get(0).matches("refused a frame from a .*frame [0-9a-f]{16}, this program \\(b.olg\\) [0-9a-f]{16}.*"), lines.get(0));
        assertEquals(0, sb.agent().transport().tuplesIn());
    }

    @Test
    void aPortInUseIsOneClearError() {
        Program p = Programs.compile("p.olg", "event m(@To: addr).\n");
        String e = FreePorts.loopbackEndpoint();
        start(p, "x", e, Map.of(), null, null);
        AeronTransport.EndpointException ex = assertThrows(AeronTransport.EndpointException.class,
            () -> start(p, "y", e, Map.of(), null, null));
        assertEquals("cannot listen on " + e + ": address already in use (by another node of this process)", ex.getMessage());
        // Another driver (as another process would have) cannot bind the port at all.
        try (AeronHost other = AeronHost.embedded(log)) {
            AeronTransport.EndpointException ex2 = assertThrows(AeronTransport.EndpointException.class,
                () -> new AeronTransport(other, "z", e, Map.of(), new Schemas(p), 4, log));
            assertEquals("cannot listen on " + e + ": address already in use", ex2.getMessage());
        }
    }

    @Test
    void framesForAnAbsentPeerQueueUpToTheBoundThenAreDroppedAndCounted() {
        Program p = Programs.compile("p.olg", "event m(@To: addr, N: long).\n");
        try (AeronTransport t = new AeronTransport(host, "x", FreePorts.loopbackEndpoint(), Map.of(), new Schemas(p), 4, log)) {
            String nobody = FreePorts.loopbackEndpoint();
            for (long i = 0; i < 10; i++) {
                t.send(nobody, List.of(new Tuple("m", nobody, i)));
            }
            assertEquals(4, t.queuedFrames());
            assertEquals(6, t.droppedFrames());
            assertEquals(6, t.droppedTuples());
            t.send("not-a-peer", List.of(new Tuple("m", "not-a-peer", 1L)));
            assertEquals(1, t.unknownDestination());
        }
    }

    @Test
    void aRestartedPeerReceivesAgainOverARebuiltPublication() {
        Program sender = Programs.compile("s.olg", """
            timer tick(5).
            table peer(P: addr).
            event hello(@To: addr, N: long).
            hello(@P, NowMs) :- tick(), peer(P), sys_step(@Me, _, NowMs).
            """);
        Program receiver = Programs.compile("r.olg", """
            event hello(@To: addr, N: long).
            table heard(N: long).
            heard(N) :- hello(@Me, N).
            """);
        String er = FreePorts.loopbackEndpoint();
        NodeServer s = start(sender, "s", FreePorts.loopbackEndpoint(), Map.of("r", er), null, null);
        s.agent().inject(new Tuple("peer", "r"));
        NodeServer r1 = start(receiver, "r", er, Map.of(), null, null);
        Support.await("the first receiver to hear", 10_000, () -> r1.agent().transport().tuplesIn() > 5, this::dump);
        r1.close();
        servers.remove(r1);
        NodeServer r2 = start(receiver, "r", er, Map.of(), null, null);
        Support.await("the restarted receiver to hear", 20_000, () -> r2.agent().transport().tuplesIn() > 5, this::dump);
    }

    @Test
    void hostApiInjectsSubscribesAndReads(@TempDir Path data) throws Exception {
        Program kv = Programs.compile("kv.olg", """
            event put(@Me: addr, K: long, V: string).
            durable table kv(K: long, V: string) key(K).
            event del(@Me: addr, K: long).
            kv(K, V) :- put(@Me, K, V).
            delete kv(K, V) :- del(@Me, K), kv(K, V).
            """);
        NodeServer s = start(kv, "k", FreePorts.loopbackEndpoint(), Map.of(), null, data);
        List<NodeAgent.Change> seen = new CopyOnWriteArrayList<>();
        s.agent().subscribe("kv", seen::add);
        List<NodeAgent.Change> puts = new CopyOnWriteArrayList<>();
        s.agent().subscribe("put", puts::add);
        assertThrows(IllegalArgumentException.class, () -> s.agent().inject(new Tuple("put", "k", "x", "y")));
        for (long i = 0; i < 100; i++) {
            assertTrue(s.agent().inject(new Tuple("put", "k", i, "v" + i)));
        }
        Support.await("100 puts", 10_000, () -> puts.size() == 100, this::dump);
        for (long i = 10; i < 100; i++) {
            assertTrue(s.agent().inject(new Tuple("del", "k", i)));
        }
        Support.await("90 deletes", 10_000, () -> seen.stream().filter(c -> !c.insert()).count() == 90, this::dump);
        List<Tuple> kvNow = s.agent().read("kv").get(5, TimeUnit.SECONDS);
        assertEquals(10, kvNow.size());
        long inserts = seen.stream().filter(NodeAgent.Change::insert).count();
        long deletes = seen.size() - inserts;
        assertEquals(10, inserts - deletes, "net changes equal the table: " + seen);
        assertTrue(s.agent().store().excerpts() >= 1 && s.agent().store().syncNanos().count() >= 1, dump());
    }
}
