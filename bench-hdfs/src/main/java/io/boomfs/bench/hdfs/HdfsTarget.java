package io.boomfs.bench.hdfs;

import io.boomfs.deploy.bench.Cpu;
import io.boomfs.deploy.bench.MetaTarget;
import io.boomfs.deploy.bench.Op;
import io.boomfs.deploy.bench.Workload;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * HDFS's NameNode as a {@link MetaTarget}: a {@link FileSystem} instance (its own DFSClient) per
 * session, each called from its session's thread, over the NameNode's RPC. create+close is
 * {@code create(path, false).close()}: the create and complete RPCs of an empty file; stat is
 * getFileInfo; list is one getListing (100 entries fit the 1,000 of one reply).
 */
final class HdfsTarget implements MetaTarget, AutoCloseable {
    private final URI uri;
    private final Configuration conf;
    private final ConcurrentMap<Integer, FileSystem> clients = new ConcurrentHashMap<>();

    HdfsTarget(URI uri, Configuration conf) {
        this.uri = uri;
        this.conf = conf;
    }

    @Override
    public String system() {
        return "hdfs";
    }

    /** This JVM (NameNode and clients); the NameNode alone: every thread but the sessions' and the RPC clients'. */
    @Override
    public long[] cpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long server = 0;
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && !t.getThreadName().startsWith(system() + "-session-") && !t.getThreadName().startsWith("IPC Client")
                && !t.getThreadName().startsWith("IPC Parameter Sending Thread")) {
                server += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
            }
        }
        return new long[] {Cpu.selfNanos(), server, 0};
    }

    @Override
    public boolean blocking() {
        return true;
    }

    @Override
    public CompletableFuture<?> start(int session, Op op) {
        try {
            FileSystem fs = clients.computeIfAbsent(session, s -> open());
            Path path = new Path(op.path());
            switch (op.kind()) {
                case CREATE -> fs.create(path, false).close();
                case MKDIRS -> {
                    if (!fs.mkdirs(path)) {
                        throw new IOException("mkdirs answered false");
                    }
                }
                case STAT -> fs.getFileStatus(path);
                case LIST -> {
                    FileStatus[] entries = fs.listStatus(path);
                    if (entries.length != Workload.LIST_ENTRIES) {
                        throw new IOException(entries.length + " entries, not " + Workload.LIST_ENTRIES);
                    }
                }
            }
            return CompletableFuture.completedFuture(null);
        } catch (IOException | UncheckedIOException e) {
            // A RemoteException's message holds the NameNode's stack trace: its first line says what went wrong.
            String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            return CompletableFuture.failedFuture(new IllegalStateException(op.kind().option() + " " + op.path() + ": " + message, e));
        }
    }

    private FileSystem open() {
        try {
            return FileSystem.newInstance(uri, conf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        for (FileSystem fs : clients.values()) {
            fs.close();
        }
    }
}
