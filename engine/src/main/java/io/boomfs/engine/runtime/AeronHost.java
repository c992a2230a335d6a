package io.boomfs.engine.runtime;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.IoUtil;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.io.File;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The Aeron of one process: an embedded media driver (or a connection to an external one, one
 * per host) and the client that every node of the process shares.
 *
 * <p>The embedded driver is sized for machines with 2 cores: one shared driver thread that backs
 * off when idle (never spins for long), 64 KiB term buffers, and a directory under
 * {@code /dev/shm} unique to this process, deleted when it starts and when it closes.
 */
public final class AeronHost implements AutoCloseable {
    public static final int TERM_LENGTH = 64 * 1024;
    /** Aeron limits a message to an eighth of the term: the largest frame a node sends. */
    public static final int MAX_FRAME_BYTES = TERM_LENGTH / 8;

    private final java.util.Set<String> endpoints = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final MediaDriver driver;
    private final Aeron aeron;
    private final String dir;

    private AeronHost(MediaDriver driver, Aeron aeron, String dir) {
        this.driver = driver;
        this.aeron = aeron;
        this.dir = dir;
    }

    /** Starts an embedded media driver in a fresh directory and connects a client to it. */
    public static AeronHost embedded(Consumer<String> log) {
        return embedded(log, false);
    }

    /** What an embedded driver's directory is called: the prefix, then the process id. */
    private static final String DIR_PREFIX = "boomfs-aeron-";

    private static String driverBase() {
        return new File("/dev/shm").isDirectory() ? "/dev/shm" : System.getProperty("java.io.tmpdir");
    }

    /**
     * Removes what the embedded driver of a process killed with SIGKILL left behind (a process
     * that exits in order removes its own). For hosts and tests that kill the processes they
     * started; a directory that cannot be removed only costs space.
     */
    public static void removeDirectoriesOf(long pid) {
        File[] dirs = new File(driverBase()).listFiles((d, name) -> name.startsWith(DIR_PREFIX + pid + "-"));
        if (dirs != null) {
            for (File d : dirs) {
                IoUtil.delete(d, true);
            }
        }
    }

    /**
     * @param lowLatency the driver's thread yields and never parks: measured here, any parking
     *                   of the driver thread (even after 1,000 yields) costs about 1 ms per hop
     *                   on two cores shared with the nodes' threads (ping-pong p50 2.1 ms), while
     *                   yielding gives 32 us. It keeps a core busy while idle: an opt-in for
     *                   latency-critical nodes and benchmarks, never the default.
     */
    public static AeronHost embedded(Consumer<String> log, boolean lowLatency) {
        String dir = driverBase() + "/" + DIR_PREFIX + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime());
        // The only client of an embedded driver is this JVM, and a killed JVM takes its driver
        // and its endpoints with it: the 2 s client liveness a shared driver needs only makes a
        // JVM stalled that long (GC, a loaded machine: seen at load 25) lose its Aeron client for
        // good (ConductorServiceTimeoutException). Aeron's default of 10 s applies here.
        MediaDriver driver = MediaDriver.launch(driverContext(dir, lowLatency).clientLivenessTimeoutNs(TimeUnit.SECONDS.toNanos(10)));
        try {
            return new AeronHost(driver, connect(dir, log), dir);
        } catch (RuntimeException e) {
            driver.close();
            throw e;
        }
    }

    /**
     * The media driver of every BoomFS process: one shared thread that spins briefly, yields,
     * then parks (two cores are shared by everything), 64 KiB terms, peers that died noticed
     * within 2 s, and a directory deleted when it starts and when it closes.
     */
    static MediaDriver.Context driverContext(String dir, boolean lowLatency) {
        return new MediaDriver.Context()
            .aeronDirectoryName(dir)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .warnIfDirectoryExists(false)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(lowLatency
                ? new YieldingIdleStrategy()
                : new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100)))
            .publicationTermBufferLength(TERM_LENGTH)
            .ipcTermBufferLength(TERM_LENGTH)
            .termBufferSparseFile(true)
            // A peer that died is noticed within 2 s, so that its publication is rebuilt for its successor.
            .publicationConnectionTimeoutNs(TimeUnit.SECONDS.toNanos(2))
            .imageLivenessTimeoutNs(TimeUnit.SECONDS.toNanos(2))
            .publicationLingerTimeoutNs(TimeUnit.MILLISECONDS.toNanos(200))
            // A client process that was killed (kill -9) gives its endpoints back within 2 s.
            .clientLivenessTimeoutNs(TimeUnit.SECONDS.toNanos(2));
    }

    /**
     * Launches a media driver for several processes of this host in {@code dir}: what
     * {@link SharedDriver} runs. Its clients connect with {@link #external}.
     */
    public static MediaDriver launchShared(String dir, boolean lowLatency) {
        return MediaDriver.launch(driverContext(dir, lowLatency));
    }

    /** Connects to an external media driver running in {@code aeronDir} (one driver for the host). */
    public static AeronHost external(String aeronDir, Consumer<String> log) {
        if (!new File(aeronDir, "cnc.dat").exists()) {
            throw new IllegalStateException("no media driver runs in " + aeronDir + " (no cnc.dat there)");
        }
        return new AeronHost(null, connect(aeronDir, log), aeronDir);
    }

    private static Aeron connect(String dir, Consumer<String> log) {
        return Aeron.connect(new Aeron.Context()
            .aeronDirectoryName(dir)
            .idleStrategy(new SleepingMillisIdleStrategy(1))
            .errorHandler(t -> log.accept("aeron: " + t)));
    }

    public Aeron aeron() {
        return aeron;
    }

    public String directory() {
        return dir;
    }

    /**
     * Claims a UDP endpoint for a node of this process. Needed because one driver lets several
     * subscriptions share an endpoint: two nodes of one process on one port would split its traffic.
     */
    boolean claim(String endpoint) {
        return endpoints.add(endpoint);
    }

    void release(String endpoint) {
        endpoints.remove(endpoint);
    }

    public boolean isEmbedded() {
        return driver != null;
    }

    @Override
    public void close() {
        aeron.close();
        if (driver != null) {
            driver.close();
            // dirDeleteOnShutdown covers the normal case; this covers a driver that failed half-way.
            IoUtil.delete(new File(dir), true);
        }
    }
}
