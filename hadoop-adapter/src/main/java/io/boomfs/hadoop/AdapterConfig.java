package io.boomfs.hadoop;

import io.boomfs.client.BoomFileSystem;
import io.boomfs.client.MetaClient;
import io.boomfs.deploy.topology.Topology;
import io.boomfs.deploy.topology.TopologyException;
import io.boomfs.deploy.topology.TopologyLoader;
import org.apache.hadoop.conf.Configuration;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The adapter's settings, read once from a Hadoop {@link Configuration} and the URI's authority
 * and checked before anything connects (STYLE.md item 14). Keys and their defaults:
 *
 * <ul>
 * <li>{@value #TOPOLOGY_PREFIX}{@code NAME}: the topology file (YAML, as {@code boom up} reads)
 *     of the authority {@code NAME}; an authority with a {@code :} is a replica list instead;</li>
 * <li>{@value #VPARTS}: the virtual partitions of a cluster named by replica list (256);</li>
 * <li>{@value #BLOCK_SIZE}: chunk size of new files in bytes (the topology's, else 64 MiB);</li>
 * <li>{@value #REPLICATION}: replicas of new files (the topology's, else 3);</li>
 * <li>{@value #TIMEOUT_MS}: one metadata operation, retries included (10,000);</li>
 * <li>{@value #GROUP}: the group every file reports (BoomFS stores none; "supergroup").</li>
 * </ul>
 *
 * @param groups      each shard group's replicas ({@code HOST:PORT}), in group order
 * @param vparts      the cluster's virtual partitions
 * @param chunkSize   chunk (block) size of new files
 * @param replication replicas of new files
 * @param timeoutMs   one metadata operation's deadline
 * @param group       the group name files report
 * @param token       the user's token (NAME:SECRET) from the file {@code fs.boomfs.token.file} names, or null
 */
record AdapterConfig(List<List<String>> groups, long vparts, int chunkSize, short replication, long timeoutMs,
                     String group, String token) {
    static final String TOPOLOGY_PREFIX = "fs.boomfs.topology.";
    static final String VPARTS = "fs.boomfs.vparts";
    static final String BLOCK_SIZE = "fs.boomfs.block.size";
    static final String REPLICATION = "fs.boomfs.replication";
    static final String TIMEOUT_MS = "fs.boomfs.timeout.ms";
    static final String GROUP = "fs.boomfs.group";
    /** A token file (boom admin user add --out): every call then acts as its user, as a cluster with sm.auth requires. */
    static final String TOKEN_FILE = "fs.boomfs.token.file";
    /** The shard's chunk size limit (metadata-shard/DESIGN.md) and the client's default replication limit. */
    private static final long MAX_CHUNK = 1L << 30;
    private static final int MAX_REPLICATION = 8;

    AdapterConfig {
        groups = groups.stream().map(List::copyOf).toList();
    }

    /**
     * The settings for {@code authority} under {@code conf}.
     *
     * @throws IllegalArgumentException naming the key or the authority and what is wrong with it
     */
    static AdapterConfig of(String authority, Configuration conf) {
        if (authority == null || authority.isEmpty()) {
            throw new IllegalArgumentException("boomfs:// needs an authority: a topology name (with " + TOPOLOGY_PREFIX
                + "NAME set to its file) or the replicas, boomfs://HOST:PORT,HOST:PORT,.../path (groups separated by ';')");
        }
        long vparts = MetaClient.DEFAULT_VPARTS;
        long chunk = 64L << 20;
        long repl = 3;
        List<List<String>> groups;
        if (authority.contains(":")) {
            groups = replicaGroups(authority);
            vparts = positive(conf, VPARTS, vparts, Long.MAX_VALUE);
        } else {
            Topology t = topology(authority, conf);
            groups = t.groups().stream().map(Topology.Group::addresses).toList();
            vparts = t.vparts();
            chunk = t.chunkSizeBytes();
            repl = t.replication();
        }
        chunk = positive(conf, BLOCK_SIZE, chunk, MAX_CHUNK);
        repl = positive(conf, REPLICATION, repl, MAX_REPLICATION);
        long timeout = positive(conf, TIMEOUT_MS, 10_000, Long.MAX_VALUE);
        String group = conf.getTrimmed(GROUP, "supergroup");
        if (group.isEmpty()) {
            throw new IllegalArgumentException(GROUP + ": empty");
        }
        String tokenFile = conf.getTrimmed(TOKEN_FILE);
        String token = null;
        if (tokenFile != null && !tokenFile.isEmpty()) {
            try {
                token = io.boomfs.meta.Tokens.read(Path.of(tokenFile), null).toString();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(TOKEN_FILE + ": " + e.getMessage(), e);
            }
        }
        return new AdapterConfig(groups, vparts, (int) chunk, (short) repl, timeout, group, token);
    }

    /** {@code HOST:PORT,HOST:PORT;HOST:PORT,...}: groups separated by {@code ;}, replicas by {@code ,}. */
    private static List<List<String>> replicaGroups(String authority) {
        List<List<String>> groups = new ArrayList<>();
        for (String g : authority.split(";", -1)) {
            List<String> replicas = Arrays.stream(g.split(",", -1)).map(String::trim).toList();
            for (String r : replicas) {
                int colon = r.lastIndexOf(':');
                if (colon <= 0 || colon == r.length() - 1 || !r.substring(colon + 1).chars().allMatch(Character::isDigit)) {
                    throw new IllegalArgumentException("boomfs://" + authority + ": '" + r + "' is not HOST:PORT");
                }
            }
            groups.add(replicas);
        }
        return groups;
    }

    private static Topology topology(String name, Configuration conf) {
        String file = conf.getTrimmed(TOPOLOGY_PREFIX + name);
        if (file == null || file.isEmpty()) {
            throw new IllegalArgumentException("boomfs://" + name + ": no topology of that name: set " + TOPOLOGY_PREFIX + name
                + " to its file, or name the replicas (boomfs://HOST:PORT,HOST:PORT,.../path)");
        }
        try {
            return TopologyLoader.load(Path.of(file));
        } catch (TopologyException e) {
            throw new IllegalArgumentException(TOPOLOGY_PREFIX + name + ": " + e.getMessage(), e);
        }
    }

    private static long positive(Configuration conf, String key, long dflt, long max) {
        String raw = conf.getTrimmed(key);
        if (raw == null) {
            return dflt;
        }
        long v;
        try {
            v = conf.getLongBytes(key, dflt);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + raw + "' is not a number");
        }
        if (v < 1 || v > max) {
            throw new IllegalArgumentException(key + ": " + raw + " is out of range (1.." + max + ")");
        }
        return v;
    }

    /** The client's settings: the adapter's timeout and new-file defaults. */
    BoomFileSystem.Config client() {
        return BoomFileSystem.Config.defaults().withMetaTimeoutMs(timeoutMs).withFiles(replication, chunkSize);
    }
}
