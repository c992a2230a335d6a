package io.boomfs.deploy.up;

import io.boomfs.deploy.status.ClusterStatus;
import io.boomfs.deploy.topology.Topology;
import io.boomfs.engine.runtime.Pause;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The children of {@code boom up} once started: it waits for them to be ready and for a leader
 * in each group, then watches them, one round at a time ({@link #watch}), printing one line per
 * event (a leader change, a death, a restart), and stops them all ({@link #close}). The leader
 * of a group whose replicas all run here is what they say on their {@code ROLE} lines: the live
 * one that leads with the highest ballot. A group with replicas on other hosts is waited for
 * through the metrics endpoints ({@link ClusterStatus}), and its leader changes are not followed.
 */
final class Supervisor implements AutoCloseable {
    /** A node that dies is restarted no sooner than this after its last start: one that cannot run does not spin. */
    private static final long RESTART_PAUSE_MS = 1_000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final Topology topology;
    private final List<Child> children;
    private final boolean restart;
    private final PrintStream out;
    private final Map<String, String> leaders = new HashMap<>();
    private final Map<Child, Boolean> reportedDead = new HashMap<>();
    private long lastRoundMs;

    Supervisor(Topology topology, List<Child> children, boolean restart, PrintStream out) {
        this.topology = topology;
        this.children = List.copyOf(children);
        this.restart = restart;
        this.out = out;
    }

    void startAll() {
        for (Child c : children) {
            c.start();
        }
    }

    /** Waits until every child is ready; an IllegalStateException names the one that is not. */
    void awaitReady(long timeoutMs) {
        for (Child c : children) {
            c.awaitReady(timeoutMs);
            event(c.node().id() + " ready (pid " + c.pid() + ", log " + c.logFile() + ")");
        }
    }

    /**
     * Waits until every group of which a replica runs here has a leader, printing the wait.
     *
     * @throws IllegalStateException not within {@code timeoutMs}
     */
    void awaitLeaders(long timeoutMs) {
        long start = System.currentTimeMillis();
        for (String g : groups().keySet()) {
            event("waiting for a leader in group " + g + "...");
            String leader;
            while ((leader = local(g) ? leaderOf(g) : remoteLeaderOf(g)) == null) {
                if (System.currentTimeMillis() - start > timeoutMs) {
                    throw new IllegalStateException("group " + g + " elected no leader within " + timeoutMs + " ms; see its logs");
                }
                Pause.millis(local(g) ? 20 : 200);
            }
            if (local(g)) {
                leaders.put(g, leader);
            } else {
                event("group " + g + " has replicas on other hosts: its leader changes are not followed here (boom status shows them)");
            }
            event("group " + g + ": leader " + leader + " after " + (System.currentTimeMillis() - start) + " ms");
        }
    }

    /** One watch round (at most one every 100 ms, however often called); never asks to stop: returns false. */
    boolean watch() {
        long now = System.currentTimeMillis();
        if (now - lastRoundMs < 100) {
            return false;
        }
        lastRoundMs = now;
        for (Child c : children) {
            if (c.isAlive()) {
                continue;
            }
            if (reportedDead.put(c, true) == null) {
                c.reap();
                event(c.node().id() + " died (pid " + c.pid() + ", exit code " + c.exitCode() + "; log " + c.logFile() + ")"
                    + (restart ? "" : "; not restarted (boom up --restart would)"));
            }
            if (restart && now - c.startedMs() >= RESTART_PAUSE_MS) {
                c.restart();
                reportedDead.remove(c);
                event(c.node().id() + " restarted (pid " + c.pid() + ", restart " + c.restarts() + ")");
            }
        }
        for (String g : leaders.keySet()) {
            String leader = leaderOf(g);
            String before = leaders.get(g);
            if (leader != null && !leader.equals(before) || leader == null && before != null) {
                leaders.put(g, leader);
                event("group " + g + ": leader " + (before == null ? "(none)" : before.split(" ")[0]) + " -> "
                    + (leader == null ? "(none)" : leader));
            }
        }
        return false;
    }

    /** "m2 (ballot 515)", or null when no live replica of the group says it leads. */
    private String leaderOf(String group) {
        Child best = null;
        for (Child c : groups().get(group)) {
            if (c.leaderBallot() >= 0 && (best == null || c.leaderBallot() > best.leaderBallot())) {
                best = c;
            }
        }
        return best == null ? null : best.node().id() + " (ballot " + best.leaderBallot() + ")";
    }

    /** Whether every replica of the group runs here. */
    private boolean local(String group) {
        return topology.group(group).orElseThrow().replicas().size() == groups().get(group).size();
    }

    /** "m5 (ballot 515)" as the metrics endpoints say, or null. */
    private String remoteLeaderOf(String group) {
        return ClusterStatus.read(topology).groups().stream().filter(s -> s.id().equals(group) && s.leader() != null)
            .map(s -> s.leader() + " (ballot " + s.ballot() + ")").findFirst().orElse(null);
    }

    private Map<String, List<Child>> groups() {
        Map<String, List<Child>> g = new LinkedHashMap<>();
        for (Child c : children) {
            if (c.group() != null) {
                g.computeIfAbsent(c.group().id(), k -> new ArrayList<>()).add(c);
            }
        }
        return g;
    }

    void event(String line) {
        out.println(LocalTime.now().format(TIME) + " " + line);
        out.flush();
    }

    /** SIGTERM to every child at once, then each waited for (SIGKILL after 8 s: the shutdown hook allows 10). */
    @Override
    public void close() {
        for (Child c : children) {
            c.terminate();
        }
        for (Child c : children) {
            c.awaitExit(8_000);
        }
    }
}
