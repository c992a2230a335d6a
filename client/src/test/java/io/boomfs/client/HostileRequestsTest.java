package io.boomfs.client;

import io.boomfs.engine.runtime.AeronHost;
import io.boomfs.engine.runtime.FreePorts;
import io.boomfs.meta.MetaShard;
import io.boomfs.paxos.ReplicaServer;
import io.boomfs.paxos.kv.KvClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile client requests to a real metadata replica group (three replicas in this JVM on one
 * embedded media driver, over Aeron on loopback): well-framed requests whose ops are random or
 * mutated (unknown names, wrong arity, wrong types, oversized strings, bad paths, NUL bytes,
 * huge numbers). Every one is answered, and none changes the namespace outside {@code /fuzz}:
 * every path a request names is either under {@code /fuzz} or invalid, and every file id it
 * names is none of the ids outside, so that a request valid by chance can only touch
 * {@code /fuzz}. The replicas stay up and keep serving.
 *
 * <p>An op that is not a list starting with its name never leaves a {@link KvClient}; such ops
 * reach a replica's rules in {@code ReplicaFrameFuzzTest} (metadata-shard), frame by frame. The
 * ops between shard groups ({@code tx_*}, {@code mv_*}, {@code drop}, {@code map_sync}) and group
 * changes ({@code px_replace}) are left out: a request shaped right changes the shard's state by
 * design, whoever sends it, so they could not be told apart from damage here.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HostileRequestsTest {
    private static final int REQUESTS = Integer.getInteger("meta.fuzz.requests", 3_000);
    /** Requests in flight at once, each on a session of its own. */
    private static final int PARALLEL = 16;
    private static final long DEADLINE_MS = Long.getLong("meta.fuzz.deadline.ms", 20_000);
    /** The client ops and a few names that are not ops; the ops between groups are left out (see the class comment). */
    private static final List<String> KINDS = List.of("mkdirs", "create", "delete", "rename", "setattr", "stat", "list", "open",
        "add_chunk", "complete", "renew", "recover", "gc", "", "MKDIRS", "mkdirs\0", "stat ", "nope", "x".repeat(300));
    private static final Map<String, Integer> ARITY = Map.ofEntries(Map.entry("mkdirs", 4), Map.entry("create", 9),
        Map.entry("delete", 2), Map.entry("rename", 2), Map.entry("setattr", 5), Map.entry("stat", 1), Map.entry("list", 3),
        Map.entry("open", 3), Map.entry("add_chunk", 7), Map.entry("complete", 5), Map.entry("renew", 2),
        Map.entry("recover", 2), Map.entry("gc", 1));

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private AeronHost host;
    private final List<ReplicaServer> replicas = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        replicas.forEach(ReplicaServer::close);
        if (host != null) {
            host.close();
        }
    }

    private List<String> startGroup(Path dir) {
        host = AeronHost.embedded(log::add);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            members.add(FreePorts.loopbackEndpoint());
        }
        for (int i = 0; i < 3; i++) {
            int n = i;
            replicas.add(ReplicaServer.start(ReplicaServer.Config.of(members.get(i), members, dir.resolve("r" + i)).withSeed(i + 1),
                MetaShard.compile(), host, new PrintStream(out, true, StandardCharsets.UTF_8),
                line -> log.add(members.get(n) + ": " + line)));
        }
        return members;
    }

    private KvClient kv(List<String> members, long opMaxBytes, long deadlineMs) {
        KvClient c = KvClient.builder(members).aeronHost(host).deadlineMs(deadlineMs).opMaxBytes(opMaxBytes).log(log::add).open();
        clients.add(c);
        return c;
    }

    /** Everything outside {@code /fuzz}: each path with its stat. */
    private static Map<String, MetaClient.Stat> namespace(MetaClient fs) {
        Map<String, MetaClient.Stat> all = new TreeMap<>();
        walk(fs, "/", all);
        return all;
    }

    private static void walk(MetaClient fs, String dir, Map<String, MetaClient.Stat> all) {
        for (Iterator<MetaClient.Entry> it = fs.list(dir); it.hasNext(); ) {
            MetaClient.Entry e = it.next();
            String path = (dir.equals("/") ? "/" : dir + "/") + e.name();
            if (path.equals("/fuzz")) {
                continue;
            }
            all.put(path, fs.stat(path));
            if (e.isDir()) {
                walk(fs, path, all);
            }
        }
    }

    /** Generates hostile ops from one seed, never naming a path outside /fuzz or an id in {@code protectedIds}. */
    private static final class Ops {
        private final SplittableRandom r;
        private final Set<Long> protectedIds;

        Ops(long seed, Set<Long> protectedIds) {
            this.r = new SplittableRandom(seed);
            this.protectedIds = protectedIds;
        }

        List<Object> next() {
            String kind = KINDS.get(r.nextInt(KINDS.size()));
            int arity = ARITY.getOrDefault(kind, r.nextInt(5));
            // Mostly the right number of fields, sometimes one more or fewer, sometimes any.
            int n = switch (r.nextInt(6)) {
                case 0 -> Math.max(0, arity - 1);
                case 1 -> arity + 1;
                case 2 -> r.nextInt(12);
                default -> arity;
            };
            List<Object> op = new ArrayList<>();
            op.add(kind);
            for (int i = 0; i < n; i++) {
                op.add(field(kind, i));
            }
            return op;
        }

        /** A field: of the type the op expects there half the time, of any type otherwise. */
        private Object field(String kind, int i) {
            boolean pathField = i == 0 && !Set.of("add_chunk", "complete", "recover", "renew", "gc").contains(kind)
                || i == 1 && kind.equals("rename");
            if (pathField && r.nextInt(3) > 0) {
                return path();
            }
            return switch (r.nextInt(12)) {
                case 0 -> null;
                case 1 -> r.nextBoolean();
                case 2 -> id();
                case 3 -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE, -1L, 0L, 1L << 40}[r.nextInt(5)];
                case 4 -> r.nextDouble() * 1e300;
                case 5 -> name();
                case 6 -> "x\0y".repeat(r.nextInt(1, 100));
                // Up to about 2 KiB: over op_max_bytes, and inside one 8 KiB frame unless the op
                // has several (then the client refuses it at once: it cannot be sent).
                case 7 -> "big".repeat(r.nextInt(100, 700));
                case 8 -> badPath();
                case 9 -> List.of(id(), r.nextLong(-5, 1L << 30));
                case 10 -> List.of(name(), name());
                default -> r.nextLong(0, 1_000);
            };
        }

        /** A random long that is none of the ids outside /fuzz. */
        private long id() {
            long id;
            do {
                id = r.nextBoolean() ? r.nextLong() : r.nextLong(0, 1L << 20);
            } while (protectedIds.contains(id));
            return id;
        }

        private String name() {
            return switch (r.nextInt(10)) {
                case 0 -> "";
                case 1 -> "..";
                case 2 -> "a/b";
                case 3 -> "nul\0name";
                case 4 -> "n".repeat(256);
                case 5 -> "é\u0001\n\u202e";
                default -> "n" + r.nextInt(8);
            };
        }

        /** A path under /fuzz (its names may be invalid), or a hinted one whose directory is not protected. */
        private Object path() {
            List<Object> names = new ArrayList<>();
            names.add("fuzz");
            for (int k = r.nextInt(0, 4); k > 0; k--) {
                names.add(name());
            }
            if (r.nextInt(8) == 0) {
                return Arrays.asList(names, r.nextLong(0, 3), id(), r.nextLong(-2, 5));
            }
            return names;
        }

        /** A value that is no valid path: never a list of names that could lead outside /fuzz. */
        private Object badPath() {
            return switch (r.nextInt(7)) {
                case 0 -> "/keep";
                case 1 -> List.of(1L, 2L);
                case 2 -> Collections.nCopies(300, "d");
                case 3 -> List.of("keep", "..");
                case 4 -> List.of("keep", "");
                case 5 -> List.of("keep\0", "a");
                default -> List.of(List.of("keep"));
            };
        }
    }

    @Test
    void thousandsOfHostileRequestsAreAnsweredWithErrorsAndChangeNothingOutsideTheirDirectory(@TempDir Path dir) throws Exception {
        List<String> members = startGroup(dir);
        MetaClient fs = MetaClient.over(kv(members, 2_000, 20_000), "alice", 20_000);
        Set<Long> protectedIds = new HashSet<>();
        protectedIds.add(0L);
        for (String d : List.of("/keep/a/b", "/keep/c", "/other")) {
            fs.mkdirs(d);
        }
        long file = fs.create("/keep/a/f", false);
        fs.complete(file, fs.holder(), null, 1_000L);
        long open = fs.create("/keep/c/open", false);
        fs.mkdirs("/fuzz");
        Map<String, MetaClient.Stat> before = namespace(fs);
        before.values().forEach(s -> protectedIds.add(s.id()));
        assertTrue(protectedIds.contains(open) && before.size() == 7, before.toString());

        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("HostileRequestsTest: SEED=" + seed + " requests=" + REQUESTS + " (-Dseed=" + seed + " replays)");
        Ops ops = new Ops(seed, protectedIds);
        // The client sends whatever it is given: the replicas are the ones that must refuse.
        KvClient raw = kv(members, 1 << 20, DEADLINE_MS);
        List<KvClient.Session> sessions = new ArrayList<>();
        for (int i = 0; i < PARALLEL; i++) {
            sessions.add(raw.newSession());
        }
        Map<String, Integer> answers = new TreeMap<>();
        List<String> unanswered = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < REQUESTS; i += PARALLEL) {
            List<Sent> inFlight = new ArrayList<>();
            for (int k = 0; k < PARALLEL && i + k < REQUESTS; k++) {
                List<Object> op = ops.next();
                // Reads and writes alike: a read that would change the namespace must be refused too.
                KvClient.Session s = sessions.get(k);
                try {
                    inFlight.add(new Sent(op, (i + k) % 3 == 0 ? s.readAsync(op) : s.submitAsync(op)));
                } catch (IllegalArgumentException x) {
                    // An op that no frame can carry is refused by the client before it leaves
                    // (sent, the transport would drop it each time until the deadline).
                    assertTrue(x.getMessage().contains("more than one frame carries"), x.getMessage());
                    answers.merge("refused by the client: over a frame", 1, Integer::sum);
                }
            }
            for (Sent sent : inFlight) {
                try {
                    answers.merge(kindOf(sent.answer().get(30, TimeUnit.SECONDS)), 1, Integer::sum);
                } catch (ExecutionException x) {
                    unanswered.add(brief(sent.op()) + ": " + x.getCause());
                    if (unanswered.size() <= 20) {
                        System.out.println("HostileRequestsTest: unanswered " + brief(sent.op()) + ": " + x.getCause());
                    }
                }
            }
            if ((i / PARALLEL) % 20 == 19) {
                System.out.println("HostileRequestsTest: " + (i + PARALLEL) + " sent, answers " + answers + ", unanswered "
                    + unanswered.size() + " after " + (System.nanoTime() - start) / 1_000_000 + " ms");
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("HostileRequestsTest: answers " + answers + ", unanswered " + unanswered.size() + " in " + ms + " ms");
        for (ReplicaServer r : replicas) {
            if (r.node().agent().failure() != null) {
                System.out.println("HostileRequestsTest: replica " + r.address() + " failed: " + r.node().agent().failure());
            }
        }
        if (!unanswered.isEmpty()) {
            System.out.println("HostileRequestsTest: the group's log:\n" + String.join("\n", log.subList(Math.max(0, log.size() - 60),
                log.size())) + "\nreplica output:\n" + out.toString(StandardCharsets.UTF_8));
        }
        assertEquals(List.of(), unanswered, "every well-framed request is answered");
        int errors = answers.entrySet().stream().filter(e -> e.getKey().startsWith("error")).mapToInt(Map.Entry::getValue).sum();
        assertTrue(errors > REQUESTS / 2, "most are refused: " + answers);
        assertTrue(answers.keySet().stream().allMatch(k -> k.startsWith("error") || k.equals("ok") || k.startsWith("refused by the client")),
            answers.toString());

        // Nothing outside /fuzz changed, and the group still serves, from every replica.
        assertEquals(before, namespace(fs));
        for (ReplicaServer r : replicas) {
            assertNull(r.node().agent().failure(), r.address());
            assertEquals(0, r.node().agent().metrics().dies.get(), r.address());
        }
        long after = fs.mkdirs("/after/fuzzing");
        assertEquals(after, fs.stat("/after/fuzzing").id());
    }

    /** A value for a message: long strings and lists shown by their size. */
    private static String brief(Object v) {
        if (v instanceof String str && str.length() > 40) {
            return "\"" + str.substring(0, 12).replace("\0", "\\0") + "...\" (" + str.length() + " chars)";
        }
        if (v instanceof String str) {
            return "\"" + str.replace("\0", "\\0") + "\"";
        }
        if (v instanceof List<?> l && l.size() > 12) {
            return "[" + brief(l.get(0)) + ", ... (" + l.size() + " elements)]";
        }
        if (v instanceof List<?> l) {
            return l.stream().map(HostileRequestsTest::brief).toList().toString();
        }
        return String.valueOf(v);
    }

    private record Sent(List<Object> op, CompletableFuture<Object> answer) {
    }

    /** An answer's kind: "error CODE" for a namespace error, "error op too large" for the group's, "ok", or what it was. */
    private static String kindOf(Object answer) {
        // An answer about a path may come wrapped with what the client may cache of its parent:
        // list("@", Epoch, ParentId, Result).
        if (answer instanceof List<?> l && l.size() == 4 && "@".equals(l.get(0))) {
            return kindOf(l.get(3));
        }
        if (answer instanceof List<?> l && l.size() >= 3 && "error".equals(l.get(0))) {
            return "error " + l.get(1);
        }
        if (answer instanceof List<?> l && !l.isEmpty() && "ok".equals(l.get(0))) {
            return "ok";
        }
        if (answer instanceof String s && s.startsWith("error: op too large")) {
            return "error op too large";
        }
        return "other: " + answer;
    }

    /**
     * A rename whose two paths are invalid for two reasons once made two results for one op: a
     * key violation on every replica that applied it, and the group stopped. One answer now,
     * about the source, and the group goes on.
     */
    @Test
    void aRenameOfTwoInvalidPathsGetsOneAnswerAndTheGroupGoesOn(@TempDir Path dir) throws Exception {
        List<String> members = startGroup(dir);
        MetaClient fs = MetaClient.over(kv(members, 2_000, 20_000), "alice", 20_000);
        fs.mkdirs("/a");
        KvClient raw = kv(members, 1 << 20, 20_000);
        Object answer = raw.newSession().submitAsync(List.of("rename", List.of("a", ""), List.of("a/b"))).get(30, TimeUnit.SECONDS);
        assertEquals(List.of("error", "INVALID_PATH", "empty name"), answer);
        answer = raw.newSession().readAsync(List.of("stat", List.of("a", "..", ""))).get(30, TimeUnit.SECONDS);
        assertEquals(List.of("error", "INVALID_PATH", "'..' is not a name"), answer);
        assertEquals(fs.mkdirs("/b"), fs.stat("/b").id());
        for (ReplicaServer r : replicas) {
            assertNull(r.node().agent().failure(), r.address());
        }
    }

    /**
     * Over-long names and paths are refused, each at the first place that can: the client checks
     * an op's size before it sends it, the group refuses one over op_max_bytes that a client sent
     * anyway, and the shard refuses a name over 255 characters that fits.
     */
    @Test
    void overLongNamesPathsAndOpsAreRefusedWithAClearError(@TempDir Path dir) throws Exception {
        List<String> members = startGroup(dir);
        MetaClient fs = MetaClient.over(kv(members, 2_000, 20_000), "alice", 20_000);
        MetaClient.FsException name = assertThrows(MetaClient.FsException.class, () -> fs.mkdirs("/d/" + "n".repeat(256)));
        assertEquals("INVALID_PATH", name.code());
        assertTrue(name.getMessage().contains("a name of 256 characters (at most 255)"), name.getMessage());
        assertEquals(fs.mkdirs("/d/" + "n".repeat(255)), fs.stat("/d/" + "n".repeat(255)).id(), "255 characters are fine");
        String longPath = "/d" + ("/" + "p".repeat(200)).repeat(15);
        IllegalArgumentException client = assertThrows(IllegalArgumentException.class, () -> fs.mkdirs(longPath));
        assertTrue(client.getMessage().contains("bytes on the wire, more than the 2000 a replica group takes (op_max_bytes)"),
            client.getMessage());
        KvClient raw = kv(members, 1 << 20, DEADLINE_MS);
        List<Object> op = new ArrayList<>(List.of("mkdirs", MetaClient.names(longPath), 493L, "alice", 1L));
        Object answer = raw.newSession().submitAsync(op).get(30, TimeUnit.SECONDS);
        assertTrue(String.valueOf(answer).matches("error: op too large \\(\\d+ bytes on the wire, at most 2000\\)"), String.valueOf(answer));
        assertEquals(Set.of("/d", "/d/" + "n".repeat(255)), namespace(fs).keySet(), "nothing else was made");
    }
}
