package io.boomfs.deploy.status;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.deploy.topology.Topology;
import io.boomfs.deploy.topology.TopologyCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code boom status}: the cluster as its nodes' metrics endpoints tell it ({@link ClusterStatus}).
 * A node that does not answer is shown down; when none answers, the command fails naming the
 * addresses it tried.
 */
@Command(name = "status",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Show the cluster: groups, replicas with leader, ballot, applied and commit index and lag, datanodes with "
        + "chunks and capacity, and the vparts of each group.", "",
        "Read from every node's metrics endpoint (http://HOST:METRICSPORT/metrics); a node that does not answer is down."})
public final class StatusCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--topology", paramLabel = "FILE", description = "The topology file (default: " + TopologyCommand.DEFAULT + ").")
    private String topology;

    @Option(names = "--json", description = "Print JSON for scripts instead of a table.")
    private boolean json;

    @Override
    public Integer call() {
        Boom app = (Boom) spec.root().userObject();
        Topology t = TopologyCommand.load(app, topology);
        ClusterStatus s = ClusterStatus.read(t);
        if (s.unreachable()) {
            throw new CliException("cannot reach cluster " + t.cluster() + " (" + t.source() + "): no node answered at "
                + s.addressesTried() + "; is it up (boom up)?");
        }
        app.out().print(json ? s.json() : s.table());
        return Boom.OK;
    }
}
