package io.boomfs.datanode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/** Datanodes in this JVM, each a store and a server on a free loopback port; closes them all. */
final class Datanodes implements AutoCloseable {
    private final List<DataServer> servers = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();
    final List<String> log = new ArrayList<>();

    /** Starts a datanode {@code dn<i>} in {@code root/dn<i>} with settings edited by {@code settings}. */
    DataServer start(Path root, long capacity, UnaryOperator<DataServer.Config> settings) {
        return start(root, capacity, settings, System::currentTimeMillis);
    }

    /** Starts a datanode as above that judges chunk tokens' expiry by {@code clockMs}. */
    DataServer start(Path root, long capacity, UnaryOperator<DataServer.Config> settings, LongSupplier clockMs) {
        String id = "dn" + (servers.size() + 1);
        Path dir = root.resolve(id);
        try {
            ChunkStore store = ChunkStore.open(dir, capacity, this::log);
            DataServer s = DataServer.start(settings.apply(DataServer.Config.of(id, "127.0.0.1", 0)
                .withTimeouts(2_000, 5_000, 5_000)), store, this::log, clockMs);
            servers.add(s);
            dirs.add(dir);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    DataServer start(Path root) {
        return start(root, 1L << 40, c -> c);
    }

    private void log(String line) {
        synchronized (log) {
            log.add(line);
        }
    }

    DataServer get(int i) {
        return servers.get(i);
    }

    Path dir(int i) {
        return dirs.get(i);
    }

    List<String> addresses() {
        return servers.stream().map(DataServer::address).toList();
    }

    /** Stops one datanode's server (its store too): its connections break at once. */
    void stop(int i) {
        servers.get(i).close();
        servers.get(i).store().close();
    }

    /** Waits until no datanode has a transfer open (writes abort on their own threads). */
    void awaitIdle() {
        long deadline = System.currentTimeMillis() + 20_000;
        for (DataServer s : servers) {
            while (s.metrics().openConnections() > 0 || s.store().reservedBytes() > 0) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException(s.address() + " still has " + s.metrics().openConnections() + " connections");
                }
                sleep(10);
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        for (DataServer s : servers) {
            s.close();
            s.store().close();
        }
    }
}
