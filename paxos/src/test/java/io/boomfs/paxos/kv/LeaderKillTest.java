package io.boomfs.paxos.kv;

import io.boomfs.engine.runtime.FreePorts;
import io.boomfs.paxos.ReplicaProcess;
import io.boomfs.paxos.ReplicaServer;
import io.boomfs.paxos.kv.RegisterOp.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three replica processes on loopback under a load of several client sessions (puts, cas and
 * linearizable gets on a few shared registers, and puts on one key of each session's own), while
 * the leader is killed with SIGKILL again and again and restarted on its data directory. The
 * client-side history, indeterminate operations included, is then checked from outside: each
 * register's history is linearizable, and every session's key holds its last acknowledged write
 * (or a later one whose answer was lost). {@code -Dkills=N} and {@code -Dseed=N} change the run;
 * {@code -Ddump=true} prints the client's log and the replicas' output even when it passes.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LeaderKillTest {
    private static final List<String> REGISTERS = List.of("r0", "r1", "r2", "r3");
    /** C1 only: the replicas live a minute, and compiling with C2 would take cores from the run itself. */
    private static final List<String> JVM = List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private final List<ReplicaProcess> started = new CopyOnWriteArrayList<>();
    private final List<String> clientLog = new CopyOnWriteArrayList<>() {
        @Override
        public boolean add(String line) {
            return super.add(java.time.LocalTime.now() + " " + line);
        }
    };
    private final List<String> errors = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopAll() {
        for (ReplicaProcess p : started) {
            p.close();
        }
    }

    private String dump() {
        StringBuilder sb = new StringBuilder("client log:\n").append(String.join("\n", clientLog)).append('\n');
        for (ReplicaProcess p : started) {
            sb.append(p.dump());
        }
        return sb.toString();
    }

    private ReplicaProcess start(ReplicaServer.Config cfg) {
        ReplicaProcess p = ReplicaProcess.start(cfg, JVM);
        started.add(p);
        return p;
    }

    @Test
    void killingTheLeaderLosesNoAcknowledgedWriteAndKeepsEveryRegisterLinearizable(@TempDir Path dir) throws Exception {
        int kills = Integer.getInteger("kills", 5);
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("SEED=" + seed + " kills=" + kills + " (replay the schedule with -Dseed=" + seed + ")");
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            members.add(FreePorts.loopbackEndpoint());
        }
        Map<String, ReplicaServer.Config> configs = new HashMap<>();
        Map<String, ReplicaProcess> live = new ConcurrentHashMap<>();
        for (int i = 0; i < 3; i++) {
            ReplicaServer.Config cfg = ReplicaServer.Config.of(members.get(i), members, dir.resolve("r" + (i + 1)))
                .withSeed(rnd.nextLong());
            configs.put(members.get(i), cfg);
            live.put(members.get(i), start(cfg));
        }
        History history = new History();
        Workload load;
        try {
            for (ReplicaProcess p : live.values()) {
                p.awaitReady(60_000);
            }
            // Most sessions wait out every failover; two give up after 300 ms, so that their
            // operations are often indeterminate and the next one is sent while an older copy
            // may still be applied (which it must never be after the newer one).
            try (KvClient client = KvClient.builder(members).retryMs(50).deadlineMs(15_000).log(clientLog::add).open();
                 KvClient impatient = KvClient.builder(members).retryMs(50).deadlineMs(300).log(clientLog::add).open()) {
                load = new Workload(client, 6, impatient, 2, history, rnd.split());
                load.start();
                List<Long> killTimes = new ArrayList<>();
                for (int k = 1; k <= kills; k++) {
                    load.awaitProgress(100, 60_000, this::dump);
                    Thread.sleep(rnd.nextInt(100, 800));
                    String leader = client.leader();
                    ReplicaProcess victim = live.get(leader);
                    long killedAt = System.nanoTime();
                    victim.kill9();
                    clientLog.add("kill " + k + ": SIGKILL leader " + leader + " (pid " + victim.pid() + ")");
                    Thread.sleep(rnd.nextInt(0, 1_000));
                    ReplicaProcess again = start(configs.get(leader));
                    live.put(leader, again);
                    again.awaitReady(60_000);
                    killTimes.add(killedAt);
                    load.awaitWritesAfter(killedAt, 20, 60_000, this::dump);
                    clientLog.add("kill " + k + ": the load goes on; leader now " + client.leader());
                }
                load.awaitProgress(100, 60_000, this::dump);
                load.stop();
                finalReads(client, history, load.sessions);
                if (Boolean.getBoolean("dump")) {
                    System.out.println(dump());
                }
                System.out.println("kills " + kills + ", longest pause of acknowledged writes around each kill (ms): "
                    + load.gapsMs(killTimes) + ", "
                    + history.count(true) + " operations answered, " + history.count(false) + " indeterminate; clients "
                    + client.stats() + ", " + impatient.stats());
            }
            assertEquals(List.of(), errors, "operations failed for another reason than a timeout\n" + dump());
            checkOwnKeys(history, load);
            for (String r : REGISTERS) {
                List<RegisterOp> ops = history.byKey().getOrDefault(r, List.of());
                RegisterChecker.Result result = RegisterChecker.check(ops);
                assertTrue(result.linearizable(), "register " + r + " (" + ops.size() + " operations): " + result.explanation()
                    + "\nSEED=" + seed + "\n" + dump());
            }
        } catch (AssertionError | RuntimeException e) {
            if (e.getMessage() != null && e.getMessage().contains("---- replica ")) {
                throw e;
            }
            throw new AssertionError(e.getMessage() + "\nSEED=" + seed + "\n" + dump(), e);
        }
    }

    /** After the load, once quiet: one read of every key, part of the history. */
    private void finalReads(KvClient client, History history, int sessions) {
        KvClient.Session s = client.newSession();
        List<String> keys = new ArrayList<>(REGISTERS);
        for (int i = 0; i < sessions; i++) {
            keys.add(Workload.ownKey(i));
        }
        for (String key : keys) {
            History.Pending p = history.invoke(key, "final", Kind.GET, null, null);
            history.ok(p, s.get(key));
        }
    }

    /** No acknowledged write lost: each session's own key holds its last acknowledged value, or a later one it sent. */
    private void checkOwnKeys(History history, Workload load) {
        Map<String, List<RegisterOp>> byKey = history.byKey();
        for (int i = 0; i < load.sessions; i++) {
            String key = Workload.ownKey(i);
            List<RegisterOp> ops = byKey.get(key);
            Object last = ops.get(ops.size() - 1).result();
            long lastAcked = -1;
            List<Object> laterUnknown = new ArrayList<>();
            for (RegisterOp op : ops) {
                if (op.kind() == Kind.PUT && op.known()) {
                    lastAcked = Math.max(lastAcked, (Long) op.a());
                }
            }
            for (RegisterOp op : ops) {
                if (op.kind() == Kind.PUT && !op.known() && (Long) op.a() > lastAcked) {
                    laterUnknown.add(op.a());
                }
            }
            boolean ok = lastAcked < 0 ? last == null || laterUnknown.contains(last)
                : Long.valueOf(lastAcked).equals(last) || laterUnknown.contains(last);
            assertTrue(ok, key + " holds " + last + " but its last acknowledged put wrote " + lastAcked
                + " (later puts without answer: " + laterUnknown + ")\n" + dump());
            RegisterChecker.Result r = RegisterChecker.check(ops);
            assertTrue(r.linearizable(), key + ": " + r.explanation() + "\n" + dump());
        }
    }

    /**
     * Sessions that each run one operation after another until stopped, chained on the client's
     * thread: on the shared registers, puts of unique values, cas from the last value the session
     * saw, and gets; and puts of increasing values on a key of their own. The impatient client's
     * sessions only put and get their own key.
     */
    private final class Workload {
        final KvClient client;
        final int patientSessions;
        final KvClient impatient;
        final History history;
        final int sessions;
        final SplittableRandom rnd;
        final AtomicBoolean stopping = new AtomicBoolean();
        final AtomicLong acked = new AtomicLong();
        final java.util.Queue<Long> writeAckTimes = new java.util.concurrent.ConcurrentLinkedQueue<>();
        final List<CompletableFuture<Void>> done = new ArrayList<>();

        Workload(KvClient client, int patientSessions, KvClient impatient, int impatientSessions, History history,
                 SplittableRandom rnd) {
            this.client = client;
            this.patientSessions = patientSessions;
            this.impatient = impatient;
            this.history = history;
            this.sessions = patientSessions + impatientSessions;
            this.rnd = rnd;
        }

        static String ownKey(int session) {
            return "own" + session;
        }

        void start() {
            for (int i = 0; i < sessions; i++) {
                boolean patient = i < patientSessions;
                SessionLoop loop = new SessionLoop(i, (patient ? client : impatient).newSession(), !patient, rnd.split());
                done.add(loop.finished);
                loop.next();
            }
        }

        void stop() throws Exception {
            stopping.set(true);
            CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
        }

        void awaitProgress(long ops, long timeoutMs, java.util.function.Supplier<String> dump) throws InterruptedException {
            long target = acked.get() + ops;
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (acked.get() < target) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("no progress: " + (acked.get() - target + ops) + " of " + ops
                        + " operations answered in " + timeoutMs + " ms\n" + dump.get());
                }
                Thread.sleep(5);
            }
        }

        /** Waits until {@code writes} writes were acknowledged after {@code ns}. */
        void awaitWritesAfter(long ns, int writes, long timeoutMs, java.util.function.Supplier<String> dump)
            throws InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (writeAckTimes.stream().filter(t -> t > ns).count() < writes) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("fewer than " + writes + " writes acknowledged within " + timeoutMs
                        + " ms of the kill\n" + dump.get());
                }
                Thread.sleep(5);
            }
        }

        /**
         * For each kill, the longest pause between two consecutive write acknowledgments from the
         * last one before the kill to the next kill: answers already in flight when the leader
         * died arrive after the kill, so the first acknowledgment after it says little.
         */
        List<Long> gapsMs(List<Long> kills) {
            List<Long> acks = new ArrayList<>(writeAckTimes);
            List<Long> gaps = new ArrayList<>();
            for (int k = 0; k < kills.size(); k++) {
                long from = kills.get(k);
                long to = k + 1 < kills.size() ? kills.get(k + 1) : Long.MAX_VALUE;
                long prev = Long.MIN_VALUE;
                long longest = 0;
                for (long t : acks) {
                    if (t <= from) {
                        prev = t;
                    } else if (t < to) {
                        longest = Math.max(longest, prev == Long.MIN_VALUE ? 0 : t - prev);
                        prev = t;
                    }
                }
                gaps.add(TimeUnit.NANOSECONDS.toMillis(longest));
            }
            return gaps;
        }

        private final class SessionLoop {
            final int index;
            final KvClient.Session session;
            final boolean ownKeyOnly;
            final SplittableRandom rnd;
            final CompletableFuture<Void> finished = new CompletableFuture<>();
            final Map<String, Object> lastSeen = new HashMap<>();
            long counter;

            SessionLoop(int index, KvClient.Session session, boolean ownKeyOnly, SplittableRandom rnd) {
                this.index = index;
                this.session = session;
                this.ownKeyOnly = ownKeyOnly;
                this.rnd = rnd;
            }

            /** Runs the next operation; called again on the client's thread when it completes. */
            void next() {
                if (stopping.get()) {
                    finished.complete(null);
                    return;
                }
                counter++;
                // Unique across sessions and runs of the loop: a value read names the one write that made it.
                long unique = index * 1_000_000_000L + counter;
                int dice = rnd.nextInt(100);
                String reg = ownKeyOnly ? ownKey(index) : REGISTERS.get(rnd.nextInt(REGISTERS.size()));
                if (dice < 15 || ownKeyOnly && dice < 70) {
                    String key = ownKey(index);
                    History.Pending p = history.invoke(key, session.clientId(), Kind.PUT, unique, null);
                    track(p, true, session.putAsync(key, unique).thenApply(v -> "ok"));
                } else if (dice < 50) {
                    History.Pending p = history.invoke(reg, session.clientId(), Kind.PUT, unique, null);
                    track(p, true, session.putAsync(reg, unique).thenApply(v -> "ok"));
                } else if (dice < 70 && !ownKeyOnly) {
                    Object expected = lastSeen.get(reg);
                    History.Pending p = history.invoke(reg, session.clientId(), Kind.CAS, expected, unique);
                    track(p, true, session.casAsync(reg, expected, unique).thenApply(b -> b));
                } else {
                    History.Pending p = history.invoke(reg, session.clientId(), Kind.GET, null, null);
                    track(p, false, session.getAsync(reg));
                }
            }

            private void track(History.Pending p, boolean write, CompletableFuture<Object> f) {
                f.whenComplete((result, failure) -> {
                    if (failure == null) {
                        history.ok(p, result);
                        acked.incrementAndGet();
                        if (write) {
                            writeAckTimes.add(System.nanoTime());
                        }
                        remember(p, result);
                    } else {
                        history.unknown(p);
                        Throwable cause = failure instanceof java.util.concurrent.CompletionException ? failure.getCause() : failure;
                        if (!(cause instanceof KvException.Timeout)) {
                            errors.add(p + ": " + cause);
                        }
                    }
                    next();
                });
            }

            private void remember(History.Pending p, Object result) {
                switch (p.kind()) {
                    case GET -> lastSeen.put(p.key(), result);
                    case PUT -> lastSeen.put(p.key(), p.a());
                    case CAS -> lastSeen.put(p.key(), Boolean.TRUE.equals(result) ? p.b() : lastSeen.get(p.key()));
                    default -> { }
                }
            }
        }
    }
}
