package io.boomfs.deploy.olg;

import io.boomfs.deploy.Boom;
import io.boomfs.engine.runtime.NodeServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code boom olg serve FILE --addr HOST:PORT ...}: runs one node of an Overlog program as this
 * process, over Aeron with a Chronicle Queue log, until Ctrl-C or SIGTERM. The node itself is
 * {@link NodeServer} in the engine; this class only maps the options and resolves paths.
 */
@Command(name = "serve",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Run one node of an Overlog program over the network until Ctrl-C or SIGTERM.",
        "",
        "Prints READY NAME HOST:PORT once it listens, then the changes of the --print relations (+tuple, -tuple). "
            + "Errors (port in use, unreadable data directory, program errors) are one line and exit code 1; an unusable "
            + "--cluster-key file, exit code 2."})
public final class OlgServeCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The program (.olg).")
    private String file;

    @Option(names = "--addr", required = true, paramLabel = "[NAME=]HOST:PORT",
        description = "This node's UDP endpoint; NAME is its Overlog address (default: HOST:PORT itself).")
    private String addr;

    @Option(names = "--peers", paramLabel = "[NAME=]HOST:PORT,...", description = "Other nodes, connected at start.")
    private String peers;

    @Option(names = "--facts", paramLabel = "DIR",
        description = "Facts: DIR/<relation>.csv, or DIR/<NAME>/<relation>.csv when that directory exists.")
    private String facts;

    @Option(names = "--data", paramLabel = "DIR", description = "The write-ahead log and snapshots of the durable tables.")
    private String data;

    @Option(names = "--durability", paramLabel = "sync|async", defaultValue = "sync",
        description = "sync: a step's log is msynced before its messages leave (default); async: left to the OS.")
    private String durability;

    @Option(names = "--aeron-dir", paramLabel = "DIR", description = "Use the external media driver in DIR instead of an embedded one.")
    private String aeronDir;

    @Option(names = "--print", paramLabel = "REL,...", description = "Print the changes of these relations to stdout.")
    private String print;

    @Option(names = "--snapshot-every", paramLabel = "N", defaultValue = "100000", description = "Log excerpts between snapshots (0: never).")
    private long snapshotEvery;

    @Option(names = "--cluster-key", paramLabel = "FILE",
        description = "A cluster key (boom keygen): sign every frame and accept only signed ones, or the program's open_message relations.")
    private String clusterKey;

    @Option(names = "--low-latency",
        description = "Driver and node threads yield instead of parking when idle: about 30 us round trips instead of 450, at the cost of a busy core.")
    private boolean lowLatency;

    @Override
    public Integer call() {
        Boom app = OlgCommand.app(spec);
        List<String> args = new ArrayList<>(List.of(app.path(file).toString(), "--addr", addr, "--durability", durability,
            "--snapshot-every", Long.toString(snapshotEvery)));
        if (peers != null) {
            args.addAll(List.of("--peers", peers));
        }
        if (facts != null) {
            args.addAll(List.of("--facts", app.path(facts).toString()));
        }
        if (data != null) {
            args.addAll(List.of("--data", app.path(data).toString()));
        }
        if (aeronDir != null) {
            args.addAll(List.of("--aeron-dir", aeronDir));
        }
        if (print != null) {
            args.addAll(List.of("--print", print));
        }
        if (lowLatency) {
            args.add("--low-latency");
        }
        if (clusterKey != null) {
            args.addAll(List.of("--cluster-key", app.path(clusterKey).toString()));
        }
        return NodeServer.serve(args.toArray(new String[0]), app.out(), app.err());
    }
}
