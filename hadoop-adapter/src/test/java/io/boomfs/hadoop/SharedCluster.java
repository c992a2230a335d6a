package io.boomfs.hadoop;

import io.boomfs.client.LocalCluster;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One BoomFS cluster (three shard replica JVMs, three datanode JVMs on loopback) for every test
 * class of this JVM: starting processes is slow on two cores, and the contract test classes each
 * work under a directory of their own. Started by the first test that asks, stopped (and its
 * files removed) when the JVM exits.
 */
final class SharedCluster {
    /** A small chunk so that the contract tests' files (up to a few hundred KiB) span several chunks. */
    static final String TEST_CHUNK_SIZE = "65536";
    private static LocalCluster cluster;
    private static Path dir;

    private SharedCluster() {
    }

    static synchronized LocalCluster get() {
        if (cluster == null) {
            try {
                dir = Files.createTempDirectory("boomfs-hadoop-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            cluster = LocalCluster.start(dir, Map.of(), 3);
            Runtime.getRuntime().addShutdownHook(new Thread(SharedCluster::stop, "boomfs-hadoop-cluster-stop"));
        }
        return cluster;
    }

    private static synchronized void stop() {
        if (cluster != null) {
            cluster.close();
            cluster = null;
            delete(dir);
        }
    }

    private static void delete(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not remove " + root + ": " + e.getMessage());
        }
    }

    /** {@code boomfs://} with the cluster's replicas as the authority. */
    static String uri() {
        return BoomFileSystem.SCHEME + "://" + String.join(",", get().replicas());
    }

    /** A configuration for the test cluster: small chunks, short metadata timeouts. */
    static Configuration conf() {
        Configuration conf = new Configuration();
        conf.set(AdapterConfig.BLOCK_SIZE, TEST_CHUNK_SIZE);
        return conf;
    }
}
