package io.boomfs.deploy.bench;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.group.Console;
import io.boomfs.deploy.group.GroupOptions;
import io.boomfs.deploy.group.ReplicaGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code boom bench scale}: metadata throughput with 1 shard group, then 2 (issue 8's scale-out
 * figure), every group three replica processes on this host, the client driving ops with the
 * Router. On a host whose cores all groups share, the measured ratio says what the partitioning
 * costs, not what it gains; so it also prints the cost model's figure: each group's replicas'
 * CPU per op, measured, and the throughput if each group had a host like this one (cores /
 * busiest group's CPU per op).
 */
@Command(name = "scale",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Measure metadata throughput with 1 shard group and with N (3 replica processes each, on loopback).",
        "",
        "Prints the measured ops/s of each, and the CPU cost model: each group's replicas' CPU per op, and the throughput if "
            + "every group had a host of this one's cores (cores / the busiest group's CPU per op). One line per run: "
            + "bench-scale groups=... phase=... ops_per_s=... busiest_group_cpu_us_per_op=... modelled_ops_per_s=..."})
public final class ScaleBenchCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--groups", paramLabel = "N,...", split = ",", defaultValue = "1,2",
        description = "The group counts to measure, in order (default ${DEFAULT-VALUE}).")
    private List<Integer> counts;

    @Option(names = "--port-base", paramLabel = "PORT", defaultValue = "7131",
        description = "Group g's replicas listen on 127.0.0.1:PORT+10g .. PORT+10g+2 (UDP; default ${DEFAULT-VALUE}).")
    private int portBase;

    @Option(names = "--vparts", paramLabel = "N", defaultValue = "256", description = "Virtual partitions (default ${DEFAULT-VALUE}).")
    private long vparts;

    @Option(names = "--sessions", paramLabel = "N", defaultValue = "256",
        description = "Concurrent client sessions (default ${DEFAULT-VALUE}).")
    private int sessions;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "15", description = "Measured seconds (default ${DEFAULT-VALUE}).")
    private int seconds;

    @Option(names = "--warmup", paramLabel = "S", defaultValue = "15", description = "Warm-up seconds (default ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--phases", paramLabel = "P,...", split = ",", defaultValue = "create",
        description = "Phases: create, mkdirs, stat, list (default ${DEFAULT-VALUE}).")
    private List<String> phases;

    @Option(names = "--replica-heap", paramLabel = "SIZE", defaultValue = "2g", description = "Each replica's -Xmx (default ${DEFAULT-VALUE}).")
    private String replicaHeap;

    @Mixin
    private GroupOptions group;

    @Override
    public Integer call() {
        List<Phase> list = new ArrayList<>();
        for (String p : phases) {
            Phase phase = Phase.byOption(p.trim());
            check(phase != null, "--phases: unknown phase '" + p + "' (create, mkdirs, stat, list)");
            list.add(phase);
        }
        for (int n : counts) {
            check(n >= 1 && n <= 8, "--groups: a group count is 1..8, not " + n);
        }
        check(vparts >= 1 && vparts <= 1 << 20, "--vparts must be in 1..1048576, not " + vparts);
        check(sessions >= 1 && sessions <= 10_000, "--sessions must be in 1..10000, not " + sessions);
        check(group.problem() == null, group.problem());
        PhaseRunner.Settings settings = new PhaseRunner.Settings(List.copyOf(list), sessions, warmup, seconds);
        Boom app = (Boom) spec.root().userObject();
        PrintStream out = app.out();
        int cores = Runtime.getRuntime().availableProcessors();
        Console.say(out, "bench scale: groups " + counts + ", " + sessions + " sessions, " + vparts + " vparts; load average "
            + MetaBenchCommand.loadAverage());
        List<String> lines = new ArrayList<>();
        for (int n : counts) {
            List<ReplicaGroup> groups = new ArrayList<>();
            try {
                groups.addAll(ShardGroups.start("bench-scale", n, portBase, vparts, replicaHeap, ShardGroups.THROUGHPUT_GC, group, out));
                RoutedTarget target = new RoutedTarget(groups, vparts);
                for (PhaseResult r : PhaseRunner.run(target, settings, line -> Console.say(out, line))) {
                    long[] perGroup = target.lastGroupCpu();
                    double busiestUs = r.serverCpuUsPerOp();
                    double modelled = busiestUs > 0 ? cores * 1e6 / busiestUs : -1;
                    StringBuilder each = new StringBuilder();
                    for (long ns : perGroup) {
                        each.append(each.length() == 0 ? "" : "/").append(String.format("%.0f", ns / 1e3 / Math.max(1, r.ops())));
                    }
                    String line = String.format("bench-scale groups=%d phase=%s ops_per_s=%.0f p50_ms=%.2f p99_ms=%.2f"
                            + " group_cpu_us_per_op=%s busiest_group_cpu_us_per_op=%.1f modelled_ops_per_s=%.0f cores=%d",
                        n, r.phase().option(), r.opsPerS(), r.p50Ms(), r.p99Ms(), each, busiestUs, modelled, cores);
                    Console.say(out, line);
                    lines.add(line);
                }
            } finally {
                groups.forEach(ReplicaGroup::close);
            }
        }
        Console.say(out, "bench scale: done; load average " + MetaBenchCommand.loadAverage());
        lines.forEach(out::println);
        out.flush();
        return Boom.OK;
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}
