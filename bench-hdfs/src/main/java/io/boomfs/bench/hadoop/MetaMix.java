package io.boomfs.bench.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The operations of Hadoop's NNThroughputBenchmark through the {@link FileSystem} API, phase by
 * phase over the same files: create (an empty file, created and closed), mkdirs, open (and
 * close), fileStatus, rename and delete. Each phase runs {@code files} operations split over
 * {@code threads} threads, each with a FileSystem instance (a client) of its own and a directory
 * of its own; a phase's rate is its operations over its wall time. Every operation must succeed.
 */
final class MetaMix {
    record Rate(String kind, double opsPerS) {
    }

    private interface Op {
        void run(FileSystem fs, Path file, int i) throws IOException;
    }

    private MetaMix() {
    }

    static List<Rate> run(String system, URI uri, Configuration conf, int files, int threads, List<String> kinds,
                          Consumer<String> say) throws IOException {
        List<FileSystem> clients = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int t = 0; t < threads; t++) {
                clients.add(FileSystem.newInstance(uri, conf));
            }
            clients.get(0).delete(new Path("/nn"), true);
            for (int t = 0; t < threads; t++) {
                clients.get(0).mkdirs(new Path("/nn/t" + t));
                clients.get(0).mkdirs(new Path("/nn/warmup/t" + t));
            }
            // Untimed: the clients connect and the code paths warm up before the first timed phase.
            phase(pool, clients, "create", Math.max(threads, files / 10), "/nn/warmup");
            List<Rate> rates = new ArrayList<>();
            for (String kind : kinds) {
                long t0 = System.nanoTime();
                phase(pool, clients, kind, files, "/nn");
                double s = (System.nanoTime() - t0) / 1e9;
                rates.add(new Rate(kind, files / s));
                say.accept(String.format(Locale.ROOT, "bench hadoop: %s: %s x %d (%d threads) in %.2f s: %.0f ops/s", system, kind,
                    files, threads, s, files / s));
            }
            clients.get(0).delete(new Path("/nn"), true);
            return rates;
        } finally {
            pool.shutdownNow();
            for (FileSystem fs : clients) {
                fs.close();
            }
        }
    }

    /** Runs {@code files} operations {@code kind} under {@code dir}/t{thread}, split over the clients' threads. */
    private static void phase(ExecutorService pool, List<FileSystem> clients, String kind, int files, String dir)
        throws IOException {
        int threads = clients.size();
        Op op = op(kind);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            FileSystem fs = clients.get(t);
            int thread = t;
            done.add(pool.submit(() -> {
                for (int i = thread; i < files; i += threads) {
                    Path file = new Path(dir + "/t" + thread + "/f" + i);
                    try {
                        op.run(fs, file, i);
                    } catch (IOException e) {
                        throw new UncheckedIOException(kind + " " + file + ": " + e.getMessage(), e);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            await(f);
        }
    }

    private static Op op(String kind) {
        return switch (kind) {
            case "create" -> (fs, f, i) -> fs.create(f, false).close();
            case "mkdirs" -> (fs, f, i) -> check(fs.mkdirs(f.suffix(".d")), "mkdirs");
            case "open" -> (fs, f, i) -> fs.open(f).close();
            case "fileStatus" -> (fs, f, i) -> fs.getFileStatus(f);
            case "rename" -> (fs, f, i) -> check(fs.rename(f, f.suffix(".r")), "rename");
            case "delete" -> (fs, f, i) -> check(fs.delete(f.suffix(".r"), false), "delete");
            default -> throw new IllegalArgumentException("no operation " + kind);
        };
    }

    private static void check(boolean ok, String what) throws IOException {
        if (!ok) {
            throw new IOException(what + " answered false");
        }
    }

    private static void await(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
