package io.boomfs.deploy.bench;

import io.boomfs.deploy.CliException;
import io.boomfs.deploy.group.Console;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the phases of {@code boom bench meta} on one {@link MetaTarget}: for each, what it needs
 * (made with up to {@link #SETUP_SESSIONS} sessions), then a closed loop of {@code sessions}
 * sessions: {@code warmupS} seconds not counted, {@code seconds} measured. The same code for
 * every system, so that their figures compare.
 */
public final class PhaseRunner {
    /** How the phases run. */
    public record Settings(List<Phase> phases, int sessions, int warmupS, int seconds) {
    }

    private static final int SETUP_SESSIONS = 64;
    private static final long SETUP_TIMEOUT_MS = 300_000;
    private static final long STOP_TIMEOUT_MS = 60_000;

    private PhaseRunner() {
    }

    /**
     * The figures of each phase, in order; {@code say} gets a progress line as each ends.
     *
     * @throws CliException when an operation failed (the first failures are in the message)
     */
    public static List<PhaseResult> run(MetaTarget target, Settings settings, Consumer<String> say) {
        List<PhaseResult> results = new ArrayList<>();
        List<Phase> prepared = new ArrayList<>();
        for (Phase phase : settings.phases()) {
            if (prepared.stream().noneMatch(p -> Workload.sameSetup(p, phase))) {
                long t0 = System.nanoTime();
                int n = setup(target, Workload.setup(phase, settings.sessions()));
                say.accept(String.format("bench meta: %s: %s: %d setup operations in %.1f s", target.system(), phase.label(), n,
                    (System.nanoTime() - t0) / 1e9));
                prepared.add(phase);
            }
            PhaseResult r = measure(target, phase, settings);
            say.accept(String.format("bench meta: %s: %s: %,.0f ops/s, p50 %.2f ms, p99 %.2f ms; CPU per op %.0f us (server %.0f us)",
                target.system(), phase.label(), r.opsPerS(), r.p50Ms(), r.p99Ms(), r.cpuUsPerOp(), r.serverCpuUsPerOp()));
            results.add(r);
        }
        return results;
    }

    private static int setup(MetaTarget target, List<List<Op>> stages) {
        int n = 0;
        for (List<Op> stage : stages) {
            int sessions = Math.min(SETUP_SESSIONS, stage.size());
            ClosedLoop loop = new ClosedLoop(target, sessions, (s, k) -> {
                long i = s + k * sessions;
                return i < stage.size() ? stage.get((int) i) : null;
            });
            loop.start().awaitDone(SETUP_TIMEOUT_MS);
            check(target, "setup", loop);
            n += stage.size();
        }
        return n;
    }

    private static PhaseResult measure(MetaTarget target, Phase phase, Settings settings) {
        ClosedLoop loop = new ClosedLoop(target, settings.sessions(), (s, n) -> Workload.op(phase, s, n)).start();
        Console.sleepUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.warmupS()));
        loop.measure();
        Console.sleepUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.seconds()));
        loop.stop(STOP_TIMEOUT_MS);
        check(target, phase.label(), loop);
        PhaseResult r = loop.result(phase);
        if (r.ops() == 0) {
            throw new CliException(target.system() + ": " + phase.label() + ": no operation was answered in " + settings.seconds()
                + " s");
        }
        return r;
    }

    private static void check(MetaTarget target, String what, ClosedLoop loop) {
        if (loop.failed() > 0) {
            throw new CliException(target.system() + ": " + what + ": " + loop.failed() + " operations failed, e.g. "
                + String.join("; ", loop.failures()));
        }
    }
}
