package io.boomfs.chaos.workload;

import io.boomfs.chaos.cluster.ClusterControl;
import io.boomfs.chaos.cluster.NodeSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * The faults a schedule draws from. Each starts on a target chosen from the cluster's state (the
 * leader as the replicas announce it) or from the schedule's seeded random source, and returns
 * how to end it (restart, resume, heal).
 */
public enum Nemesis {
    KILL_LEADER(false, false),
    KILL_RANDOM(false, false),
    PAUSE_LEADER(false, false),
    PARTITION_LEADER(true, false),
    PARTITION_HALVES(true, false),
    KILL_DATANODE(false, true);

    /** A started fault: on whom, and how to end it. */
    public record Active(String target, Runnable end) {
    }

    private final boolean partitions;
    private final boolean datanodes;

    Nemesis(boolean partitions, boolean datanodes) {
        this.partitions = partitions;
        this.datanodes = datanodes;
    }

    /** {@code kill-leader}, as the command line and reports name it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The nemesis called {@code label}; the error lists the names. */
    public static Nemesis of(String label) {
        for (Nemesis n : values()) {
            if (n.label().equals(label)) {
                return n;
            }
        }
        throw new IllegalArgumentException("no nemesis " + label + "; there are " + java.util.Arrays.stream(values()).map(Nemesis::label).toList());
    }

    public boolean needsPartitions() {
        return partitions;
    }

    public boolean needsDatanodes() {
        return datanodes;
    }

    /** Starts the fault, or returns empty when its target does not exist now (no leader is known). */
    public Optional<Active> start(ClusterControl c, Random random) {
        List<String> replicas = ids(c, NodeSpec.Role.REPLICA);
        Optional<String> leader = c.leader();
        return switch (this) {
            case KILL_LEADER -> leader.map(l -> killAndRestart(c, l));
            case KILL_RANDOM -> Optional.of(killAndRestart(c, replicas.get(random.nextInt(replicas.size()))));
            case PAUSE_LEADER -> leader.map(l -> {
                c.pause(l);
                return new Active(l, () -> c.resume(l));
            });
            case PARTITION_LEADER -> leader.map(l -> {
                List<String> rest = new ArrayList<>(replicas);
                rest.remove(l);
                c.partition(List.of(Set.of(l), Set.copyOf(rest)));
                return new Active(l + " | " + rest, c::heal);
            });
            case PARTITION_HALVES -> {
                List<String> shuffled = new ArrayList<>(replicas);
                java.util.Collections.shuffle(shuffled, random);
                int half = shuffled.size() / 2;
                Set<String> a = Set.copyOf(shuffled.subList(0, half));
                Set<String> b = Set.copyOf(shuffled.subList(half, shuffled.size()));
                c.partition(List.of(a, b));
                yield Optional.of(new Active(a + " | " + b, c::heal));
            }
            case KILL_DATANODE -> {
                List<String> dns = ids(c, NodeSpec.Role.DATANODE);
                yield Optional.of(killAndRestart(c, dns.get(random.nextInt(dns.size()))));
            }
        };
    }

    private static Active killAndRestart(ClusterControl c, String id) {
        c.kill(id);
        return new Active(id, () -> c.start(id));
    }

    private static List<String> ids(ClusterControl c, NodeSpec.Role role) {
        return c.nodes().stream().filter(n -> n.role() == role).map(NodeSpec::id).toList();
    }
}
