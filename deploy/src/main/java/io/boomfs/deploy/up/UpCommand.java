package io.boomfs.deploy.up;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.deploy.status.ClusterStatus;
import io.boomfs.deploy.topology.Hosts;
import io.boomfs.deploy.topology.Topology;
import io.boomfs.deploy.topology.TopologyCommand;
import io.boomfs.engine.runtime.ClusterKey;
import io.boomfs.engine.runtime.ProcessStop;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code boom up [TOPOLOGY]}: validates a topology, then runs every node of it whose host is
 * this machine as a child process ({@code boom node}, each with its log file), waits for a
 * leader in every group, prints the status and then one line per event until Ctrl-C or SIGTERM,
 * which stops every child. With {@code --restart} a child that dies is started again.
 */
@Command(name = "up",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Start the nodes of a topology that are on this host, wait for the leaders, print the status, then "
        + "report events (leader changes, deaths, restarts) until Ctrl-C or SIGTERM, which stops them all.", "",
        "Each node runs as `boom node --topology T --id ID`; its output goes to LOGDIR/ID.log (logDir in the topology, "
            + "default boom-data/CLUSTER/logs). Ports in use and unwritable directories are reported before anything starts."})
public final class UpCommand implements Callable<Integer> {
    private static final long READY_TIMEOUT_MS = 60_000;
    private static final long LEADER_TIMEOUT_MS = 30_000;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TOPOLOGY", description = "The topology file (default: " + TopologyCommand.DEFAULT + ").")
    private String topology;

    @Option(names = "--restart", description = "Restart a node that dies (at most once a second).")
    private boolean restart;

    @Override
    public Integer call() {
        Boom app = (Boom) spec.root().userObject();
        Topology t = TopologyCommand.load(app, topology);
        List<Topology.Node> local = t.nodes().stream().filter(n -> Hosts.isLocal(n.host())).toList();
        if (local.isEmpty()) {
            throw new CliException("no node of " + t.source() + " is on this host (" + Hosts.describeLocal()
                + "); run `boom node --topology T --id ID` on each host instead");
        }
        Path logDir = app.path(t.logDir()).toAbsolutePath();
        Preflight.check(local, d -> app.path(d).toAbsolutePath(), logDir);
        String auth = membershipAuth(app, t);
        String users = clientAuth(app, t);
        Path file = Path.of(t.source()).toAbsolutePath();
        List<Child> children = new ArrayList<>();
        for (Topology.Node n : local) {
            children.add(new Child(n, n instanceof Topology.Replica r ? t.groupOf(r) : null, file, app.path(n.dataDir()).toAbsolutePath(),
                logDir.resolve(n.id() + ".log")));
        }
        PrintStream out = app.out();
        ProcessStop stop = ProcessStop.install("boom-up-shutdown");
        Supervisor sup = new Supervisor(t, children, restart, out);
        try {
            sup.event("cluster " + t.cluster() + " from " + t.source() + ": starting " + local.size() + " of its " + t.nodes().size()
                + " nodes on this host; logs in " + logDir);
            sup.event(auth);
            sup.event(users);
            sup.startAll();
            sup.awaitReady(READY_TIMEOUT_MS);
            sup.awaitLeaders(LEADER_TIMEOUT_MS);
            out.print(ClusterStatus.read(t).table());
            sup.event("up; Ctrl-C stops every node" + (restart ? "; nodes that die are restarted" : ""));
            stop.await(sup::watch);
            sup.event("stopping " + local.size() + " nodes...");
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage());
        } finally {
            sup.close();
            sup.event("stopped");
            stop.closed();
        }
        return Boom.OK;
    }

    /**
     * The line that says whether clients must prove their user; the root token file is read once
     * here, as the key is, so that a bad one stops {@code up} before any node starts.
     */
    private static String clientAuth(Boom app, Topology t) {
        if (t.rootTokenFile() == null) {
            return "clients are not authenticated: a request that names a user is believed, one that names none acts as a"
                + " superuser (security.rootTokenFile in the topology; README, Security)";
        }
        try {
            io.boomfs.meta.Tokens.read(app.path(t.rootTokenFile()), "root");
            return "client auth on: every request proves its user with a token (root's is " + t.rootTokenFile()
                + "; boom admin --token-file " + t.rootTokenFile() + " user add NAME)";
        } catch (IllegalArgumentException e) {
            throw new CliException(Boom.USAGE, e.getMessage());
        }
    }

    /**
     * The line that says whether the cluster runs with membership auth. The key file is read
     * once here, so that a bad one stops {@code up} before any node starts (exit code 2, as each
     * node would), rather than every node dying with the same line in its log.
     */
    private static String membershipAuth(Boom app, Topology t) {
        if (t.clusterKeyFile() == null) {
            return "the cluster runs without membership auth: anyone who reaches its ports can join, vote and report"
                + " (security.clusterKeyFile in the topology; README, Security)";
        }
        try {
            ClusterKey key = ClusterKey.load(app.path(t.clusterKeyFile()));
            return "membership auth on: every frame between nodes is signed with the cluster key " + key.fingerprint()
                + " of " + t.clusterKeyFile();
        } catch (ClusterKey.KeyFileException e) {
            throw new CliException(Boom.USAGE, e.getMessage());
        }
    }
}
