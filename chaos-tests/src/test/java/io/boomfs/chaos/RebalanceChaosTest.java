package io.boomfs.chaos;

import io.boomfs.chaos.check.LeaderPerBallot;
import io.boomfs.chaos.check.Verdict;
import io.boomfs.chaos.cluster.JvmLaunchers;
import io.boomfs.chaos.cluster.NodeSpec;
import io.boomfs.chaos.cluster.ProcessCluster;
import io.boomfs.chaos.history.Recorder;
import io.boomfs.chaos.workload.ClientProcess;
import io.boomfs.chaos.workload.NamespaceWorkload;
import io.boomfs.client.MetaClient;
import io.boomfs.deploy.topology.Topology;
import io.boomfs.deploy.topology.TopologyLoader;
import io.boomfs.engine.runtime.Pause;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rebalancing under chaos (issue 8): the two shard groups of {@code local-2shards.yaml} (its
 * groups, replica ids, vparts and timing; addresses are the harness's loopback ports) as six
 * replica processes. Clients run the namespace workload (create, mkdir, delete, rename, list in a
 * few directories: a child directory usually lands in a vpart of the other group, so mkdir and
 * recursive delete are often cross-shard transactions) while an admin moves the vparts holding
 * the directories' entries from group to group, and the leader of one group or the other, in
 * turn, is killed with -9 and restarted. Moves caught by a kill on either side must complete
 * (each one is followed to its end); then the history must be linearizable per directory, the
 * final listings must equal the model's (nothing acknowledged lost), and each group must have had
 * one leader per ballot. {@code -Dseed=N} replays the choices, {@code -Dchaos.time=MS} sets the
 * length (default 40 s). The history goes to {@code history.jsonl} beside the node logs in
 * target/chaos/rebalance-SEED/.
 *
 * <p>Only with {@code -Pchaos} (which sets {@code chaos.long}) for now: in 2 of its first 15
 * runs it found directory renames and deletes answered NOT_FOUND right after the directory's
 * mkdir (a transaction part's vote read rows another transaction still held; fixed: a lock's
 * RETRY wins), and 18 of 18 runs passed since; it joins the default build once more runs agree.
 * {@code -Dchaos.answers=1} prints every error answer's message (which rule gave it).
 */
@EnabledIfSystemProperty(named = "chaos.long", matches = "true")
class RebalanceChaosTest {
    private static final Path TOPOLOGY = Path.of("..", "deploy", "topologies", "local-2shards.yaml");
    private static final int THREADS = 4;
    private static final long DEADLINE_MS = 2_000;
    /** A move that has not ended this long after it began (kills included) fails the test. */
    private static final long MOVE_MS = 60_000;

    private record Kill(String group, String node, long atNs) {
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void movesCompleteAndNothingIsLostWhileLeadersOfBothGroupsAreKilled() throws Exception {
        long seed = Long.getLong("seed", System.nanoTime());
        long time = Long.getLong("chaos.time", 40_000);
        Topology t = TopologyLoader.load(TOPOLOGY);
        List<List<String>> groups = t.groups().stream().map(g -> g.replicas().stream().map(Topology.Replica::id).toList()).toList();
        assertEquals(2, groups.size(), TOPOLOGY + " should have two groups");
        Map<String, Long> settings = new TreeMap<>(t.replicaSettings());
        settings.put("sm.vparts", (long) t.vparts());
        List<NodeSpec> specs = new ArrayList<>();
        groups.forEach(g -> g.forEach(id -> specs.add(new NodeSpec(id, NodeSpec.Role.REPLICA,
            JvmLaunchers.shardReplica(groups, settings, seed)))));
        System.out.println("SEED=" + seed + " rebalance under leader kills, " + time + " ms, groups " + groups);

        Recorder rec = new Recorder(System.nanoTime());
        Path dir = Path.of("target", "chaos", "rebalance-" + Long.toHexString(seed));
        NamespaceWorkload w = new NamespaceWorkload(4, DEADLINE_MS, false).onGroups(groups, t.vparts());
        List<Kill> kills = new ArrayList<>();
        List<String> moves = new ArrayList<>();
        Map<String, Object> finals;
        Map<String, List<String>> logs;
        try (ProcessCluster cluster = ProcessCluster.start(specs, dir, rec::now, false, System.out::println); w) {
            w.open(cluster, 60_000);
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                int thread = i;
                Random random = new Random(seed * 31 + i);
                threads.add(new Thread(() -> {
                    ClientProcess p = new ClientProcess(thread, THREADS);
                    while (!stop.get()) {
                        w.step(thread, p, rec, random);
                        Pause.millis(random.nextInt(11));
                    }
                }, "client-" + i));
            }
            List<Throwable> moverFailure = new ArrayList<>();
            Thread mover = new Thread(() -> {
                try (MetaClient admin = w.admin(DEADLINE_MS)) {
                    Random random = new Random(seed);
                    while (!stop.get()) {
                        String d = w.directories().get(random.nextInt(w.directories().size()));
                        moves.add(move(admin, d, t.vparts(), rec));
                        Pause.millis(500 + random.nextInt(1_000));
                    }
                } catch (Throwable e) {
                    moverFailure.add(e);
                }
            }, "mover");
            threads.forEach(Thread::start);
            mover.start();

            Random random = new Random(seed ^ 0x5eed);
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(time);
            int turn = random.nextInt(groups.size());
            while (System.nanoTime() < end) {
                Pause.millis(1_500 + random.nextInt(1_500));
                List<String> g = groups.get(turn);
                turn = (turn + 1) % groups.size();
                Optional<String> leader = cluster.leaderAmong(g);
                if (leader.isEmpty()) {
                    continue;
                }
                long at = rec.now();
                cluster.kill(leader.get());
                System.out.printf("%8.3f s kill -9 %s (leader of %s)%n", at / 1e9, leader.get(), g);
                kills.add(new Kill(g.toString(), leader.get(), at));
                Pause.millis(500 + random.nextInt(1_000));
                cluster.start(leader.get());
            }
            stop.set(true);
            for (Thread th : threads) {
                th.join(DEADLINE_MS * 3 + 10_000);
                assertTrue(!th.isAlive(), th.getName() + " did not stop");
            }
            mover.join(MOVE_MS + 10_000);
            assertTrue(!mover.isAlive(), "the mover did not stop: a move did not end");
            if (!moverFailure.isEmpty()) {
                throw new AssertionError("a vpart move failed (seed " + seed + ")", moverFailure.get(0));
            }
            finals = w.readFinal(rec, 30_000);
            logs = cluster.logs();
        }
        Report.writeHistory(dir, rec.ops());
        List<Verdict> verdicts = new ArrayList<>(w.check(rec.ops(), finals));
        for (List<String> g : groups) {
            Map<String, List<String>> mine = new LinkedHashMap<>();
            g.forEach(id -> mine.put(id, logs.getOrDefault(id, List.of())));
            verdicts.add(LeaderPerBallot.check(mine));
        }
        moves.forEach(m -> System.out.println("move: " + m));
        System.out.println("calls: " + io.boomfs.chaos.Report.counts(rec.ops()));
        verdicts.forEach(v -> System.out.println(v.line()));
        StringBuilder why = new StringBuilder("seed " + seed + ", logs in " + dir + ":\n");
        verdicts.forEach(v -> why.append(v.line()).append('\n').append(v.details()).append('\n'));
        for (Verdict v : verdicts) {
            assertTrue(Boolean.TRUE.equals(v.valid()), why.toString());
        }
        assertTrue(kills.size() >= 4, "only " + kills.size() + " leader kills were played: " + kills);
        assertTrue(kills.stream().map(Kill::group).distinct().count() == 2, "the kills did not reach both groups: " + kills);
        assertTrue(moves.size() >= 3, "only " + moves.size() + " vpart moves ended: " + moves);
    }

    /**
     * Moves the vpart holding {@code dir}'s entries to the other group and follows the move to its
     * end, through kills (a call without an answer is asked again); one line saying how it went.
     */
    private static String move(MetaClient admin, String dir, long vparts, Recorder rec) {
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(MOVE_MS);
        long v = -1;
        int from = -1;
        int to = -1;
        boolean begun = false;
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                if (v < 0) {
                    v = admin.stat(dir).id() >>> 40;
                }
                if (from < 0) {
                    from = owner(admin, v);
                    to = 1 - from;
                }
                if (!begun) {
                    Object a = admin.operate(List.of("mv_begin", v, (long) to), from);
                    begun = a instanceof List<?> l && !l.isEmpty() && "ok".equals(l.get(0));
                    last = "begin: " + a;
                    if (!begun) {
                        from = -1;
                        Pause.millis(200);
                        continue;
                    }
                }
                List<?> st = (List<?>) admin.operate(List.of("mv_status", v), from);
                last = String.valueOf(st);
                if ("none".equals(st.get(1))) {
                    long now = ((Number) st.get(2)).longValue();
                    if (now != to) {
                        throw new AssertionError("vpart " + v + " of " + dir + " ended in group " + now + ", not " + to);
                    }
                    return String.format("%s: vpart %d group %d -> %d in %d ms (at %.3f s)", dir, v, from, to,
                        (System.nanoTime() - t0) / 1_000_000, rec.now() / 1e9);
                }
            } catch (MetaClient.FsException e) {
                last = e.getMessage();
            }
            Pause.millis(100);
        }
        throw new AssertionError("the move of " + dir + " (vpart " + v + ", group " + from + " -> " + to + ") did not end in "
            + MOVE_MS + " ms; last answer: " + last);
    }

    /** The group that owns vpart {@code v} by group 0's map. */
    private static int owner(MetaClient admin, long v) {
        List<?> m = (List<?>) admin.operate(List.of("map"), 0);
        if (!"ok".equals(m.get(0))) {
            throw new MetaClient.FsException("UNAVAILABLE", "the map: " + m);
        }
        int groups = ((Number) m.get(2)).intValue();
        int owner = (int) (v % groups);
        for (Object o : (List<?>) m.get(5)) {
            List<?> x = (List<?>) o;
            if (((Number) x.get(0)).longValue() == v) {
                owner = ((Number) x.get(1)).intValue();
            }
        }
        return owner;
    }
}
