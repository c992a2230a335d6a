package io.boomfs.deploy.bench;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.group.Console;
import io.boomfs.engine.Tuple;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import javax.management.ObjectName;
import java.io.PrintStream;
import java.lang.ref.Reference;
import java.lang.management.ManagementFactory;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongFunction;
import java.util.stream.LongStream;

/**
 * {@code boom bench meta-heap}: the heap a metadata shard replica holds per file. Writes N files
 * (spread over directories of {@code --per-dir}) to one replica's engine in this JVM
 * ({@link SoloShard}: no network, no disk), each as a client does: create, add_chunk (on
 * {@code --datanodes} datanodes the leader picks), the datanodes' reports of the stored chunk
 * (dn_added), complete with its length. Then reports the used heap after a full GC, against the
 * heap after the directories were made: per file overall, and per file of the second half alone
 * (the margin, without what does not grow with files: the retained log, sessions); then the top
 * of the class histogram.
 */
@Command(name = "meta-heap",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Measure the heap a metadata shard replica holds per file: N files of one chunk each written to one "
        + "replica's engine in this JVM, used heap after full GCs, and the top of the class histogram.",
        "",
        "Run with a heap that holds them: BOOM_JAVA_OPTS=-Xmx4g ./boom bench meta-heap"})
public final class MetaHeapCommand implements java.util.concurrent.Callable<Integer> {
    private static final long CHUNK_LEN = 1L << 20;

    @Spec
    private CommandSpec spec;

    @Option(names = "--files", paramLabel = "N", defaultValue = "1000000", description = "Files to write (default ${DEFAULT-VALUE}).")
    private int files;

    @Option(names = "--per-dir", paramLabel = "N", defaultValue = "1000", description = "Files per directory (default ${DEFAULT-VALUE}).")
    private int perDir;

    @Option(names = "--datanodes", paramLabel = "N", defaultValue = "3",
        description = "Live datanodes; each chunk is on up to 3 of them, which report it (default ${DEFAULT-VALUE}; 0: files "
            + "without chunks).")
    private int datanodes;

    @Option(names = "--sessions", paramLabel = "N", defaultValue = "256",
        description = "Client sessions with an op in flight each, as a loaded shard sees (default ${DEFAULT-VALUE}).")
    private int sessions;

    @Option(names = "--histogram", paramLabel = "N", defaultValue = "25", description = "Lines of the class histogram to print (default ${DEFAULT-VALUE}).")
    private int histogram;

    @Override
    public Integer call() throws Exception {
        check(files >= 2 && files <= 100_000_000, "--files must be in 2..100000000, not " + files);
        check(perDir >= 1 && perDir <= 1_000_000, "--per-dir must be in 1..1000000, not " + perDir);
        check(datanodes >= 0 && datanodes <= 100, "--datanodes must be in 0..100, not " + datanodes);
        check(sessions >= 1 && sessions <= 10_000, "--sessions must be in 1..10000, not " + sessions);
        check(histogram >= 0, "--histogram must be >= 0, not " + histogram);
        PrintStream out = ((Boom) spec.root().userObject()).out();
        long t0 = System.nanoTime();
        SoloShard shard = new SoloShard(sessions, datanodes);
        int dirs = (files + perDir - 1) / perDir;
        shard.run(tasks(0, dirs, d -> oneOp(ShardOps.mkdirs(dir((int) d), 0))));
        long base = usedAfterGc();
        Console.say(out, String.format("bench meta-heap: one replica in this JVM; %,d directories made; used heap %,d bytes "
            + "(max %,d)", dirs, base, Runtime.getRuntime().maxMemory()));
        int half = files / 2;
        shard.run(tasks(0, half, i -> new FileWrite(shard, i)));
        long mid = usedAfterGc();
        shard.run(tasks(half, files, i -> new FileWrite(shard, i)));
        long end = usedAfterGc();
        double secs = (System.nanoTime() - t0) / 1e9;
        long chunks = shard.count("fchunk");
        Console.say(out, String.format("bench meta-heap: %,d files in %,d directories, %,d chunks (%d datanodes), %.1f s; rows: "
                + "entry %,d, inode %,d, fchunk %,d, hb_chunk %,d", files, dirs, chunks, datanodes, secs, shard.count("entry"),
            shard.count("inode"), chunks, shard.count("hb_chunk")));
        StringBuilder perFile = new StringBuilder("bench meta-heap: rows per file:");
        shard.largeRelations(files / 10).forEach((name, n) -> perFile.append(String.format(" %s %.2f", name, n / (double) files)));
        Console.say(out, perFile.toString());
        Console.say(out, "bench meta-heap: relations of " + Math.max(1, files / 100) + " rows or more (rows, then each index "
            + "[columns]:keys/keys of several rows, * the rows' own; {expression index}:keys):");
        shard.storageReport(Math.max(1, files / 100)).lines().forEach(l -> out.println("  " + l));
        Console.say(out, String.format("bench meta-heap: used heap %,d -> %,d -> %,d bytes: %.0f bytes per file overall, %.0f "
            + "per file of the second half (target <= 300)", base, mid, end, (end - base) / (double) files,
            (end - mid) / (double) (files - half)));
        out.println(PhaseResult.PREFIX + "-heap files=" + files + " per_dir=" + perDir + " chunks_per_file=" + (datanodes > 0 ? 1 : 0)
            + " bytes_per_file=" + Math.round((end - base) / (double) files) + " marginal_bytes_per_file="
            + Math.round((end - mid) / (double) (files - half)));
        if (histogram > 0) {
            Console.say(out, "bench meta-heap: class histogram (live objects, top " + histogram + "):");
            classHistogram().lines().limit(histogram + 3L).forEach(out::println);
        }
        out.flush();
        // The shard must stay live until the heap was measured: its tables are the figure.
        Reference.reachabilityFence(shard);
        return Boom.OK;
    }

    /**
     * One file written as a client writes it: create, add_chunk, complete with the chunk's
     * length once the datanodes the leader picked reported it stored; without datanodes,
     * create and complete.
     */
    private final class FileWrite implements SoloShard.Task {
        private final SoloShard shard;
        private final long i;
        private final String holder;
        private int done;
        private long fileId;

        FileWrite(SoloShard shard, long i) {
            this.shard = shard;
            this.i = i;
            this.holder = "h" + (i % sessions);
        }

        @Override
        public List<Object> next(List<?> answer) {
            done++;
            if (done == 1) {
                return ShardOps.create(dir((int) (i / perDir)) + "/f" + i, holder, 0);
            }
            if (done == 2) {
                fileId = (Long) answer.get(1);
                return datanodes == 0 ? ShardOps.complete(fileId, holder, null, 0) : ShardOps.addChunk(fileId, holder);
            }
            if (done == 3 && datanodes > 0) {
                long chunk = (Long) answer.get(1);
                for (Object target : (List<?>) answer.get(3)) {
                    shard.deliver(new Tuple("dn_added", SoloShard.REPLICA, SoloShard.datanodeAt((String) target), chunk, CHUNK_LEN));
                }
                return ShardOps.complete(fileId, holder, List.of(chunk, CHUNK_LEN), 0);
            }
            return null;
        }
    }

    private static String dir(int d) {
        return "/heap/d" + d;
    }

    private static SoloShard.Task oneOp(List<Object> op) {
        return answer -> answer == null ? op : null;
    }

    /** The tasks {@code task(from..to-1)}, made as they are taken, so that they do not sit on the heap. */
    private static Iterator<SoloShard.Task> tasks(long from, long to, LongFunction<SoloShard.Task> task) {
        return LongStream.range(from, to).mapToObj(task).iterator();
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
