package io.boomfs.deploy.bench;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.group.Console;
import io.boomfs.deploy.group.GroupOptions;
import io.boomfs.deploy.group.ReplicaGroup;
import io.boomfs.meta.MetaReplica;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code boom bench meta}: the figures of one metadata shard group (three replica processes on
 * loopback, sync durability by default) under many concurrent client sessions: create+close of
 * empty files, mkdirs, stat (lease reads) and list of a 100-entry directory; with
 * {@code --compare}, the same phases against HDFS's NameNode (bench-hdfs) after it. Prints
 * progress, a table and one {@link PhaseResult} line per phase and system. Asserts nothing: the
 * machine is shared, so compare figures of one run.
 */
@Command(name = "meta",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Measure a metadata shard group (3 replica processes on loopback) under many client sessions: "
        + "create+close, mkdirs, stat, list(100).",
        "",
        "Each phase: setup, --warmup seconds not counted, --seconds measured. Prints a table and one line per phase: "
            + "bench-meta system=... phase=... ops_per_s=... p50_ms=... p99_ms=...",
        "--compare runs the same phases against HDFS (MiniDFSCluster, edit log fsynced) afterwards; build it once with: "
            + HdfsSide.BUILD})
public final class MetaBenchCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--port-base", paramLabel = "PORT", defaultValue = "7121",
        description = "The replicas listen on 127.0.0.1:PORT, PORT+1 and PORT+2 (UDP; default ${DEFAULT-VALUE}).")
    private int portBase;

    @Option(names = "--sessions", paramLabel = "N", defaultValue = "256",
        description = "Concurrent client sessions, each with one operation outstanding (default ${DEFAULT-VALUE}).")
    private int sessions;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "15", description = "Measured seconds of each phase (default ${DEFAULT-VALUE}).")
    private int seconds;

    @Option(names = "--warmup", paramLabel = "S", defaultValue = "15",
        description = "Seconds of each phase's load before it is measured: fresh JVMs run the engine slowly until they compiled "
            + "it (default ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--phases", paramLabel = "P,...", split = ",", defaultValue = "create,mkdirs,stat,list",
        description = "Which phases, in this order: create, mkdirs, stat, list (default ${DEFAULT-VALUE}).")
    private List<String> phases;

    @Option(names = "--compare", description = "Then run the same phases against HDFS (needs: " + HdfsSide.BUILD + ").")
    private boolean compare;

    @Option(names = "--replica-heap", paramLabel = "SIZE", defaultValue = "2g",
        description = "Each replica JVM's -Xmx: the shard holds every file made (default ${DEFAULT-VALUE}).")
    private String replicaHeap;

    @Mixin
    private GroupOptions group;

    @Override
    public Integer call() {
        PhaseRunner.Settings settings = validate();
        Boom app = (Boom) spec.root().userObject();
        PrintStream out = app.out();
        // Before the BoomFS phases: a missing HDFS side should not cost their minutes.
        Path hdfsModule = compare ? HdfsSide.moduleDir() : null;
        Console.say(out, "bench meta: " + sessions + " sessions, phases " + String.join(",", phases) + ": " + warmup
            + " s warm-up and " + seconds + " s measured each; load average " + loadAverage());
        ReplicaGroup.Options options = group.toGroup("bench-meta", stateMachine(), portBase, null);
        List<PhaseResult> boom = ReplicaGroup.run(options, line -> Console.say(out, line),
            g -> PhaseRunner.run(new BoomTarget(g), settings, line -> Console.say(out, line)));
        List<PhaseResult> hdfs = compare ? HdfsSide.run(hdfsModule, settings, line -> Console.say(out, line)) : List.of();
        Console.say(out, "bench meta: done; load average " + loadAverage());
        Report.table(boom, hdfs).forEach(out::println);
        boom.forEach(r -> out.println(r.line()));
        hdfs.forEach(r -> out.println(r.line()));
        out.flush();
        return Boom.OK;
    }

    /** The namespace rules on the replicated log, with a heap for the files the phases make. */
    private ReplicaGroup.StateMachine stateMachine() {
        return new ReplicaGroup.StateMachine(MetaReplica.class.getName(),
            List.of("-Xms256m", "-Xmx" + replicaHeap, "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20"), ShardOps.mkdirs(Workload.ROOT, System.currentTimeMillis()));
    }

    private PhaseRunner.Settings validate() {
        check(portBase >= 1024 && portBase <= 65533, "--port-base must be in 1024..65533, not " + portBase);
        check(sessions >= 1 && sessions <= 10_000, "--sessions must be in 1..10000, not " + sessions);
        check(seconds >= 1 && seconds <= 3_600, "--seconds must be in 1..3600, not " + seconds);
        check(warmup >= 0 && warmup <= 3_600, "--warmup must be in 0..3600, not " + warmup);
        check(replicaHeap.matches("[0-9]+[kmgKMG]?"), "--replica-heap is a size such as 2g or 512m, not " + replicaHeap);
        check(group.problem() == null, group.problem());
        List<Phase> list = new ArrayList<>();
        for (String p : phases) {
            Phase phase = Phase.byOption(p.trim());
            check(phase != null, "--phases: unknown phase '" + p + "' (create, mkdirs, stat, list)");
            check(!list.contains(phase), "--phases: " + p + " twice");
            list.add(phase);
        }
        return new PhaseRunner.Settings(List.copyOf(list), sessions, warmup, seconds);
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    /** The 1, 5 and 15 minute load averages: the machine is shared, and the figures depend on it. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2] + " (" + Runtime.getRuntime().availableProcessors() + " cores)";
        } catch (IOException | RuntimeException e) {
            return "(unknown: no /proc/loadavg)";
        }
    }
}
