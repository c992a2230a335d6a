package io.boomfs.deploy.datanode;

import io.boomfs.datanode.DatanodeServer;
import io.boomfs.deploy.Boom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code boom datanode}: runs one datanode as this process, until Ctrl-C or SIGTERM. The
 * datanode itself is {@link DatanodeServer} in the datanode module (also runnable as a main
 * class); this class only maps the options and resolves the data directory.
 */
@Command(name = "datanode",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Run one datanode (a chunk store and its data-transfer server) until Ctrl-C or SIGTERM.",
        "",
        "Prints READY ID HOST:PORT once it listens. Errors (port in use, unusable data directory, bad options) are one line "
            + "and exit code 1.",
        "",
        "With --node and --meta it also reports to the metadata shards over Aeron (heartbeats, chunk changes, full reports) "
            + "and runs their copy and delete commands."})
public final class DatanodeCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--id", required = true, paramLabel = "NAME", description = "The datanode's name, for logs.")
    private String id;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Where its chunks are kept (DIR/chunks).")
    private String data;

    @Option(names = "--port", required = true, paramLabel = "PORT", description = "The TCP port it listens on; 0 picks a free one.")
    private int port;

    @Option(names = "--capacity", required = true, paramLabel = "BYTES",
        description = "The most bytes of chunks it keeps: a number with an optional K, M, G or T (powers of 1024).")
    private String capacity;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "The address it listens on (default: ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--max-transfers", paramLabel = "N", description = "Concurrent reads and writes; more are refused as busy (default: 16).")
    private Integer maxTransfers;

    @Option(names = "--max-connections", paramLabel = "N", description = "Concurrent connections; more are refused as busy (default: 64).")
    private Integer maxConnections;

    @Option(names = "--connect-timeout-ms", paramLabel = "MS", description = "Connecting to the next datanode of a pipeline (default: 5000).")
    private Long connectTimeoutMs;

    @Option(names = "--request-timeout-ms", paramLabel = "MS",
        description = "Receiving a whole request after a connection opens (default: 10000).")
    private Long requestTimeoutMs;

    @Option(names = "--io-timeout-ms", paramLabel = "MS",
        description = "Each later step of a transfer: a 64 KiB frame, a reply (default: 30000).")
    private Long ioTimeoutMs;

    @Option(names = "--node", paramLabel = "HOST:PORT",
        description = "Its Aeron endpoint: its address (Dn) on the control path to the metadata shards; required with --meta.")
    private String node;

    @Option(names = "--meta", paramLabel = "HOST:PORT,...",
        description = "The replicas of a shard group, once per group in group order (or the groups joined by ';'): all are sent"
            + " heartbeats; a chunk's changes and reports go to the group owning its vpart. None: no control path.")
    private List<String> meta = new ArrayList<>();

    @Option(names = "--vparts", paramLabel = "N", description = "The cluster's virtual partitions (default: 256).")
    private Long vparts;

    @Option(names = "--heartbeat-ms", paramLabel = "MS", description = "How often it sends a heartbeat to every replica (default: 1000).")
    private Long heartbeatMs;

    @Option(names = "--report-ms", paramLabel = "MS", description = "How often it sends a full chunk report, besides at start (default: 60000).")
    private Long reportMs;

    @Option(names = "--aeron-dir", paramLabel = "DIR",
        description = "A media driver this host's processes share; default: an embedded one in a fresh /dev/shm directory.")
    private String aeronDir;

    @Override
    public Integer call() {
        Boom app = (Boom) spec.root().userObject();
        List<String> args = new ArrayList<>(List.of("--id", id, "--data", app.path(data).toString(), "--port", Integer.toString(port),
            "--capacity", capacity, "--host", host));
        // Only what was given: the datanode's own defaults apply to the rest.
        addIfGiven(args, "--max-transfers", maxTransfers);
        addIfGiven(args, "--max-connections", maxConnections);
        addIfGiven(args, "--connect-timeout-ms", connectTimeoutMs);
        addIfGiven(args, "--request-timeout-ms", requestTimeoutMs);
        addIfGiven(args, "--io-timeout-ms", ioTimeoutMs);
        addIfGiven(args, "--node", node);
        meta.forEach(m -> addIfGiven(args, "--meta", m));
        addIfGiven(args, "--vparts", vparts);
        addIfGiven(args, "--heartbeat-ms", heartbeatMs);
        addIfGiven(args, "--report-ms", reportMs);
        addIfGiven(args, "--aeron-dir", aeronDir);
        return DatanodeServer.run("boom datanode", args.toArray(new String[0]), System.in, app.out(), app.err()) == 0 ? Boom.OK : Boom.ERROR;
    }

    private static void addIfGiven(List<String> args, String option, Object value) {
        if (value != null) {
            args.add(option);
            args.add(value.toString());
        }
    }
}
