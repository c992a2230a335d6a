package io.boomfs.bench.hdfs;

import io.boomfs.deploy.bench.Phase;
import io.boomfs.deploy.bench.PhaseResult;
import io.boomfs.deploy.bench.PhaseRunner;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.server.namenode.EditLogFileOutputStream;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The HDFS side of {@code boom bench meta --compare}, run by it as a JVM of its own: a
 * MiniDFSCluster (one NameNode, its default 10 RPC handlers, no datanode: empty files need none)
 * in this JVM, with its edit log forced to disk before each answer as a real NameNode does
 * (MiniDFSCluster skips that fsync unless told not to; checked below), then the same
 * {@link PhaseRunner} phases as BoomFS's over the NameNode's RPC. Prints progress lines
 * ({@code bench meta: ...}) and one {@link PhaseResult} line per phase on stdout.
 *
 * <p>Arguments: {@code --sessions N --seconds S --warmup S --phases create,mkdirs,stat,list}.
 */
public final class HdfsMetaBench {
    private HdfsMetaBench() {
    }

    public static void main(String[] args) throws Exception {
        PhaseRunner.Settings settings;
        try {
            settings = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("hdfs-meta-bench: error: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path base = Files.createTempDirectory("boom-bench-hdfs-");
        int code = 0;
        try {
            run(settings, base);
        } catch (Exception e) {
            System.err.println("hdfs-meta-bench: error: " + e.getMessage());
            e.printStackTrace();
            code = 1;
        } finally {
            deleteTree(base);
        }
        System.exit(code);
    }

    private static void run(PhaseRunner.Settings settings, Path base) throws IOException {
        Configuration conf = new Configuration();
        // A real NameNode's setting, said aloud: the edit log channel is flushed and forced.
        conf.setBoolean("dfs.namenode.edits.noeditlogchannelflush", false);
        long t0 = System.nanoTime();
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, base.toFile()).numDataNodes(0).skipFsyncForTesting(false)
            .format(true).build();
        try {
            cluster.waitActive();
            if (skipsFsync()) {
                throw new IllegalStateException("the NameNode's edit log skips fsync (EditLogFileOutputStream.shouldSkipFsyncForTests)");
            }
            say(String.format("bench meta: hdfs: MiniDFSCluster up in %.1f s (NameNode %s, edit log fsynced, name dir %s)",
                (System.nanoTime() - t0) / 1e9, cluster.getURI(), base));
            // MiniDFSCluster sets dfs.replication to its datanode count (0): the clients ask for 3, as BoomFS's do.
            Configuration client = new Configuration(cluster.getConfiguration(0));
            client.setInt("dfs.replication", 3);
            try (HdfsTarget target = new HdfsTarget(cluster.getURI(), client)) {
                List<PhaseResult> results = PhaseRunner.run(target, settings, HdfsMetaBench::say);
                results.forEach(r -> say(r.line()));
            }
        } finally {
            cluster.shutdown(true);
        }
    }

    /** Whether the NameNode skips the edit log's fsync (a static switch MiniDFSCluster sets). */
    private static boolean skipsFsync() {
        try {
            Field f = EditLogFileOutputStream.class.getDeclaredField("shouldSkipFsyncForTests");
            f.setAccessible(true);
            return f.getBoolean(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot check that the edit log is fsynced: " + e, e);
        }
    }

    private static PhaseRunner.Settings parse(String[] args) {
        int sessions = 256;
        int seconds = 15;
        int warmup = 15;
        List<Phase> phases = new ArrayList<>(List.of(Phase.values()));
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            String v = args[i + 1];
            switch (args[i]) {
                case "--sessions" -> sessions = positive(args[i], v);
                case "--seconds" -> seconds = positive(args[i], v);
                case "--warmup" -> warmup = positive(args[i], v);
                case "--phases" -> {
                    phases.clear();
                    for (String p : v.split(",")) {
                        Phase phase = Phase.byOption(p);
                        if (phase == null) {
                            throw new IllegalArgumentException("--phases: unknown phase " + p);
                        }
                        phases.add(phase);
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        return new PhaseRunner.Settings(List.copyOf(phases), sessions, warmup, seconds);
    }

    private static int positive(String option, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Said below.
        }
        throw new IllegalArgumentException(option + " takes a whole number >= 0, not " + v);
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** Removes what is left of the cluster's directory (its shutdown removes most of it). */
    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
