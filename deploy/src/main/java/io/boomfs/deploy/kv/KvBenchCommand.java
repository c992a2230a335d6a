package io.boomfs.deploy.kv;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.deploy.group.Console;
import io.boomfs.deploy.group.GroupOptions;
import io.boomfs.deploy.group.ReplicaGroup;
import io.boomfs.paxos.kv.KvClient;
import io.boomfs.paxos.kv.KvLoad;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code boom kv-bench}: figures of the replicated key-value store on three replica processes on
 * loopback. Write throughput with pipelined sessions, one session's latency, linearizable read
 * throughput, and the write pause of K leader kills (SIGKILL, then the replica restarted on its
 * data directory). Figures are printed, nothing is asserted: this machine is shared, so compare
 * figures taken in one run.
 */
@Command(name = "kv-bench",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Measure the replicated key-value store: pipelined writes, one session's latency, linearizable reads "
        + "and leader failover.",
        "",
        "Starts 3 replica processes on loopback and stops them at the end. Prints figures; asserts nothing."})
public final class KvBenchCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--port-base", paramLabel = "PORT", defaultValue = "7111",
        description = "The replicas listen on 127.0.0.1:PORT, PORT+1 and PORT+2 (UDP; default ${DEFAULT-VALUE}).")
    private int portBase;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "10", description = "Length of each measurement (default ${DEFAULT-VALUE}).")
    private int seconds;

    @Option(names = "--warmup", paramLabel = "S", defaultValue = "30",
        description = "Seconds of pipelined writes, then 2 of reads, before measuring: fresh JVMs run the engine slowly "
            + "until they compiled it (default ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--sessions", paramLabel = "N", defaultValue = "256",
        description = "Sessions of the pipelined write and read loads (default ${DEFAULT-VALUE}).")
    private int sessions;

    @Option(names = "--kills", paramLabel = "K", defaultValue = "20", description = "Leader kills to measure failover with (default ${DEFAULT-VALUE}; 0: none).")
    private int kills;

    @Option(names = "--failover-sessions", paramLabel = "N", defaultValue = "16",
        description = "Sessions writing during the failover rounds (default ${DEFAULT-VALUE}).")
    private int failoverSessions;

    @Mixin
    private GroupOptions group;

    @Override
    public Integer call() {
        check(portBase >= 1024 && portBase <= 65533, "--port-base must be in 1024..65533, not " + portBase);
        check(seconds >= 1 && seconds <= 3_600, "--seconds must be in 1..3600, not " + seconds);
        check(warmup >= 0 && warmup <= 3_600, "--warmup must be in 0..3600, not " + warmup);
        check(sessions >= 1 && sessions <= 10_000, "--sessions must be in 1..10000, not " + sessions);
        check(failoverSessions >= 1 && failoverSessions <= 10_000, "--failover-sessions must be in 1..10000, not " + failoverSessions);
        check(kills >= 0 && kills <= 100, "--kills must be in 0..100, not " + kills);
        check(group.problem() == null, group.problem());
        Boom app = (Boom) spec.root().userObject();
        PrintStream out = app.out();
        ReplicaGroup.Options options = group.toGroup("kv-bench", ReplicaGroup.StateMachine.KV, portBase, null);
        return ReplicaGroup.run(options, line -> Console.say(out, line), group -> {
            bench(group, out);
            return Boom.OK;
        });
    }

    private void bench(ReplicaGroup group, PrintStream out) {
        KvClient client = group.client();
        String reads = "linearizable reads";
        if (warmup > 0) {
            run(group, new KvLoad(client, sessions, 4), warmup);
            run(group, KvLoad.reads(client, sessions, 4), 2);
            Console.say(out, "kv-bench: warmed up for " + (warmup + 2) + " s");
        }
        KvLoad w = run(group, new KvLoad(client, sessions, 4), seconds);
        Console.say(out, line("pipelined writes, " + sessions + " sessions", w, "writes"));
        KvLoad one = run(group, new KvLoad(client, 1, 4), seconds);
        Console.say(out, line("writes, 1 session", one, "writes"));
        KvLoad r = run(group, KvLoad.reads(client, sessions, 4), seconds);
        Console.say(out, line(reads + ", " + sessions + " sessions", r, "reads"));
        KvLoad r1 = run(group, KvLoad.reads(client, 1, 4), seconds);
        Console.say(out, line(reads + ", 1 session", r1, "reads"));
        if (kills > 0) {
            failover(group, out);
        }
    }

    private KvLoad run(ReplicaGroup group, KvLoad load, int secs) {
        load.start();
        Console.sleepUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(secs));
        load.stop(TimeUnit.SECONDS.toMillis(30));
        if (!load.failures().isEmpty()) {
            throw new CliException("operations failed: " + load.failures().get(0));
        }
        if (load.acked() == 0) {
            Boom app = (Boom) spec.root().userObject();
            app.err().print(group.dump());
            throw new CliException("no operation was answered in " + secs + " s (the replicas' output is above)");
        }
        return load;
    }

    private String line(String what, KvLoad load, String unit) {
        long[] acks = load.ackTimesNs();
        double rate = acks.length < 2 ? 0 : (acks.length - 1) / ((acks[acks.length - 1] - acks[0]) / 1e9);
        return String.format("kv-bench: %s, %d s: %.0f %s/s, latency p50 %.2f ms, p99 %.2f ms, max %.1f ms%s", what, seconds,
            rate, unit, load.latency().quantile(0.5) / 1e6, load.latency().quantile(0.99) / 1e6, load.latency().max() / 1e6,
            load.indeterminate() > 0 ? " (" + load.indeterminate() + " without an answer)" : "");
    }

    /** K rounds under a steady write load: kill the leader, wait for writes to resume, restart it, let it catch up. */
    private void failover(ReplicaGroup group, PrintStream out) {
        KvLoad load = new KvLoad(group.client(), failoverSessions, 8);
        load.start();
        List<Long> pauses = new ArrayList<>();
        long phaseStart = System.nanoTime();
        try {
            for (int k = 1; k <= kills; k++) {
                Console.sleepUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
                long killedAt = System.nanoTime();
                ReplicaGroup.Killed killed = group.killLeader();
                long ackedBefore = load.acked();
                long deadline = killedAt + TimeUnit.SECONDS.toNanos(30);
                while (load.acked() < ackedBefore + 100 && System.nanoTime() < deadline) {
                    Console.sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
                }
                if (load.acked() < ackedBefore + 100) {
                    Boom app = (Boom) spec.root().userObject();
                    app.err().print(group.dump());
                    throw new CliException("writes did not resume within 30 s of killing leader " + killed.address()
                        + " (the replicas' output is above)");
                }
                long pause = KvLoad.longestPauseNs(load.ackTimesNs(), killedAt, System.nanoTime());
                pauses.add(TimeUnit.NANOSECONDS.toMillis(pause));
                Console.say(out, String.format("kv-bench: failover round %d: killed %s (pid %d); writes paused %d ms; leader now %s",
                    k, killed.address(), killed.pid(), pauses.get(pauses.size() - 1), group.client().leader()));
                group.restart(killed.address());
            }
        } finally {
            load.stop(TimeUnit.SECONDS.toMillis(30));
        }
        List<Long> sorted = new ArrayList<>(pauses);
        Collections.sort(sorted);
        // The restarts can pause writes too (a restarted replica campaigns, or catches up): the
        // longest pause of the whole phase says so.
        long phasePause = KvLoad.longestPauseNs(load.ackTimesNs(), phaseStart, System.nanoTime());
        Console.say(out, String.format("kv-bench: failover, %d leader kills under %d sessions: write pause median %d ms, "
                + "max %d ms; longest pause of the whole phase (restarts included) %d ms", kills, failoverSessions,
            sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), TimeUnit.NANOSECONDS.toMillis(phasePause)));
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}
