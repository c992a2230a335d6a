package io.boomfs.deploy.bench;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.group.Console;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import javax.management.ObjectName;
import java.io.PrintStream;
import java.lang.ref.Reference;
import java.lang.management.ManagementFactory;
import java.util.AbstractList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * {@code boom bench meta-heap}: the heap a metadata shard replica holds per file. Applies N
 * creates (spread over directories of {@code --per-dir} files) to one replica's engine in this
 * JVM ({@link SoloShard}: no network, no disk), then reports the used heap after a full GC,
 * against the heap after the directories were made: per file overall, and per file of the second
 * half alone (the margin, without what does not grow with files: the retained log, sessions);
 * then the top of the class histogram. Files have no chunks: add_chunk is not in the shard yet.
 */
@Command(name = "meta-heap",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Measure the heap a metadata shard replica holds per file: N creates applied to one replica's engine in this "
        + "JVM, used heap after full GCs, and the top of the class histogram.",
        "",
        "Run with a heap that holds them: BOOM_JAVA_OPTS=-Xmx4g ./boom bench meta-heap"})
public final class MetaHeapCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--files", paramLabel = "N", defaultValue = "1000000", description = "Files to create (default ${DEFAULT-VALUE}).")
    private int files;

    @Option(names = "--per-dir", paramLabel = "N", defaultValue = "1000", description = "Files per directory (default ${DEFAULT-VALUE}).")
    private int perDir;

    @Option(names = "--sessions", paramLabel = "N", defaultValue = "256",
        description = "Client sessions with an op in flight each, as a loaded shard sees (default ${DEFAULT-VALUE}).")
    private int sessions;

    @Option(names = "--histogram", paramLabel = "N", defaultValue = "25", description = "Lines of the class histogram to print (default ${DEFAULT-VALUE}).")
    private int histogram;

    @Override
    public Integer call() throws Exception {
        check(files >= 2 && files <= 100_000_000, "--files must be in 2..100000000, not " + files);
        check(perDir >= 1 && perDir <= 1_000_000, "--per-dir must be in 1..1000000, not " + perDir);
        check(sessions >= 1 && sessions <= 10_000, "--sessions must be in 1..10000, not " + sessions);
        check(histogram >= 0, "--histogram must be >= 0, not " + histogram);
        PrintStream out = ((Boom) spec.root().userObject()).out();
        long t0 = System.nanoTime();
        SoloShard shard = new SoloShard(sessions);
        int dirs = (files + perDir - 1) / perDir;
        shard.apply(ops(dirs, i -> ShardOps.mkdirs(dir((int) i), 0)));
        long base = usedAfterGc();
        Console.say(out, String.format("bench meta-heap: one replica in this JVM; %,d directories made; used heap %,d bytes "
            + "(max %,d)", dirs, base, Runtime.getRuntime().maxMemory()));
        int half = files / 2;
        shard.apply(ops(half, i -> create(i)));
        long mid = usedAfterGc();
        shard.apply(ops(files - half, i -> create(half + i)));
        long end = usedAfterGc();
        double secs = (System.nanoTime() - t0) / 1e9;
        Console.say(out, String.format("bench meta-heap: %,d files (no chunks: add_chunk is not in the shard yet) in %,d "
                + "directories, %.0f s; entry rows %,d, inode rows %,d", files, dirs, secs, shard.count("entry"), shard.count("inode")));
        Console.say(out, String.format("bench meta-heap: used heap %,d -> %,d -> %,d bytes: %.0f bytes per file overall, %.0f "
            + "per file of the second half (target <= 300)", base, mid, end, (end - base) / (double) files,
            (end - mid) / (double) (files - half)));
        out.println(PhaseResult.PREFIX + "-heap files=" + files + " per_dir=" + perDir + " bytes_per_file=" + Math.round((end - base)
            / (double) files) + " marginal_bytes_per_file=" + Math.round((end - mid) / (double) (files - half)) + " chunks_per_file=0");
        if (histogram > 0) {
            Console.say(out, "bench meta-heap: class histogram (live objects, top " + histogram + "):");
            classHistogram().lines().limit(histogram + 3L).forEach(out::println);
        }
        out.flush();
        // The shard must stay live until the heap was measured: its tables are the figure.
        Reference.reachabilityFence(shard);
        return Boom.OK;
    }

    private static String dir(int d) {
        return "/heap/d" + d;
    }

    private List<Object> create(long i) {
        return ShardOps.create(dir((int) (i / perDir)) + "/f" + i, "h" + (i % sessions), 0);
    }

    /** The {@code n} ops {@code op(0..n-1)}, made as they are taken, so that they do not sit on the heap. */
    private static Iterable<List<Object>> ops(long n, LongFunction<List<Object>> op) {
        return new AbstractList<>() {
            @Override
            public List<Object> get(int i) {
                return op.apply(i);
            }

            @Override
            public int size() {
                return (int) n;
            }
        };
    }

    /** Used heap after full collections, once it stops shrinking. */
    private static long usedAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            if (now >= used) {
                return now;
            }
            used = now;
        }
        return used;
    }

    /** {@code jcmd PID GC.class_histogram}, asked of this JVM through its diagnostic command bean. */
    private static String classHistogram() throws Exception {
        Object r = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
            "gcClassHistogram", new Object[] {new String[0]}, new String[] {String[].class.getName()});
        return String.valueOf(r);
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}
