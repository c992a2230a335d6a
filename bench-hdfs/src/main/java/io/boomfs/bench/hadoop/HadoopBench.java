package io.boomfs.bench.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * {@code boom bench hadoop}, run by it as a JVM of its own (Hadoop on its class path): the same
 * work through Hadoop's {@link FileSystem} API against BoomFS ({@code boomfs://}, the adapter of
 * hadoop-adapter/, over three replica and three datanode processes) and then against HDFS (a
 * MiniDFSCluster of one NameNode and three datanodes in this JVM), one after the other so that
 * they never share the two cores, with replication 3 and 64 MiB blocks on both, every file under
 * one temporary directory (one disk):
 *
 * <ol>
 * <li>sequential write of one file of {@code --size} bytes in 1 MiB writes, then its sequential
 *     read, each timed from open to close (MB/s);</li>
 * <li>the metadata mix of Hadoop's NNThroughputBenchmark, through the FileSystem API:
 *     {@code --files} empty files created (create+close), directories made, files opened,
 *     stat'ed, renamed and deleted, each phase by {@code --threads} threads with a client each
 *     (ops/s).</li>
 * </ol>
 *
 * <p>Before the timed phases, {@code --files / 10} creates warm each side's clients up (connections, JIT).
 * Both sides force what they acknowledge to disk: BoomFS's replicas log with sync durability and
 * its datanodes fsync a chunk before acknowledging it; the NameNode's edit log is fsynced and
 * HDFS's datanodes sync each block on close ({@code dfs.datanode.synconclose}). Prints one
 * {@code RESULT system what value unit} line per figure, then a table.
 */
public final class HadoopBench {
    private static final int BUFFER = 1 << 20;
    private static final long BLOCK = 64L << 20;
    private static final List<String> KINDS = List.of("create", "mkdirs", "open", "fileStatus", "rename", "delete");

    private record Settings(long sizeBytes, int files, int threads) {
    }

    private record Result(String system, String what, double value, String unit) {
        String line() {
            return String.format(Locale.ROOT, "RESULT %s %s %.1f %s", system, what, value, unit);
        }
    }

    private HadoopBench() {
    }

    public static void main(String[] args) throws Exception {
        Settings s;
        try {
            s = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench hadoop: error: " + e.getMessage());
            System.exit(2);
            return;
        }
        java.nio.file.Path base = Files.createTempDirectory("boom-bench-hadoop-");
        int code = 0;
        try {
            List<Result> results = new ArrayList<>();
            results.addAll(boomfs(s, base.resolve("boomfs")));
            results.addAll(hdfs(s, base.resolve("hdfs")));
            table(results);
        } catch (Exception e) {
            System.err.println("bench hadoop: error: " + e.getMessage());
            e.printStackTrace();
            code = 1;
        } finally {
            deleteTree(base);
        }
        System.exit(code);
    }

    private static List<Result> boomfs(Settings s, java.nio.file.Path dir) throws IOException {
        long t0 = System.nanoTime();
        try (BoomProcesses cluster = BoomProcesses.start(dir)) {
            say(String.format(Locale.ROOT, "bench hadoop: boomfs: 3 replicas and 3 datanodes up in %.1f s (%s)",
                (System.nanoTime() - t0) / 1e9, dir));
            Configuration conf = new Configuration();
            conf.setLong("fs.boomfs.block.size", BLOCK);
            conf.setInt("fs.boomfs.replication", 3);
            return run("boomfs", URI.create("boomfs://" + cluster.authority() + "/"), conf, s);
        }
    }

    private static List<Result> hdfs(Settings s, java.nio.file.Path dir) throws IOException {
        Configuration conf = new Configuration();
        conf.setBoolean("dfs.namenode.edits.noeditlogchannelflush", false);
        conf.setBoolean("dfs.datanode.synconclose", true);
        conf.setLong("dfs.blocksize", BLOCK);
        conf.setInt("dfs.replication", 3);
        long t0 = System.nanoTime();
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, dir.toFile()).numDataNodes(3).skipFsyncForTesting(false)
            .format(true).build();
        try {
            cluster.waitActive();
            say(String.format(Locale.ROOT, "bench hadoop: hdfs: MiniDFSCluster (NameNode and 3 datanodes) up in %.1f s (%s)",
                (System.nanoTime() - t0) / 1e9, dir));
            Configuration client = new Configuration(cluster.getConfiguration(0));
            client.setLong("dfs.blocksize", BLOCK);
            client.setInt("dfs.replication", 3);
            return run("hdfs", cluster.getURI(), client, s);
        } finally {
            cluster.shutdown(true);
        }
    }

    private static List<Result> run(String system, URI uri, Configuration conf, Settings s) throws IOException {
        List<Result> out = new ArrayList<>();
        try (FileSystem fs = FileSystem.newInstance(uri, conf)) {
            out.addAll(throughput(system, fs, s.sizeBytes()));
        }
        out.addAll(MetaMix.run(system, uri, conf, s.files(), s.threads(), KINDS, HadoopBench::say).stream()
            .map(r -> new Result(system, r.kind(), r.opsPerS(), "ops/s")).toList());
        return out;
    }

    private static List<Result> throughput(String system, FileSystem fs, long size) throws IOException {
        byte[] buffer = new byte[BUFFER];
        new Random(1).nextBytes(buffer);
        Path file = new Path("/bench/big.bin");
        long t0 = System.nanoTime();
        try (FSDataOutputStream out = fs.create(file, true)) {
            for (long left = size; left > 0; left -= BUFFER) {
                out.write(buffer, 0, (int) Math.min(BUFFER, left));
            }
        }
        double writeS = (System.nanoTime() - t0) / 1e9;
        say(String.format(Locale.ROOT, "bench hadoop: %s: wrote %d MiB in %.1f s", system, size >> 20, writeS));
        long read = 0;
        t0 = System.nanoTime();
        try (FSDataInputStream in = fs.open(file, BUFFER)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                read += n;
            }
        }
        double readS = (System.nanoTime() - t0) / 1e9;
        if (read != size || fs.getFileStatus(file).getLen() != size) {
            throw new IOException(system + ": read " + read + " bytes of a file of " + size);
        }
        say(String.format(Locale.ROOT, "bench hadoop: %s: read it back in %.1f s", system, readS));
        fs.delete(file, false);
        double mb = size / 1e6;
        return List.of(new Result(system, "write", mb / writeS, "MB/s"), new Result(system, "read", mb / readS, "MB/s"));
    }

    /** The figures side by side, as a Markdown table (every line starts with {@code |}). */
    private static void table(List<Result> results) {
        results.forEach(r -> say(r.line()));
        say("| what | boomfs | hdfs | boomfs / hdfs |");
        say("|---|---|---|---|");
        List<String> rows = new ArrayList<>(List.of("write", "read"));
        rows.addAll(KINDS);
        for (String what : rows) {
            Result b = find(results, "boomfs", what);
            Result h = find(results, "hdfs", what);
            say(String.format(Locale.ROOT, "| %s | %s | %s | %s |", what, b == null ? "-" : fmt(b), h == null ? "-" : fmt(h),
                b == null || h == null ? "-" : String.format(Locale.ROOT, "%.2fx", b.value() / h.value())));
        }
    }

    private static String fmt(Result r) {
        return String.format(Locale.ROOT, "%.1f %s", r.value(), r.unit());
    }

    private static Result find(List<Result> results, String system, String what) {
        return results.stream().filter(r -> r.system().equals(system) && r.what().equals(what)).findFirst().orElse(null);
    }

    private static Settings parse(String[] args) {
        long size = 1L << 30;
        int files = 2000;
        int threads = 4;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            String v = args[i + 1];
            switch (args[i]) {
                case "--size" -> size = bytes(v);
                case "--files" -> files = (int) positive(args[i], v);
                case "--threads" -> threads = (int) positive(args[i], v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        return new Settings(size, files, threads);
    }

    /** A size: a number with K, M or G (binary). */
    static long bytes(String v) {
        String s = v.trim().toUpperCase(Locale.ROOT);
        long unit = s.endsWith("K") ? 1L << 10 : s.endsWith("M") ? 1L << 20 : s.endsWith("G") ? 1L << 30 : 1;
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        return positive("--size", digits) * unit;
    }

    private static long positive(String option, String v) {
        try {
            long n = Long.parseLong(v.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Said below.
        }
        throw new IllegalArgumentException(option + " takes a whole number > 0, not " + v);
    }

    static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void deleteTree(java.nio.file.Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<java.nio.file.Path> files = Files.walk(dir)) {
            for (java.nio.file.Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
