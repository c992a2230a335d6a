package io.boomfs.chaos;

import io.boomfs.chaos.workload.Nemesis;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code chaos}: one chaos run from the command line (what {@code chaos-tests/chaos} runs; the
 * {@code boom} script can hand its {@code chaos} command here). Prints the schedule as it plays,
 * then every verdict and failover figure; exit code 0 when every checker says valid, 1 when one
 * does not, 2 for a bad option or a run that could not be carried out.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
    description = {"Run a workload against a 3-replica group while a seeded schedule of faults plays, then check the history.",
        "Report in REPORT/<workload>-<time>-<seed>/: history.jsonl, results.json, timeline.html, logs/."})
public final class ChaosCommand implements Callable<Integer> {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)");

    @Option(names = "--workload", defaultValue = "kv", paramLabel = "kv|namespace",
        description = "Registers on the KV store, or namespace ops on a metadata shard (default ${DEFAULT-VALUE}).")
    private String workload;

    @Option(names = "--time", defaultValue = "60s", paramLabel = "DURATION", description = "How long the faults play: 500ms, 60s, 5m (default ${DEFAULT-VALUE}).")
    private String time;

    @Option(names = "--nemesis", split = ",", paramLabel = "NAME", description = "Faults to mix, comma-separated: kill-leader, kill-random, "
        + "pause-leader, partition-leader, partition-halves, kill-datanode (default: kill-leader,pause-leader,partition-leader).")
    private List<String> nemeses = new ArrayList<>(List.of("kill-leader", "pause-leader", "partition-leader"));

    @Option(names = "--seed", paramLabel = "N", description = "The schedule's seed (default: the clock); printed as SEED=.")
    private Long seed;

    @Option(names = "--threads", defaultValue = "5", paramLabel = "N", description = "Client threads (default ${DEFAULT-VALUE}).")
    private int threads;

    @Option(names = "--deadline", defaultValue = "2s", paramLabel = "DURATION",
        description = "How long a call waits for an answer before its outcome counts as unknown (default ${DEFAULT-VALUE}).")
    private String deadline;

    @Option(names = "--topology", paramLabel = "FILE", description = {"Take the cluster from a topology: its first group's "
        + "replica ids and settings (timing, --set), its datanodes' ids. Addresses stay the harness's own (a network namespace "
        + "per node as root, else loopback ports): the run never touches the topology's hosts."})
    private Path topology;

    @Option(names = "--loopback", description = "Run every node on 127.0.0.1 even as root (no partitions).")
    private boolean loopback;

    @Option(names = "--report", defaultValue = "chaos-tests/target/chaos", paramLabel = "DIR",
        description = "Where the run's report directory goes (default ${DEFAULT-VALUE}).")
    private Path report;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cl = new CommandLine(new ChaosCommand());
        cl.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("chaos: error: " + e.getMessage());
            return 2;
        });
        cl.setExecutionExceptionHandler((e, c, p) -> {
            c.getErr().println("chaos: error: " + e.getMessage());
            return 2;
        });
        cl.setErr(new PrintWriter(System.err, true));
        return cl.execute(args);
    }

    @Override
    public Integer call() {
        List<Nemesis> list = nemeses.stream().map(Nemesis::of).toList();
        long s = seed != null ? seed : System.nanoTime();
        ChaosRun.Options o = ChaosRun.Options.of(workload, list, durationMs(time), s, report).withClients(threads, !loopback)
            .withDeadlineMs(durationMs(deadline));
        if (topology != null) {
            o = o.withShape(ChaosRun.Shape.of(io.boomfs.deploy.topology.TopologyLoader.load(topology)));
        }
        return ChaosRun.run(o, System.out::println).valid() ? 0 : 1;
    }

    /** {@code 500ms}, {@code 60s}, {@code 5m} in milliseconds. */
    static long durationMs(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("a duration is a number with ms, s or m (500ms, 60s, 5m), not " + text);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1_000;
            default -> n * 60_000;
        };
    }
}
