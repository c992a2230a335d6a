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
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code boom kv-demo}: the replicated key-value store at work. Starts three replica processes
 * on loopback, waits for a leader, runs a write load printing its rate every second, kills the
 * leader with SIGKILL part way, prints how long writes paused, then reads every key back and
 * checks that it holds its last acknowledged value. Everything it started is stopped at the end,
 * on an error and on Ctrl-C.
 */
@Command(name = "kv-demo",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Run the replicated key-value store: 3 replicas, a write load, a leader killed with SIGKILL half way, "
        + "then every acknowledged write read back.",
        "",
        "Exit code 0 when every key holds its last acknowledged value, 1 otherwise or on an error, 2 for bad options."})
public final class KvDemoCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--port-base", paramLabel = "PORT", defaultValue = "7101",
        description = "The replicas listen on 127.0.0.1:PORT, PORT+1 and PORT+2 (UDP; default ${DEFAULT-VALUE}).")
    private int portBase;

    @Option(names = "--sessions", paramLabel = "N", defaultValue = "16",
        description = "Client sessions writing at once, each with one put outstanding (default ${DEFAULT-VALUE}).")
    private int sessions;

    @Option(names = "--keys-per-session", paramLabel = "N", defaultValue = "8",
        description = "Keys each session writes in turn (default ${DEFAULT-VALUE}).")
    private int keysPerSession;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "10", description = "How long the load runs (default ${DEFAULT-VALUE}).")
    private int seconds;

    @Option(names = "--kill-at", paramLabel = "S", description = "When to kill the leader, in seconds into the load (default: half way).")
    private Double killAt;

    @Option(names = "--warmup", paramLabel = "S", defaultValue = "5",
        description = "Seconds of load before the one shown, on other keys, while the JVMs compile their hot paths "
            + "(default ${DEFAULT-VALUE}; 0: none).")
    private int warmup;

    @Option(names = "--data", paramLabel = "DIR",
        description = "The replicas' data directories go under DIR (kept); default: a fresh temporary directory, removed at the end.")
    private String data;

    @Mixin
    private GroupOptions group;

    @Override
    public Integer call() {
        validate();
        Boom app = (Boom) spec.root().userObject();
        PrintStream out = app.out();
        double kill = killAt != null ? killAt : seconds / 2.0;
        ReplicaGroup.Options options = group.toGroup("kv-demo", ReplicaGroup.StateMachine.KV, portBase, data == null ? null : app.path(data));
        return ReplicaGroup.run(options, line -> Console.say(out, line), group -> run(group, out, kill));
    }

    private int run(ReplicaGroup group, PrintStream out, double killAtSeconds) {
        KvClient client = group.client();
        if (warmup > 0) {
            Console.say(out, "kv-demo: warming up for " + warmup + " s (fresh JVMs run the engine slowly until they compiled it)");
            KvLoad warm = new KvLoad(client, sessions, keysPerSession, "warmup-");
            warm.start();
            Console.sleepUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup));
            warm.stop(TimeUnit.SECONDS.toMillis(30));
        }
        // Keys of this run only: a --data directory of an earlier run holds that run's values.
        KvLoad load = new KvLoad(client, sessions, keysPerSession, "run" + Long.toHexString(System.nanoTime() & 0xffffff) + "-");
        Console.say(out, "kv-demo: " + sessions + " sessions writing for " + seconds + " s, killing the leader at "
            + String.format("%.1f", killAtSeconds) + " s");
        long start = System.nanoTime();
        load.start();
        long killedAt = 0;
        long lastAcked = 0;
        for (int second = 1; second <= seconds; second++) {
            long tick = start + TimeUnit.SECONDS.toNanos(second);
            long killNs = start + (long) (killAtSeconds * 1e9);
            if (killedAt == 0 && killNs <= tick) {
                Console.sleepUntil(killNs);
                killedAt = System.nanoTime();
                ReplicaGroup.Killed k = group.killLeader();
                Console.say(out, String.format("kv-demo: kill -9 leader %s (pid %d) at %.1f s", k.address(), k.pid(),
                    (killedAt - start) / 1e9));
            }
            Console.sleepUntil(tick);
            long acked = load.acked();
            Console.say(out, String.format("%4d s  %7d ops/s  leader %s", second, acked - lastAcked,
                client.leader() == null ? "(none known)" : client.leader()));
            lastAcked = acked;
        }
        long end = System.nanoTime();
        load.stop(TimeUnit.SECONDS.toMillis(30));
        long[] acks = load.ackTimesNs();
        long pauseMs = 0;
        if (killedAt != 0) {
            pauseMs = TimeUnit.NANOSECONDS.toMillis(KvLoad.longestPauseNs(acks, killedAt, end));
            long before = lastBefore(acks, killedAt);
            Console.say(out, "failover: " + (before < 0 ? "no write was acknowledged before the kill"
                : "the last write before the kill was acknowledged " + TimeUnit.NANOSECONDS.toMillis(killedAt - before)
                + " ms before it") + "; writes paused " + pauseMs + " ms at most; leader now " + client.leader());
        }
        KvLoad.Verification v = load.verify(client.newSession());
        Console.say(out, "verify: " + v.keys() + " keys read back, " + v.matching() + " hold their last acknowledged value");
        for (String m : v.mismatches()) {
            Console.say(out, "verify: MISMATCH " + m);
        }
        double secs = (end - start) / 1e9;
        Console.say(out, String.format("summary: %d writes acknowledged in %.1f s (%.0f/s), %d without an answer; put latency p50 %.1f ms, "
                + "p99 %.1f ms%s; verification %s", acks.length, secs, acks.length / secs, load.indeterminate(),
            load.latency().quantile(0.5) / 1e6, load.latency().quantile(0.99) / 1e6,
            killedAt != 0 ? "; failover pause " + pauseMs + " ms" : "", v.passed() ? "passed" : "FAILED"));
        if (!load.failures().isEmpty()) {
            throw new CliException("puts failed for another reason than a timeout: " + load.failures().get(0));
        }
        if (!v.passed()) {
            throw new CliException("verification failed: " + (v.keys() - v.matching()) + " of " + v.keys()
                + " keys do not hold their last acknowledged value");
        }
        return Boom.OK;
    }

    private void validate() {
        check(portBase >= 1024 && portBase <= 65533, "--port-base must be in 1024..65533, not " + portBase);
        check(sessions >= 1 && sessions <= 10_000, "--sessions must be in 1..10000, not " + sessions);
        check(keysPerSession >= 1 && keysPerSession <= 100_000, "--keys-per-session must be in 1..100000, not " + keysPerSession);
        check(seconds >= 1 && seconds <= 86_400, "--seconds must be in 1..86400, not " + seconds);
        check(warmup >= 0 && warmup <= 3_600, "--warmup must be in 0..3600, not " + warmup);
        check(killAt == null || killAt > 0 && killAt < seconds, "--kill-at must be between 0 and --seconds (" + seconds
            + "), not " + killAt);
        check(group.problem() == null, group.problem());
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    static long lastBefore(long[] acks, long ns) {
        long last = -1;
        for (long t : acks) {
            if (t <= ns) {
                last = t;
            }
        }
        return last;
    }
}
