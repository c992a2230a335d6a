package io.boomfs.engine.runtime;

import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runtime's benchmarks, one command (engine/runtime-bench.sh):
 * <ol>
 *   <li>ping-pong round trips between two nodes in two processes over Aeron on loopback, driven
 *       by an Overlog ping/pong program (the pinger sends the next ping when a pong arrives);</li>
 *   <li>one-way throughput of small tuples from a node in this process to a node in another;</li>
 *   <li>durable steps per second in sync mode (one msynced excerpt per step), unbatched and
 *       batched, and the cost of Chronicle's msync next to a plain fdatasync of the same bytes.</li>
 * </ol>
 * Arguments: {@code [seconds per phase, default 5] [pingpong] [oneway] [durable] [auth]} (default:
 * the first three; {@code auth} is the CPU cost of signing and checking frames, in-process); {@code -Dbench.lowLatency=false} runs with the default idle strategies;
 * {@code -Dbench.auth=true} gives both nodes of the ping-pong and one-way phases a cluster key,
 * so that every frame is signed and checked ({@link FrameAuth}): the cost of membership auth.
 * Prints p50/p99 and rates.
 */
public final class RuntimeBench {
    static final String PINGPONG = """
        event ping(@To: addr, From: addr, N: long).
        event pong(@To: addr, From: addr, N: long).
        event start(Peer: addr).
        pong(@F, Me, N) :- ping(@Me, F, N).
        ping(@P, Me, 0) :- start(P), self(@Me).
        // The next ping leaves in the step where the pong arrives: one round trip per step pair.
        ping(@F, Me, N + 1) :- pong(@Me, F, N).
        """;

    static final String ONEWAY = """
        event out(Peer: addr, N: long).
        event msg(@To: addr, N: long).
        msg(@P, N) :- out(P, N).
        """;

    static final String DURABLE = """
        event w(N: long, V: string).
        event go(N: long).
        durable table wlog(N: long, V: string) key(N).
        wlog(N, V) :- w(N, V).
        // Unbatched: each step writes one tuple and schedules the next step's write.
        wlog(N, "x") :- go(N).
        go(N + 1)@next :- go(N), N < 100000000.
        event stop_go().
        """;

    static final boolean LOW_LATENCY = Boolean.parseBoolean(System.getProperty("bench.lowLatency", "true"));
    static final boolean AUTH = Boolean.getBoolean("bench.auth");
    /** The cluster key file both nodes read when {@link #AUTH}; written by main. */
    static Path keyFile;

    public static void main(String[] args) throws Exception {
        System.setProperty("slf4j.internal.verbosity", "ERROR");
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path tmp = Files.createTempDirectory(Path.of(System.getProperty("user.dir"), "target"), "runtime-bench");
        System.out.println("runtime benchmarks: " + seconds + " s per phase, " + Runtime.getRuntime().availableProcessors()
            + " cores, data in " + tmp);
        List<String> phases = args.length > 1 ? List.of(args).subList(1, args.length) : List.of("pingpong", "oneway", "durable");
        System.out.println("idle strategy: " + (LOW_LATENCY ? "low-latency (yield long before parking)" : "default backoff")
            + " (-Dbench.lowLatency=" + LOW_LATENCY + ")");
        if (AUTH) {
            keyFile = tmp.resolve("cluster.key");
            ClusterKey.generate(keyFile, false, new java.security.SecureRandom());
        }
        System.out.println("cluster membership auth: " + (AUTH ? "on, every frame signed and checked (HMAC-SHA256)" : "off")
            + " (-Dbench.auth=" + AUTH + ")");
        if (phases.contains("pingpong")) {
            pingPong(tmp, seconds);
        }
        if (phases.contains("oneway")) {
            oneWay(tmp, seconds);
        }
        if (phases.contains("durable")) {
            durable(tmp, seconds);
        }
        if (phases.contains("auth")) {
            frameAuth(seconds);
        }
    }

    /**
     * The CPU cost of membership auth alone, in this thread, no network: encoding a frame of one
     * small tuple, and of a full batch (about 8 KiB), unsigned and signed, then decoding it,
     * without a key and with one (MAC and replay check).
     */
    static void frameAuth(int seconds) {
        Program program = Programs.compile("auth.olg", ONEWAY);
        Schemas schemas = new Schemas(program);
        ClusterKey key = ClusterKey.random(new java.security.SecureRandom());
        for (int batch : new int[] {1, 400}) {
            List<Tuple> tuples = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                tuples.add(new Tuple("msg", "127.0.0.1:40001", (long) i));
            }
            for (boolean signed : new boolean[] {false, true}) {
                // A fixed clock: the counter then grows by one a frame, well within the window.
                AtomicLong clock = new AtomicLong(System.currentTimeMillis());
                FrameAuth sender = signed ? FrameAuth.of(key, java.util.Set.of(), clock::get) : null;
                FrameAuth receiver = signed ? FrameAuth.of(key, java.util.Set.of(), clock::get) : null;
                FrameEncoder enc = new FrameEncoder(schemas, "127.0.0.1:40000", AeronHost.MAX_FRAME_BYTES, sender);
                FrameDecoder dec = new FrameDecoder(schemas, 1 << 20, line -> { }, receiver);
                long[] frames = {0};
                long[] bytes = {0};
                long[] delivered = {0};
                FrameEncoder.Sink sink = new FrameEncoder.Sink() {
                    @Override
                    public void frame(org.agrona.DirectBuffer b, int offset, int length, int n) {
                        frames[0]++;
                        bytes[0] += length;
                        delivered[0] += dec.decode(b, offset, length, t -> { });
                    }

                    @Override
                    public void oversized(Tuple t, String why) {
                        throw new IllegalStateException(why);
                    }
                };
                long end = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < end) {
                    enc.encode(tuples, sink);
                }
                // The best of five windows: on a machine shared with other work, the least
                // disturbed window is the closest to the cost itself.
                double best = Double.MAX_VALUE;
                for (int w = 0; w < 5; w++) {
                    frames[0] = 0;
                    bytes[0] = 0;
                    long t0 = System.nanoTime();
                    end = t0 + seconds * 200_000_000L;
                    while (System.nanoTime() < end) {
                        for (int i = 0; i < 100; i++) {
                            enc.encode(tuples, sink);
                        }
                    }
                    best = Math.min(best, (System.nanoTime() - t0) / (double) frames[0]);
                }
                double ns = best;
                if (dec.refusedTotal() > 0) {
                    throw new IllegalStateException("frames refused: " + dec.refusedTotal());
                }
                System.out.printf("frame encode + decode, %d tuple(s) a frame (%d bytes), %s: %.2f us a frame (best of 5 windows)%n", batch,
                    bytes[0] / Math.max(1, frames[0]), signed ? "signed and checked (HMAC-SHA256)" : "without a key", ns / 1e3);
            }
        }
    }

    static Path write(Path dir, String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    static ProcessNode peer(String name, Path file, String addr, String peers) {
        List<String> args = new ArrayList<>(List.of(file.toString(), "--addr", addr, "--peers", peers));
        if (LOW_LATENCY) {
            args.add("--low-latency");
        }
        if (AUTH) {
            args.addAll(List.of("--cluster-key", keyFile.toString()));
        }
        ProcessNode p = ProcessNode.start(name, List.of("-Xmx512m", "-XX:+UseSerialGC"), NodeServer.class.getName(), args);
        p.awaitReady(60_000);
        return p;
    }

    static NodeServer.Config config(Path file, String name, String ep, Map<String, String> peers, Path data) {
        return new NodeServer.Config(file, name, ep, peers, null, data, DurableStore.Durability.SYNC, null, List.of(),
            0, 1 << 16, LOW_LATENCY).withClusterKey(AUTH && data == null ? ClusterKey.load(keyFile) : null);
    }

    // The peer is closed early on purpose, to read its metrics before the try block ends.
    @SuppressWarnings("try")
    static void pingPong(Path tmp, int seconds) throws Exception {
        Path file = write(tmp, "pingpong.olg", PINGPONG);
        Program program = NodeServer.compile(file);
        String a = FreePorts.loopbackEndpoint();
        String b = FreePorts.loopbackEndpoint();
        try (ProcessNode pong = peer("pong", file, "pong=" + b, "ping=" + a);
             NodeServer ping = NodeServer.start(program, config(file, "ping", a, Map.of("pong", b), null), null, System.out,
                 System.err::println)) {
            long[] samples = new long[4_000_000];
            AtomicLong count = new AtomicLong();
            long[] last = {0};
            boolean[] measuring = {false};
            ping.agent().subscribe("pong", c -> {
                long now = System.nanoTime();
                if (measuring[0] && last[0] != 0) {
                    int i = (int) count.getAndIncrement();
                    if (i < samples.length) {
                        samples[i] = now - last[0];
                    }
                }
                last[0] = now;
            });
            ping.agent().inject(new Tuple("start", "pong"));
            Thread.sleep(2000); // warm-up: JIT and page faults on both sides
            measuring[0] = true;
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            measuring[0] = false;
            double secs = (System.nanoTime() - t0) / 1e9;
            int n = (int) Math.min(count.get(), samples.length);
            long[] s = Arrays.copyOf(samples, n);
            Arrays.sort(s);
            System.out.printf("ping-pong RTT (2 processes, Overlog ping/pong over Aeron UDP loopback): p50 %.1f us, p90 %.1f us,"
                    + " p99 %.1f us, p99.9 %.1f us, max %.1f us; %d round trips, %.0f/s%n",
                q(s, 0.5) / 1e3, q(s, 0.9) / 1e3, q(s, 0.99) / 1e3, q(s, 0.999) / 1e3, s.length == 0 ? 0 : s[n - 1] / 1e3, n, n / secs);
            System.out.println("  pinger: " + ping.agent().describeMetrics());
            pong.close();
            System.out.println("  ponger: " + String.join(" ", ProcessConformanceTest.errLines(pong)));
        }
    }

    static long q(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))];
    }

    // The peer is closed early on purpose, to read its metrics before the try block ends.
    @SuppressWarnings("try")
    static void oneWay(Path tmp, int seconds) throws Exception {
        Path file = write(tmp, "oneway.olg", ONEWAY + """
            timer report_tick(100).
            event progress(@To: addr, Total: long).
            table total(Id: long, N: long) key(Id).
            total(0, 0).
            view batch_n(C: long).
            batch_n(count<N>) :- msg(@Me, N).
            total(0, T + C)@next :- batch_n(C), total(0, T).
            progress(@"sender", T) :- report_tick(), total(0, T).
            """);
        Program program = NodeServer.compile(file);
        String a = FreePorts.loopbackEndpoint();
        String b = FreePorts.loopbackEndpoint();
        try (ProcessNode receiver = peer("receiver", file, "receiver=" + b, "sender=" + a);
             NodeServer sender = NodeServer.start(program, config(file, "sender", a, Map.of("receiver", b), null), null,
                 System.out, System.err::println)) {
            AtomicLong received = new AtomicLong();
            sender.agent().subscribe("progress", c -> received.accumulateAndGet((Long) c.tuple().get(1), Math::max));
            long sent = 0;
            long window = 200_000;
            long end = System.nanoTime() + (seconds + 2) * 1_000_000_000L;
            long measureFrom = System.nanoTime() + 2_000_000_000L;
            long r0 = -1;
            long t0 = 0;
            NodeAgent ag = sender.agent();
            while (System.nanoTime() < end) {
                if (r0 < 0 && System.nanoTime() >= measureFrom) {
                    r0 = received.get();
                    t0 = System.nanoTime();
                }
                // A window over what the receiver reported: measures what it sustains, not what the queues drop.
                if (sent - received.get() < window) {
                    if (ag.inject(new Tuple("out", "receiver", sent))) {
                        sent++;
                    } else {
                        Thread.onSpinWait();
                    }
                } else {
                    Thread.sleep(0, 100_000);
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long r1 = received.get();
            System.out.printf("one-way throughput (2 processes, msg(@To, N) tuples): %.0f tuples/s received over %.1f s (%d sent in all)%n",
                (r1 - r0) / secs, secs, sent);
            System.out.println("  sender: " + ag.describeMetrics());
            receiver.close();
            System.out.println("  receiver: " + String.join(" ", ProcessConformanceTest.errLines(receiver)));
        }
    }

    static void durable(Path tmp, int seconds) throws Exception {
        Path file = write(tmp, "durable.olg", DURABLE);
        Program program = NodeServer.compile(file);
        // Unbatched: one durable tuple per step, each step's excerpt msynced before the next step.
        Path data = tmp.resolve("data-unbatched");
        try (NodeServer n = NodeServer.start(program, config(file, "d", FreePorts.loopbackEndpoint(), Map.of(), data), null, System.out,
            System.err::println)) {
            n.agent().inject(new Tuple("go", 0L));
            Thread.sleep(1000);
            long s0 = n.agent().metrics().steps.get();
            long t0 = System.nanoTime();
            n.agent().store().syncNanos().reset();
            Thread.sleep(seconds * 1000L);
            long s1 = n.agent().metrics().steps.get();
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("durable steps, sync mode, unbatched (1 tuple, 1 excerpt, 1 msync per step): %.0f steps/s; msync %s%n",
                (s1 - s0) / secs, n.agent().store().syncNanos().describeMicros());
        }
        // Batched: many tuples per step, still one excerpt and one msync per step.
        data = tmp.resolve("data-batched");
        try (NodeServer n = NodeServer.start(program, config(file, "d", FreePorts.loopbackEndpoint(), Map.of(), data), null, System.out,
            System.err::println)) {
            NodeAgent ag = n.agent();
            long v = 0;
            long end = System.nanoTime() + (seconds + 1) * 1_000_000_000L;
            long measureFrom = System.nanoTime() + 1_000_000_000L;
            long c0 = -1;
            long t0 = 0;
            while (System.nanoTime() < end) {
                if (c0 < 0 && System.nanoTime() >= measureFrom) {
                    c0 = ag.metrics().tuplesIn.get();
                    t0 = System.nanoTime();
                    ag.store().syncNanos().reset();
                }
                if (ag.inject(new Tuple("w", v, "value"))) {
                    v++;
                } else {
                    Thread.onSpinWait();
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long steps = ag.store().syncNanos().count();
            System.out.printf("durable tuples, sync mode, batched (all tuples that arrive in a step, 1 msync per step): %.0f tuples/s,"
                    + " %.0f steps/s, %.0f tuples per step; msync %s%n",
                (ag.metrics().tuplesIn.get() - c0) / secs, steps / secs, (ag.metrics().tuplesIn.get() - c0) / (double) Math.max(1, steps),
                ag.store().syncNanos().describeMicros());
        }
        msyncVersusFsync(program, tmp);
    }

    /** The same excerpt bytes, made durable by Chronicle's msync and by a plain write + fdatasync. */
    static void msyncVersusFsync(Program program, Path tmp) throws IOException {
        int n = 2000;
        List<StepResult.Change> one = List.of(new StepResult.Change(new Tuple("wlog", 1L, "x"), true));
        LatencyHistogram msync;
        LatencyHistogram fsync = new LatencyHistogram();
        byte[] bytes;
        try (DurableStore s = DurableStore.open(tmp.resolve("data-msync"), program, DurableStore.Durability.SYNC, line -> { })) {
            bytes = s.encodeForTest(1, one);
            for (int i = 0; i < n; i++) {
                s.append(i, one);
            }
            msync = s.syncNanos();
        }
        try (FileChannel ch = FileChannel.open(tmp.resolve("plain.log"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND)) {
            ByteBuffer bb = ByteBuffer.wrap(bytes);
            for (int i = 0; i < n; i++) {
                bb.clear();
                ch.write(bb);
                long t0 = System.nanoTime();
                ch.force(false);
                fsync.record(System.nanoTime() - t0);
            }
        }
        System.out.printf("msync vs fsync of the same %d-byte excerpt, %d each, alternating runs in one process:%n", bytes.length, n);
        System.out.println("  Chronicle appender.sync (msync): " + msync.describeMicros());
        System.out.println("  FileChannel.write + force(false) (fdatasync): " + fsync.describeMicros());
        System.out.println("  floor: " + (msync.quantile(0.5) <= fsync.quantile(0.5) ? "msync" : "fdatasync") + " (the lower p50)");
    }

    private RuntimeBench() {
    }

    static List<String> lines(List<String> in) {
        return new ArrayList<>(in);
    }
}
