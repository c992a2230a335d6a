package io.boomfs.paxos;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.sim.SimConfig;
import io.boomfs.engine.sim.Simulator;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A replica group on the deterministic simulator: replicas r1..rN running kv.olg on the
 * replicated log, and one client node {@code client} running client.olg. Everything the
 * outside checker needs passes through here: every round's leaders, and the applied history
 * of a replica before it crashes (its memory is lost then, and only durable tables survive).
 */
final class PaxosSim {
    static final String CLIENT = "client";
    private static final Program REPLICA = ReplicatedLog.compileKv();
    private static final Program CLIENT_PROGRAM = ReplicatedLog.compileClient();

    final Simulator sim;
    final List<String> replicas = new ArrayList<>();
    final PaxosChecker checker;

    PaxosSim(long seed, SimConfig config, int n, PrintStream log) {
        this.sim = new Simulator(seed, config, log);
        // The election timeouts draw from their own seeded stream, so that changing the
        // workload's draws does not change the network's.
        SplittableRandom electionSeeds = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        for (int i = 1; i <= n; i++) {
            replicas.add("r" + i);
        }
        for (String r : replicas) {
            sim.addNode(r, REPLICA);
            for (Tuple t : ReplicatedLog.configuration(replicas, electionSeeds.nextLong())) {
                sim.load(r, t);
            }
        }
        sim.addNode(CLIENT, CLIENT_PROGRAM);
        for (String r : replicas) {
            sim.load(CLIENT, new Tuple("c_replica", r));
        }
        this.checker = new PaxosChecker(replicas);
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

    /** Crashes a replica after handing its applied history to the checker. */
    void crash(String r) {
        checker.incarnationEnded(r, sim.node(r));
        sim.crash(r);
    }

    void restart(String r) {
        sim.restart(r);
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

    List<Tuple> acked() {
        return sim.node(CLIENT).contents("c_acked");
    }

    OverlogNode node(String r) {
        return sim.node(r);
    }
}
