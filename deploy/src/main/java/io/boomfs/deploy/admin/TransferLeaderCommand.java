package io.boomfs.deploy.admin;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.deploy.status.ClusterStatus;
import io.boomfs.deploy.topology.Topology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.util.Comparator;
import java.util.concurrent.Callable;

/**
 * {@code boom admin transfer-leader GROUP [--to ID]}: asks the group's leader (POST
 * /admin/transfer-leader on its metrics port) to hand its leadership to the target, then watches
 * the metrics endpoints until another replica leads (paxos/PAXOS.md, "Leadership transfer").
 */
@Command(name = "transfer-leader", mixinStandardHelpOptions = true, versionProvider = Boom.Version.class,
    description = {"Hand GROUP's leadership to another replica (Raft's TimeoutNow; paxos/PAXOS.md): the leader steps down "
        + "and the target campaigns at once, winning once the old leader's leases ran out (lease_ms).",
        "Waits up to 10 s for the new leader; when another replica won, asks it again (3 attempts in all); exit code 1 when the"
            + " target never won or no replica did."})
final class TransferLeaderCommand implements Callable<Integer> {
    private static final long WAIT_MS = 10_000;
    private static final int ATTEMPTS = 3;

    @ParentCommand
    private AdminCommand admin;

    @Parameters(index = "0", paramLabel = "GROUP", description = "The group's id in the topology (g1, ...).")
    private String group;

    @Option(names = "--to", paramLabel = "ID", description = "The replica to lead (default: the live follower least behind).")
    private String to;

    @Override
    public Integer call() throws InterruptedException {
        Topology t = admin.topology();
        Topology.Group g = admin.group(t, group);
        ClusterStatus.GroupStatus before = status(t, g);
        if (before.leader() == null) {
            throw new CliException("group " + g.id() + " has no leader now (" + replicasTried(before) + ")");
        }
        ClusterStatus.ReplicaStatus target = target(g, before);
        // Another replica may win the election the target runs (its timeout fired first): the
        // new leader is then asked again, up to ATTEMPTS times.
        ClusterStatus.GroupStatus current = before;
        for (int attempt = 1; ; attempt++) {
            ClusterStatus.GroupStatus now = handOver(t, g, current, target);
            String line = "group " + g.id() + ": leader " + current.leader() + " -> " + now.leader() + " (ballot " + now.ballot() + ")";
            if (now.leader().equals(target.id())) {
                admin.app().out().println(line + (attempt > 1 ? " at attempt " + attempt : ""));
                return Boom.OK;
            }
            if (attempt == ATTEMPTS) {
                throw new CliException(line + ", not " + target.id() + ", " + ATTEMPTS + " times: it lost the election each time"
                    + " (down, cut off or too slow)");
            }
            admin.app().out().println(line + ", not " + target.id() + ": asking " + now.leader() + " to hand over");
            current = now;
        }
    }

    /** Asks the leader of {@code before} to hand over to {@code target}; returns the status once another replica leads. */
    private ClusterStatus.GroupStatus handOver(Topology t, Topology.Group g, ClusterStatus.GroupStatus before,
                                               ClusterStatus.ReplicaStatus target) throws InterruptedException {
        Topology.Replica leader = (Topology.Replica) t.node(before.leader()).orElseThrow();
        try {
            AdminCommand.post(leader.metricsAddress(), "transfer-leader?to=" + target.address(), 5_000);
        } catch (IOException e) {
            throw new CliException("the leader " + leader.id() + " (" + leader.metricsAddress() + ") did not take the request: "
                + e.getMessage());
        }
        long start = System.currentTimeMillis();
        while (System.currentTimeMillis() - start < WAIT_MS) {
            ClusterStatus.GroupStatus now = status(t, g);
            if (now.leader() != null && !now.leader().equals(before.leader())) {
                return now;
            }
            Thread.sleep(50);
        }
        throw new CliException("group " + g.id() + ": no new leader within " + WAIT_MS + " ms (" + before.leader() + " was asked to hand over to "
            + target.id() + ")");
    }

    private static ClusterStatus.GroupStatus status(Topology t, Topology.Group g) {
        return ClusterStatus.read(t).groups().stream().filter(x -> x.id().equals(g.id())).findFirst().orElseThrow();
    }

    private static String replicasTried(ClusterStatus.GroupStatus s) {
        return String.join(", ", s.replicas().stream().map(r -> r.id() + " " + r.role()).toList());
    }

    /** The replica asked for, or the live follower least behind; never the leader or one that is down. */
    private ClusterStatus.ReplicaStatus target(Topology.Group g, ClusterStatus.GroupStatus s) {
        if (to == null) {
            return s.replicas().stream().filter(r -> r.role().equals("follower"))
                .min(Comparator.comparingLong(ClusterStatus.ReplicaStatus::lag))
                .orElseThrow(() -> new CliException("group " + g.id() + " has no live follower to lead (" + replicasTried(s) + ")"));
        }
        ClusterStatus.ReplicaStatus r = s.replicas().stream().filter(x -> x.id().equals(to)).findFirst()
            .orElseThrow(() -> new CliException("no replica " + to + " in group " + g.id() + "; its replicas are "
                + String.join(", ", g.replicas().stream().map(Topology.Replica::id).toList())));
        if (r.role().equals("leader")) {
            throw new CliException(to + " leads group " + g.id() + " already");
        }
        if (r.role().equals("down")) {
            throw new CliException(to + " is down (" + r.failure() + ")");
        }
        return r;
    }
}
