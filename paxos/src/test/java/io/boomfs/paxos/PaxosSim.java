package io.boomfs.paxos;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.sim.SimConfig;
import io.boomfs.engine.sim.Simulator;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A replica group on the deterministic simulator: replicas r1..rN running kv.olg on the
 * replicated log, and one client node {@code client} running client.olg. Optionally a spare
 * replica (the last of {@link #replicas}) runs from the start knowing no group, as an operator
 * starts a replica before asking the group to take it in.
 * Everything the outside checker needs passes through here: every round's leaders and what
 * every replica applied.
 */
final class PaxosSim {
    static final String CLIENT = "client";
    private static final Program REPLICA = ReplicatedLog.compileKv();
    private static final Program CLIENT_PROGRAM = ReplicatedLog.compileClient();

    /** Snapshots installed and checkpoints taken, over every run of this JVM (for the summary). */
    static final java.util.concurrent.atomic.AtomicLong INSTALLS = new java.util.concurrent.atomic.AtomicLong();
    static final java.util.concurrent.atomic.AtomicLong CHECKPOINTS = new java.util.concurrent.atomic.AtomicLong();

    final Simulator sim;
    /** Every replica node, spare included; replica ri has id i. */
    final List<String> replicas = new ArrayList<>();
    final PaxosChecker checker;
    private final Map<String, Long> settings;
    private final SplittableRandom electionSeeds;

    /**
     * @param n        the group's replicas r1..rn
     * @param spare    whether a spare r(n+1) runs, configured as the group with r(n+1) in place of rn
     * @param settings px_config settings every replica gets at every start
     */
    PaxosSim(long seed, SimConfig config, int n, boolean spare, Map<String, Long> settings, PrintStream log) {
        this.sim = new Simulator(seed, config, log);
        this.settings = Map.copyOf(settings);
        // The election timeouts draw from their own seeded stream, so that changing the
        // workload's draws does not change the network's.
        this.electionSeeds = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        List<String> group = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            group.add("r" + i);
        }
        replicas.addAll(group);
        for (String r : group) {
            sim.addNode(r, REPLICA);
            for (Tuple t : ReplicatedLog.configuration(group, electionSeeds.nextLong(), settings)) {
                sim.load(r, t);
            }
        }
        if (spare) {
            String s = "r" + (n + 1);
            replicas.add(s);
            sim.addNode(s, REPLICA);
            // A joining replica knows no group: it learns it from the log once it is in it.
            hostSettings(s);
        }
        sim.addNode(CLIENT, CLIENT_PROGRAM);
        for (String r : replicas) {
            sim.load(CLIENT, new Tuple("c_replica", r));
        }
        this.checker = new PaxosChecker(replicas);
    }

    PaxosSim(long seed, SimConfig config, int n, PrintStream log) {
        this(seed, config, n, false, Map.of(), log);
    }

    /** What a host loads at every start besides the durable state: the timeout seed and settings. */
    private void hostSettings(String r) {
        sim.load(r, new Tuple("e_seed", electionSeeds.nextLong()));
        for (Map.Entry<String, Long> e : settings.entrySet()) {
            sim.load(r, new Tuple("px_config", e.getKey(), e.getValue()));
        }
    }

    /** One round, then the checks that run every round; dies fail the run at once. */
    void round() {
        List<String> dies = sim.round();
        if (!dies.isEmpty()) {
            throw new AssertionError("invariant violated in round " + sim.rounds() + " (SEED=" + sim.seed() + "): "
                + String.join("; ", dies));
        }
        for (String r : replicas) {
            if (sim.isUp(r)) {
                for (Tuple t : sim.node(r).contents("p_is_leader")) {
                    checker.leader(r, (Long) t.get(0), sim.rounds());
                }
                checker.applied(r, sim.node(r).contents("l_applied"));
                if (!sim.node(r).contents("l_install").isEmpty()) {
                    INSTALLS.incrementAndGet();
                }
                if (!sim.node(r).contents("l_checkpoint").isEmpty()) {
                    CHECKPOINTS.incrementAndGet();
                }
            }
        }
    }

    void rounds(int n) {
        for (int i = 0; i < n; i++) {
            round();
        }
    }

    void submit(String clientId, long seq, List<Object> op) {
        sim.load(CLIENT, new Tuple("c_submit", clientId, seq, op));
    }

    void submitRead(String clientId, long readId, List<Object> op) {
        sim.load(CLIENT, new Tuple("c_read_submit", clientId, readId, op));
    }

    /** Crashes a replica after handing what it learned to the checker. */
    void crash(String r) {
        checker.incarnationEnded(r, sim.node(r));
        sim.crash(r);
    }

    /** Restarts a replica from its durable state, as its host would: settings loaded again. */
    void restart(String r) {
        sim.restart(r);
        hostSettings(r);
    }

    /** The replica that leads with the highest ballot now, or null. */
    String leader() {
        String best = null;
        long bestBallot = -1;
        for (String r : replicas) {
            if (!sim.isUp(r)) {
                continue;
            }
            for (Tuple t : sim.node(r).contents("p_is_leader")) {
                if ((Long) t.get(0) > bestBallot) {
                    bestBallot = (Long) t.get(0);
                    best = r;
                }
            }
        }
        return best;
    }

    /** The group as the replica that applied the most knows it. */
    List<String> members() {
        String ahead = null;
        long most = -1;
        for (String r : replicas) {
            if (!sim.isUp(r)) {
                continue;
            }
            long applied = (Long) sim.node(r).contents("l_next").get(0).get(0);
            if (applied > most) {
                most = applied;
                ahead = r;
            }
        }
        List<String> out = new ArrayList<>();
        for (Tuple t : sim.node(ahead).contents("member")) {
            out.add((String) t.get(0));
        }
        return out;
    }

    List<Tuple> acked() {
        return sim.node(CLIENT).contents("c_acked");
    }

    List<Tuple> readsAcked() {
        return sim.node(CLIENT).contents("c_read_acked");
    }

    OverlogNode node(String r) {
        return sim.node(r);
    }

    /** Each live member's key-value contents, for the final comparison with the model. */
    Map<String, List<Tuple>> stores() {
        Map<String, List<Tuple>> out = new LinkedHashMap<>();
        for (String r : members()) {
            out.put(r, sim.node(r).contents("kv"));
        }
        return out;
    }
}
