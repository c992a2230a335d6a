package io.boomfs.datanode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The data path's benchmark (not a test): three datanodes as separate JVMs on loopback, a
 * client in this JVM writing a stream through the pipeline in chunks, then reading it back
 * from one replica, each phase timed and printed in MB/s (10^6 bytes per second). Run it with
 * {@code datanode/bench.sh}.
 *
 * <p>Usage: {@code DataBench [--dir DIR] [--size BYTES] [--chunk BYTES] [--datanodes N] [--rounds N]},
 * defaults a temp directory (deleted at the end), 256M, 64M, 3 and 3. Reads come from the page
 * cache: the chunks were just written, so the read figure is the protocol's and the
 * checksums', not the disk's. The writes include every datanode's fsync of every chunk.
 */
public final class DataBench {
    private DataBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = null;
        long size = 256L << 20;
        long chunk = 64L << 20;
        int datanodes = 3;
        int rounds = 3;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[i + 1]);
                case "--size" -> size = DatanodeServer.Options.bytes("--size", args[i + 1]);
                case "--chunk" -> chunk = DatanodeServer.Options.bytes("--chunk", args[i + 1]);
                case "--datanodes" -> datanodes = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                    + "; usage: DataBench [--dir DIR] [--size BYTES] [--chunk BYTES] [--datanodes N] [--rounds N]");
            }
        }
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("every option takes a value");
        }
        boolean temp = dir == null;
        Path root = temp ? Files.createTempDirectory("boomfs-data-bench") : dir;
        List<DatanodeProcess> nodes = new ArrayList<>();
        try {
            List<String> pipeline = new ArrayList<>();
            for (int i = 1; i <= datanodes; i++) {
                DatanodeServer.Options o = new DatanodeServer.Options(DataServer.Config.of("dn" + i, "127.0.0.1", 0),
                    root.resolve("dn" + i), 2 * size + (64L << 20), false);
                nodes.add(DatanodeProcess.start(o, List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC")));
            }
            for (DatanodeProcess p : nodes) {
                pipeline.add(p.awaitReady(60_000));
            }
            System.out.printf(Locale.ROOT, "data-bench: %d datanodes (separate JVMs) on loopback, data in %s; %s in chunks of %s, %d rounds%n",
                datanodes, root, mib(size), mib(chunk), rounds);
            run(pipeline, size, chunk, rounds);
        } finally {
            nodes.forEach(DatanodeProcess::close);
            if (temp) {
                deleteTree(root);
            }
        }
    }

    private static void run(List<String> pipeline, long size, long chunk, int rounds) throws IOException {
        byte[] pattern = new byte[1 << 20];
        new SplittableRandom(42).nextBytes(pattern);
        byte[] sink = new byte[1 << 20];
        List<Double> writes = new ArrayList<>();
        List<Double> reads = new ArrayList<>();
        try (DataClient client = new DataClient(DataClient.Config.defaults())) {
            for (int round = 1; round <= rounds; round++) {
                long start = System.nanoTime();
                int chunks = 0;
                for (long at = 0; at < size; at += chunk) {
                    long len = Math.min(chunk, size - at);
                    client.write(pipeline, chunks++, new PatternStream(pattern, len), len);
                }
                double writeS = (System.nanoTime() - start) / 1e9;
                start = System.nanoTime();
                long read = 0;
                for (int c = 0; c < chunks; c++) {
                    try (InputStream in = client.read(pipeline.get(0), c, 0, Long.MAX_VALUE)) {
                        int n;
                        while ((n = in.read(sink)) > 0) {
                            read += n;
                        }
                    }
                }
                double readS = (System.nanoTime() - start) / 1e9;
                if (read != size) {
                    throw new IllegalStateException("read " + read + " bytes of " + size);
                }
                writes.add(size / writeS / 1e6);
                reads.add(size / readS / 1e6);
                System.out.printf(Locale.ROOT, "data-bench: round %d: pipeline write %s in %d chunks through %d datanodes: %.2f s, %.1f MB/s;"
                        + " read from %s: %.2f s, %.1f MB/s%n", round, mib(size), chunks, pipeline.size(), writeS, writes.get(round - 1),
                    pipeline.get(0), readS, reads.get(round - 1));
            }
        }
        System.out.printf(Locale.ROOT, "data-bench: median of %d rounds: pipeline write %.1f MB/s, read %.1f MB/s%n", rounds, median(writes),
            median(reads));
    }

    private static String mib(long bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** {@code length} bytes repeating a pattern: data to send that costs nothing to produce. */
    private static final class PatternStream extends InputStream {
        private final byte[] pattern;
        private long left;
        private int pos;

        PatternStream(byte[] pattern, long length) {
            this.pattern = pattern;
            this.left = length;
        }

        @Override
        public int read() {
            if (left == 0) {
                return -1;
            }
            left--;
            int b = pattern[pos] & 0xff;
            pos = (pos + 1) % pattern.length;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(Math.min(len, left), pattern.length - pos);
            System.arraycopy(pattern, pos, b, off, n);
            pos = (pos + n) % pattern.length;
            left -= n;
            return n;
        }
    }
}
