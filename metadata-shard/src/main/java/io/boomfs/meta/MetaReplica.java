package io.boomfs.meta;

import io.boomfs.engine.Tuple;
import io.boomfs.paxos.ReplicaServer;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * One replica of a metadata shard as a process: {@link ReplicaServer} (its options, READY and
 * ROLE lines, errors and shutdown) running the namespace rules instead of the key-value store.
 *
 * <p>With several shard groups, {@code --groups A1,A2,A3;B1,B2,B3;...} names every group's
 * members in group order (DESIGN.md, "Partitioning"): the replica's group is the one that holds
 * its {@code --id}, and it learns the others' addresses for cross-shard operations. The vpart
 * count is {@code --set sm.vparts=N} (default 256).
 */
public final class MetaReplica {
    public static final String GROUPS_USAGE = "[--groups HOST:PORT,...;HOST:PORT,...;...]";

    private MetaReplica() {
    }

    public static void main(String[] args) {
        System.exit(run("meta-replica", args, System.in, System.out, System.err, server -> () -> { }));
    }

    /**
     * {@link ReplicaServer#run(String, String[], java.util.function.Supplier, InputStream, PrintStream, PrintStream,
     * Function)} for a shard replica, with {@code --groups}.
     */
    public static int run(String who, String[] args, InputStream in, PrintStream out, PrintStream err,
                          Function<ReplicaServer, Runnable> attach) {
        List<String> others = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        List<List<String>> groups;
        String rootHash;
        try {
            rootHash = rootHash(args, others);
        } catch (IllegalArgumentException e) {
            // A token file the replica cannot start with is a configuration error, as a bad key file is.
            err.println(who + ": error: " + e.getMessage());
            err.flush();
            return 2;
        }
        try {
            groups = groups(others.toArray(new String[0]), rest);
            fixedSettings(rest);
        } catch (IllegalArgumentException e) {
            err.println(who + ": error: " + e.getMessage());
            err.flush();
            return 1;
        }
        return ReplicaServer.run(who, rest.toArray(new String[0]), MetaShard::compile, in, out, err, server -> {
            for (int g = 0; g < groups.size(); g++) {
                for (String a : groups.get(g)) {
                    inject(server, new Tuple("ns_group", (long) g, a));
                }
            }
            if (rootHash != null) {
                inject(server, new Tuple("ns_root", rootHash));
            }
            if (server.config().clusterKey() != null) {
                // The key was checked when the replica started: loading it again cannot fail differently.
                byte[] clusterKey = io.boomfs.engine.runtime.ClusterKey.load(server.config().clusterKey()).bytes();
                inject(server, new Tuple("ns_token_key", io.boomfs.datanode.ChunkToken.deriveKeyHex(clusterKey)));
            }
            AuditLog audit = new AuditLog(server.config().dataDir().resolve("audit"), Long.getLong("boomfs.audit.max_bytes", 16L << 20),
                Integer.getInteger("boomfs.audit.keep", 5));
            server.node().agent().subscribe("ns_audit", c -> audit.write(c.tuple()));
            Runnable detach = attach.apply(server);
            return () -> {
                detach.run();
                audit.close();
            };
        });
    }

    private static void inject(ReplicaServer server, Tuple t) {
        if (!server.node().agent().inject(t)) {
            throw new IllegalStateException("the replica's input queue is full at its start");
        }
    }

    /**
     * The hash of the root user's secret from {@code --root-token-file FILE} (a file holding
     * {@code root:SECRET}, readable by its owner only), or null without the option; the other
     * options go to {@code rest}.
     */
    static String rootHash(String[] args, List<String> rest) {
        String file = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--root-token-file")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--root-token-file needs a file");
                }
                file = args[++i];
            } else {
                rest.add(args[i]);
            }
        }
        return file == null ? null : Access.hash(Tokens.read(java.nio.file.Path.of(file), "root").secret());
    }

    /** The move's bucket count: namespace.olg's expression indexes take it as the constant 1024. */
    static final long MOVE_BUCKETS = 1024;

    /**
     * Refuses a {@code --set} of a setting the rules hold as a constant elsewhere: with
     * {@code sm.move_buckets} other than {@link #MOVE_BUCKETS} a move would open some buckets and
     * never the rest, and the source would drop rows it never sent.
     */
    static void fixedSettings(List<String> args) {
        for (int i = 0; i + 1 < args.size(); i++) {
            String v = args.get(i + 1);
            if (args.get(i).equals("--set") && v.startsWith("sm.move_buckets=")
                && !v.substring(v.indexOf('=') + 1).trim().equals(Long.toString(MOVE_BUCKETS))) {
                throw new IllegalArgumentException("--set " + v + ": sm.move_buckets is fixed at " + MOVE_BUCKETS
                    + " (namespace.olg's bucket indexes are built on that constant)");
            }
        }
    }

    /**
     * The groups {@code --groups} names (none: one group), with the other options in {@code rest}
     * and this replica's group and the group count added as {@code --set} options.
     */
    static List<List<String>> groups(String[] args, List<String> rest) {
        String spec = null;
        String id = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--groups")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--groups needs a value: " + GROUPS_USAGE);
                }
                spec = args[++i];
                continue;
            }
            if (args[i].equals("--id") && i + 1 < args.length) {
                id = args[i + 1];
            }
            rest.add(args[i]);
        }
        if (spec == null) {
            return List.of();
        }
        List<List<String>> groups = new ArrayList<>();
        int mine = -1;
        for (String g : spec.split(";", -1)) {
            List<String> members = Arrays.stream(g.split(",", -1)).map(String::trim).toList();
            if (members.isEmpty() || members.stream().anyMatch(m -> !m.matches("[^:\\s,=;]+:\\d{1,5}"))) {
                throw new IllegalArgumentException("--groups: group " + groups.size() + " is not a list of HOST:PORT: " + g);
            }
            if (members.contains(id)) {
                mine = groups.size();
            }
            groups.add(members);
        }
        if (mine < 0) {
            throw new IllegalArgumentException("--groups: no group holds --id " + id);
        }
        rest.addAll(List.of("--set", "sm.group=" + mine, "--set", "sm.groups=" + groups.size()));
        return groups;
    }
}
