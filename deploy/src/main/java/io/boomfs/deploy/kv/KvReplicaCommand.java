package io.boomfs.deploy.kv;

import io.boomfs.deploy.Boom;
import io.boomfs.paxos.ReplicaServer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code boom kv-replica}: runs one replica of the replicated key-value store as this process,
 * until Ctrl-C or SIGTERM. The replica itself is {@link ReplicaServer} in the paxos module (also
 * runnable as a main class); this class only maps the options and resolves the data directory.
 */
@Command(name = "kv-replica",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Run one replica of the replicated key-value store until Ctrl-C or SIGTERM.",
        "",
        "Prints READY HOST:PORT once it listens, then ROLE leader BALLOT / ROLE follower as its leadership changes. "
            + "Errors (port in use, unusable data directory, bad settings) are one line and exit code 1."})
public class KvReplicaCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--id", required = true, paramLabel = "HOST:PORT", description = "This replica's address and UDP endpoint.")
    private String id;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Group group;

    /** Either the group a replica starts with, or --join: it is taken in later through the log. */
    static final class Group {
        @Option(names = "--members", required = true, paramLabel = "HOST:PORT,...",
            description = "The group at its first start, this replica included; ids 1..N in this order. Later starts keep the "
                + "group they recover.")
        String members;

        @Option(names = "--join", required = true,
            description = "Start knowing no group: the group takes this replica in with the op [\"px_replace\", OLD, HOST:PORT, "
                + "NEW_ID] (KvClient.Session.submitAsync); until then it neither campaigns nor votes.")
        boolean join;
    }

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The replica's write-ahead log and snapshots.")
    private String data;

    @Option(names = "--durability", paramLabel = "sync|async", defaultValue = "sync",
        description = "sync: the log is msynced before a step's messages leave (default); async: left to the OS.")
    private String durability;

    @Option(names = "--seed", paramLabel = "N", description = "The seed of the election timeouts (default: random).")
    private Long seed;

    @Option(names = "--set", paramLabel = "NAME=VALUE",
        description = "A group setting (px_config): heartbeat_ms, election_min_ms, election_max_ms, lease_ms, drift_ppm, "
            + "window_slots, batch_max, batch_bytes, op_max_bytes, checkpoint_slots, retain_slots, catchup_slots, sm_lanes. Repeatable.")
    private List<String> settings = new ArrayList<>();

    @Option(names = "--low-latency", description = "Driver and node threads yield instead of parking when idle (a busy core).")
    private boolean lowLatency;

    @Override
    public Integer call() {
        Boom app = (Boom) spec.root().userObject();
        List<String> args = new ArrayList<>(List.of("--id", id));
        args.addAll(group.join ? List.of("--join") : List.of("--members", group.members));
        args.addAll(List.of("--data", app.path(data).toString(), "--durability", durability));
        if (seed != null) {
            args.addAll(List.of("--seed", Long.toString(seed)));
        }
        for (String s : settings) {
            args.addAll(List.of("--set", s));
        }
        if (lowLatency) {
            args.add("--low-latency");
        }
        return ReplicaServer.run("boom " + spec.name(), args.toArray(new String[0]), this::program, System.in, app.out(), app.err()) == 0
            ? Boom.OK : Boom.ERROR;
    }

    /** The program the replica runs: the key-value store. */
    protected io.boomfs.engine.program.Program program() {
        return ReplicaServer.program();
    }
}
