package io.boomfs.deploy.admin;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.deploy.status.ClusterStatus;
import io.boomfs.deploy.status.Scrape;
import io.boomfs.deploy.topology.Topology;
import io.boomfs.deploy.topology.TopologyCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code boom admin}: operating a running cluster. Through its nodes' HTTP endpoints:
 * {@code partitions} (each group's initial vparts and load from its metrics), {@code snapshot
 * GROUP} has every replica of a group write a snapshot now, {@code transfer-leader GROUP [--to ID]}
 * hands a group's leadership to another replica. Through the shard groups ({@link VpartCommands}):
 * {@code map} (the live partition map), {@code move-vpart V --to GROUP}, {@code rebalance}.
 */
@Command(name = "admin",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = "Operate a running cluster: its partitions, snapshots, leadership.",
    subcommands = {AdminCommand.Partitions.class, VpartCommands.Show.class, VpartCommands.Move.class, VpartCommands.Rebalance.class,
        AdminCommand.Snapshot.class, TransferLeaderCommand.class, UserCommands.class, CommandLine.HelpCommand.class})
public final class AdminCommand implements Callable<Integer> {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    @Spec
    private CommandSpec spec;

    @Option(names = "--topology", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
        description = "The topology file (default: " + TopologyCommand.DEFAULT + ").")
    private String topology;

    @Option(names = "--token-file", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
        description = "Act as the user of this token (a superuser's, where the cluster runs with sm.auth; default: $BOOMFS_TOKEN_FILE).")
    private java.nio.file.Path tokenFile;

    @Override
    public Integer call() {
        return Boom.missingCommand(spec);
    }

    /** The token of --token-file or $BOOMFS_TOKEN_FILE, or null when neither names one. */
    io.boomfs.meta.Tokens.Token token() {
        return app().token(tokenFile);
    }

    Boom app() {
        return (Boom) spec.root().userObject();
    }

    Topology topology() {
        return TopologyCommand.load(app(), topology);
    }

    /** POSTs {@code /admin/ACTION} to a node: its one-line answer, or an IOException saying why not. */
    static String post(String address, String action, long timeoutMs) throws IOException {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + address + "/admin/" + action))
            .timeout(Duration.ofMillis(timeoutMs)).POST(HttpRequest.BodyPublishers.noBody()).build();
        try {
            HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("HTTP " + r.statusCode() + ": " + r.body().strip());
            }
            return r.body().strip();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** A group of the topology, or an error that lists the groups. */
    Topology.Group group(Topology t, String id) {
        return t.group(id).orElseThrow(() -> new CliException("no group " + id + " in " + t.source() + "; its groups are "
            + String.join(", ", t.groups().stream().map(Topology.Group::id).toList())));
    }

    @Command(name = "partitions", mixinStandardHelpOptions = true, versionProvider = Boom.Version.class,
        description = {"Each group's leader and load from its metrics (ops applied, files, directories, chunks).",
            "The live vpart -> group map (after moves): boom admin map."})
    static final class Partitions implements Callable<Integer> {
        @ParentCommand
        private AdminCommand admin;

        @Override
        public Integer call() {
            Topology t = admin.topology();
            ClusterStatus s = ClusterStatus.read(t);
            if (s.unreachable()) {
                throw new CliException("cannot reach cluster " + t.cluster() + ": no node answered at " + s.addressesTried());
            }
            Boom app = admin.app();
            app.out().printf("initial partition map: %d vparts over %d group(s), vpart v in group v mod %d (moves: boom admin map)%n",
                t.vparts(), t.groups().size(), t.groups().size());
            app.out().printf("%-11s %-6s %-8s %8s %12s %8s %8s %8s%n", "VPARTS", "GROUP", "LEADER", "COUNT", "OPS APPLIED", "FILES", "DIRS",
                "CHUNKS");
            for (ClusterStatus.GroupStatus g : s.groups()) {
                Scrape leader = g.leader() == null ? null : Scrape.of(t.node(g.leader()).orElseThrow().metricsAddress(), ClusterStatus.TIMEOUT_MS);
                int i = s.groups().indexOf(g);
                app.out().printf("%-11s %-6s %-8s %8d %12s %8s %8s %8s%n", s.groups().size() == 1 ? "0-" + (t.vparts() - 1)
                        : "v%" + s.groups().size() + "=" + i, g.id(),
                    g.leader() == null ? "(none)" : g.leader(), g.vpartsAtStart(), g.leader() == null ? "-" : Long.toString(g.opsApplied()),
                    rows(leader, "inode"), rows(leader, "dir"), rows(leader, "fchunk"));
            }
            return Boom.OK;
        }

        private static String rows(Scrape s, String table) {
            return s == null ? "-" : s.sample("boom_meta_rows", "table", table).map(x -> Long.toString((long) x.value())).orElse("-");
        }
    }

    @Command(name = "snapshot", mixinStandardHelpOptions = true, versionProvider = Boom.Version.class,
        description = "Have every replica of GROUP write a snapshot of its durable tables now (a replica restarts from its latest).")
    static final class Snapshot implements Callable<Integer> {
        @ParentCommand
        private AdminCommand admin;

        @Parameters(index = "0", paramLabel = "GROUP", description = "The group's id in the topology (g1, ...).")
        private String group;

        @Override
        public Integer call() {
            Topology t = admin.topology();
            Topology.Group g = admin.group(t, group);
            List<String> failed = new ArrayList<>();
            for (Topology.Replica r : g.replicas()) {
                try {
                    admin.app().out().println(r.id() + ": " + post(r.metricsAddress(), "snapshot", 70_000));
                } catch (IOException e) {
                    failed.add(r.id() + " (" + r.metricsAddress() + "): " + e.getMessage());
                }
            }
            if (!failed.isEmpty()) {
                throw new CliException("no snapshot from " + String.join("\n", failed));
            }
            return Boom.OK;
        }
    }
}
