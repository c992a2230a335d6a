package io.boomfs.engine.runtime;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three server processes with durable tables under a steady load from a client node in this
 * JVM; one server at a time is killed with SIGKILL at a random moment, its log is recovered here
 * and checked against what the client was told (the outside record), then it is restarted on
 * the same port and data directory. {@code -Dcrash.kills=N} runs longer (the soak profile).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class CrashRecoveryTest {
    static final String PROGRAM = """
        // A put is applied once (by its sequence number), recorded, and acknowledged; a retried
        // put that was already applied is acknowledged again without being applied again.
        event put(@Srv: addr, Client: addr, Seq: long, K: long, V: long).
        event ack(@Client: addr, Srv: addr, Seq: long).
        event send_put(Srv: addr, Seq: long, K: long, V: long).
        durable table kv(K: long, V: long) key(K).
        durable table applied(Seq: long).
        durable table n_applied(Id: long, N: long) key(Id).
        n_applied(0, 0).

        view fresh(Seq: long, K: long, V: long).
        fresh(Seq, K, V) :- put(@Me, _, Seq, K, V), notin applied(Seq).
        kv(K, V)@next :- fresh(_, K, V).
        applied(Seq)@next :- fresh(Seq, _, _).
        // The client has at most one put in flight per server: at most one fresh put per step.
        n_applied(0, N + 1)@next :- fresh(_, _, _), n_applied(0, N).
        ack(@C, Me, Seq) :- put(@Me, C, Seq, _, _).

        put(@Srv, Me, Seq, K, V) :- send_put(Srv, Seq, K, V), self(@Me).
        """;

    final List<ProcessNode> procs = new ArrayList<>();
    final Support.Log log = new Support.Log();

    @AfterEach
    void stop() {
        for (ProcessNode p : procs) {
            p.close();
        }
    }

    String dump() {
        StringBuilder sb = new StringBuilder("client log:\n" + log + "\n");
        for (ProcessNode p : procs) {
            sb.append(p.dump());
        }
        return sb.toString();
    }

    /** What the client knows of one server: the outside record. */
    static final class Record {
        final Map<Long, long[]> sent = new ConcurrentHashMap<>(); // seq -> {K, V}
        final Set<Long> acked = ConcurrentHashMap.newKeySet();
        volatile long outstanding = -1;
        volatile long sentAtMs;
    }

    @Test
    void killedNodesRecoverExactlyWhatTheyAcknowledged(@TempDir Path tmp) throws Exception {
        int kills = Integer.getInteger("crash.kills", 20);
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("SEED=" + seed + " kills=" + kills + " (replay the schedule with -Dseed=" + seed + ")");
        SplittableRandom rnd = new SplittableRandom(seed);
        Path file = tmp.resolve("kv.olg");
        Files.writeString(file, PROGRAM);
        Program program = NodeServer.compile(file);
        List<String> servers = List.of("s1", "s2", "s3");
        Map<String, String> eps = new LinkedHashMap<>();
        for (String s : servers) {
            eps.put(s, FreePorts.loopbackEndpoint());
        }
        eps.put("client", FreePorts.loopbackEndpoint());
        String peers = String.join(",", eps.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        Map<String, ProcessNode> live = new HashMap<>();
        for (String s : servers) {
            live.put(s, startServer(s, file, eps, peers, tmp));
        }
        for (String s : servers) {
            live.get(s).awaitReady(60_000);
        }
        Map<String, Record> records = new HashMap<>();
        for (String s : servers) {
            records.put(s, new Record());
        }
        NodeServer.Config cc = new NodeServer.Config(file, "client", eps.get("client"), eps, null, null,
            DurableStore.Durability.ASYNC, null, List.of(), 0, 4096, false);
        try (NodeServer client = NodeServer.start(program, cc, null, System.out, log)) {
            client.agent().subscribe("ack", c -> {
                Record r = records.get((String) c.tuple().get(1));
                long seq = (Long) c.tuple().get(2);
                r.acked.add(seq);
                if (r.outstanding == seq) {
                    r.outstanding = -1;
                }
            });
            long[] nextSeq = {1};
            int totalTorn = 0;
            for (int k = 0; k < kills; k++) {
                runLoad(client, records, nextSeq, rnd.nextInt(50, 400));
                String victim = servers.get(rnd.nextInt(servers.size()));
                live.get(victim).kill9();
                assertTrue(ProcessConformanceTest.noDriverDirectoryOf(live.get(victim).pid()), "driver directory removed");
                totalTorn += check(victim, program, tmp, records.get(victim));
                ProcessNode again = startServer(victim, file, eps, peers, tmp);
                live.put(victim, again);
                again.awaitReady(60_000);
            }
            runLoad(client, records, nextSeq, 300);
            for (String s : servers) {
                live.get(s).kill9();
                check(s, program, tmp, records.get(s));
            }
            long acked = records.values().stream().mapToLong(r -> r.acked.size()).sum();
            System.out.println("kills " + kills + ", puts acknowledged " + acked + ", torn tails dropped " + totalTorn);
            assertTrue(acked >= 10L * kills, "the load made progress between kills: " + acked + "\n" + dump());
        }
    }

    ProcessNode startServer(String name, Path file, Map<String, String> eps, String peers, Path tmp) {
        ProcessNode p = ProcessNode.serve(name, List.of(file.toString(), "--addr", name + "=" + eps.get(name), "--peers", peers,
            "--data", tmp.resolve("data-" + name).toString(), "--durability", "sync", "--snapshot-every", "50"));
        procs.add(p);
        return p;
    }

    /** Sends puts for {@code ms}: one in flight per server, retried every 50 ms until acknowledged. */
    void runLoad(NodeServer client, Map<String, Record> records, long[] nextSeq, long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < end) {
            long now = System.currentTimeMillis();
            for (Map.Entry<String, Record> e : records.entrySet()) {
                Record r = e.getValue();
                // Read once: the ack listener clears it from the client's agent thread.
                long outstanding = r.outstanding;
                if (outstanding < 0) {
                    long seq = nextSeq[0]++;
                    long key = seq % 13;
                    r.sent.put(seq, new long[] {key, seq * 10});
                    r.outstanding = seq;
                    r.sentAtMs = now;
                    client.agent().inject(new Tuple("send_put", e.getKey(), seq, key, seq * 10));
                } else if (now - r.sentAtMs > 50) {
                    long[] kv = r.sent.get(outstanding);
                    r.sentAtMs = now;
                    client.agent().inject(new Tuple("send_put", e.getKey(), outstanding, kv[0], kv[1]));
                }
            }
            Thread.sleep(1);
        }
    }

    /** Recovers a killed server's log here and checks it against the outside record; returns torn tails dropped. */
    int check(String server, Program program, Path tmp, Record r) {
        Support.Log storeLog = new Support.Log();
        DurableStore.Recovery rec;
        try (DurableStore store = DurableStore.open(tmp.resolve("data-" + server), program, DurableStore.Durability.SYNC, storeLog)) {
            rec = store.recover();
        }
        Set<Long> applied = new HashSet<>();
        Map<Long, Long> kv = new HashMap<>();
        long n = 0;
        for (Tuple t : rec.tuples()) {
            switch (t.relation()) {
                case "applied" -> assertTrue(applied.add((Long) t.get(0)), "applied once: " + t);
                case "kv" -> assertEquals(null, kv.put((Long) t.get(0), (Long) t.get(1)), "one value per key: " + t);
                case "n_applied" -> n = (Long) t.get(1);
                default -> throw new AssertionError("not durable: " + t);
            }
        }
        String where = server + " after a kill: " + dump();
        // Durability: every acknowledged put is in the recovered log (the step contract).
        for (long seq : r.acked) {
            assertTrue(applied.contains(seq), "acknowledged put " + seq + " lost by " + where);
        }
        // Nothing invented, nothing applied twice: applied puts were all sent, and counted once each.
        Set<Long> invented = new java.util.TreeSet<>(applied);
        invented.removeAll(r.sent.keySet());
        assertTrue(invented.isEmpty(), "applied puts that were never sent to " + server + ": " + invented + " (sent: "
            + new java.util.TreeSet<>(r.sent.keySet()) + ") " + where);
        assertEquals(applied.size(), n, "n_applied counts every applied put exactly once: " + where);
        // kv is the fold of the applied puts in order (one put in flight per server: seq order).
        Map<Long, Long> expect = new TreeMap<>();
        for (long seq : new java.util.TreeSet<>(applied)) {
            long[] p = r.sent.get(seq);
            expect.put(p[0], p[1]);
        }
        assertEquals(expect, new TreeMap<>(kv), "kv equals the applied puts folded in order: " + where);
        return rec.tornDropped();
    }
}
