package io.boomfs.datanode;

import io.boomfs.engine.runtime.AeronTransport;
import io.boomfs.engine.runtime.ClusterKey;
import io.boomfs.engine.runtime.ProcessStop;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * A datanode as a process: a {@link ChunkStore} on its data directory, a {@link DataServer}
 * on its port and, with {@code --meta}, a {@link ControlPath} to the metadata shards on its
 * Aeron endpoint ({@code --node}). It prints {@code READY <id> <host:port>} on stdout once it listens; SIGTERM (or,
 * with {@code --exit-on-stdin-close}, the end of stdin) stops it cleanly: no new connections,
 * transfers in progress discarded, the directory unlocked. Every error is one line on stderr
 * ({@code datanode: error: ...}) with exit code 1: bad options, a port in use, an unusable data
 * directory.
 */
public final class DatanodeServer {
    public static final String USAGE = "usage: DatanodeServer --id NAME --data DIR --port PORT --capacity BYTES [--host HOST]"
        + " [--max-transfers N] [--max-connections N] [--connect-timeout-ms MS] [--request-timeout-ms MS] [--io-timeout-ms MS]"
        + " [--node HOST:PORT --meta HOST:PORT,...[;HOST:PORT,...] [--meta ...] [--vparts N] [--heartbeat-ms MS] [--report-ms MS]"
        + " [--aeron-dir DIR] [--cluster-key FILE]]"
        + " [--exit-on-stdin-close]";

    private DatanodeServer() {
    }

    /**
     * A datanode's options, checked once.
     *
     * @param server           the data server's settings (id, host, port, limits, timeouts)
     * @param capacityBytes    the most bytes of chunk files kept in {@code dataDir}
     * @param exitOnStdinClose stop when stdin ends: a datanode started by another JVM dies with it
     * @param control          the control path to the metadata shards, or null for none
     */
    public record Options(DataServer.Config server, Path dataDir, long capacityBytes, boolean exitOnStdinClose,
                          ControlPath.Config control) {
        public Options {
            if (dataDir == null) {
                throw new IllegalArgumentException("--data DIR is required");
            }
            if (capacityBytes <= 0) {
                throw new IllegalArgumentException("--capacity must be positive, not " + capacityBytes);
            }
        }

        /** A datanode without a control path. */
        public Options(DataServer.Config server, Path dataDir, long capacityBytes, boolean exitOnStdinClose) {
            this(server, dataDir, capacityBytes, exitOnStdinClose, null);
        }

        public Options withControl(ControlPath.Config c) {
            return new Options(server, dataDir, capacityBytes, exitOnStdinClose, c);
        }

        public Options withExitOnStdinClose(boolean e) {
            return new Options(server, dataDir, capacityBytes, e, control);
        }

        /** The command line that {@link #parse} turns back into these options. */
        public List<String> toArgs() {
            DataServer.Config c = server;
            List<String> a = new ArrayList<>(List.of("--id", c.id(), "--host", c.host(), "--port", Integer.toString(c.port()),
                "--data", dataDir.toString(), "--capacity", Long.toString(capacityBytes),
                "--max-transfers", Integer.toString(c.maxTransfers()), "--max-connections", Integer.toString(c.maxConnections()),
                "--connect-timeout-ms", Long.toString(c.connectTimeoutMs()), "--request-timeout-ms", Long.toString(c.requestTimeoutMs()),
                "--io-timeout-ms", Long.toString(c.ioTimeoutMs())));
            if (control != null) {
                a.addAll(control.toArgs());
            }
            if (exitOnStdinClose) {
                a.add("--exit-on-stdin-close");
            }
            return a;
        }

        /** Parses a command line; a bad option is an IllegalArgumentException of one line. */
        public static Options parse(String[] args) {
            String id = null;
            String host = "127.0.0.1";
            Integer port = null;
            Path data = null;
            Long capacity = null;
            DataServer.Config d = DataServer.Config.of("x", host, 0);
            int transfers = d.maxTransfers();
            int connections = d.maxConnections();
            long connectMs = d.connectTimeoutMs();
            long requestMs = d.requestTimeoutMs();
            long ioMs = d.ioTimeoutMs();
            boolean exitOnStdinClose = false;
            String node = null;
            List<String> meta = new ArrayList<>();
            List<Integer> groupOf = new ArrayList<>();
            int groups = 0;
            long vparts = ControlPath.Config.DEFAULT_VPARTS;
            long heartbeatMs = ControlPath.Config.DEFAULT_HEARTBEAT_MS;
            long reportMs = ControlPath.Config.DEFAULT_REPORT_MS;
            String aeronDir = null;
            Path clusterKey = null;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--exit-on-stdin-close")) {
                    exitOnStdinClose = true;
                    continue;
                }
                if (!a.startsWith("--")) {
                    throw new IllegalArgumentException("unexpected argument " + a + "; " + USAGE);
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value; " + USAGE);
                }
                String v = args[++i];
                switch (a) {
                    case "--id" -> id = v;
                    case "--host" -> host = v;
                    case "--port" -> port = (int) number(a, v, 0, 65535);
                    case "--data" -> data = Path.of(v);
                    case "--capacity" -> capacity = bytes(a, v);
                    case "--max-transfers" -> transfers = (int) number(a, v, 1, 100_000);
                    case "--max-connections" -> connections = (int) number(a, v, 1, 100_000);
                    case "--connect-timeout-ms" -> connectMs = number(a, v, 1, DataServer.Config.MAX_TIMEOUT_MS);
                    case "--request-timeout-ms" -> requestMs = number(a, v, 1, DataServer.Config.MAX_TIMEOUT_MS);
                    case "--io-timeout-ms" -> ioMs = number(a, v, 1, DataServer.Config.MAX_TIMEOUT_MS);
                    case "--node" -> node = v;
                    // Every shard group's replicas: commas within a group, semicolons between groups
                    // (or --meta once per group), in group order.
                    case "--meta" -> {
                        String[] gs = v.split(";", -1);
                        for (String g : gs) {
                            for (String r : g.split(",", -1)) {
                                meta.add(r);
                                groupOf.add(groups);
                            }
                            groups++;
                        }
                    }
                    case "--vparts" -> vparts = number(a, v, 1, 1 << 20);
                    case "--heartbeat-ms" -> heartbeatMs = number(a, v, 1, ControlPath.Config.MAX_PERIOD_MS);
                    case "--report-ms" -> reportMs = number(a, v, 1, ControlPath.Config.MAX_PERIOD_MS);
                    case "--aeron-dir" -> aeronDir = v;
                    case "--cluster-key" -> clusterKey = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option " + a + "; " + USAGE);
                }
            }
            if (id == null || port == null || data == null || capacity == null) {
                String missing = id == null ? "--id" : port == null ? "--port" : data == null ? "--data" : "--capacity";
                throw new IllegalArgumentException(missing + " is required; " + USAGE);
            }
            DataServer.Config server = new DataServer.Config(id, host, port, transfers, connections, connectMs, requestMs, ioMs,
                d.maxChunkBytes(), null);
            if (meta.isEmpty() && node != null) {
                throw new IllegalArgumentException("--node " + node + " without --meta: a datanode reports to the replicas of"
                    + " --meta over its --node endpoint; give both, or neither");
            }
            if (!meta.isEmpty() && node == null) {
                throw new IllegalArgumentException("--meta needs --node HOST:PORT, this datanode's Aeron endpoint; " + USAGE);
            }
            if (meta.isEmpty() && clusterKey != null) {
                throw new IllegalArgumentException("--cluster-key without --meta: the key signs the control path to the replicas");
            }
            ControlPath.Config control = meta.isEmpty() ? null
                : new ControlPath.Config(node, meta, heartbeatMs, reportMs, aeronDir, groupOf, vparts, clusterKey);
            return new Options(server, data, capacity, exitOnStdinClose, control);
        }

        private static long number(String option, String v, long min, long max) {
            long n;
            try {
                n = Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " takes a whole number, not " + v);
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException(option + " must be " + min + ".." + max + ", not " + v);
            }
            return n;
        }

        /** A size in bytes, with an optional binary suffix: {@code 512M}, {@code 10G}, {@code 2T}. */
        static long bytes(String option, String v) {
            String s = v.trim().toUpperCase(Locale.ROOT);
            int shift = 0;
            if (!s.isEmpty() && "KMGT".indexOf(s.charAt(s.length() - 1)) >= 0) {
                shift = 10 * ("KMGT".indexOf(s.charAt(s.length() - 1)) + 1);
                s = s.substring(0, s.length() - 1);
            }
            long n;
            try {
                n = Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " takes a number of bytes (512M, 10G, ...), not " + v);
            }
            if (n <= 0 || n > Long.MAX_VALUE >> shift) {
                throw new IllegalArgumentException(option + " must be positive and below 8 EiB, not " + v);
            }
            return n << shift;
        }
    }

    /**
     * Runs one datanode until SIGTERM (or the end of stdin, when asked); returns the exit code.
     *
     * @param who how error lines begin ({@code who: error: ...}): the command the user typed
     */
    public static int run(String who, String[] args, InputStream in, PrintStream out, PrintStream err) {
        return run(who, args, in, out, err, running -> () -> { });
    }

    /** The parts of a running datanode, for what its host attaches to it. */
    public record Running(Options options, ChunkStore store, DataServer server, ControlPath control) {
    }

    /**
     * {@link #run(String, String[], InputStream, PrintStream, PrintStream)} with {@code attach}
     * called once the datanode listens, before it says READY: what its host adds to it (such as
     * an HTTP endpoint for metrics). It returns what stops that, run before the datanode closes;
     * an IllegalArgumentException or IllegalStateException it throws is an error line, as a bad
     * option is.
     */
    public static int run(String who, String[] args, InputStream in, PrintStream out, PrintStream err,
                          java.util.function.Function<Running, Runnable> attach) {
        Consumer<String> log = line -> {
            err.println(who + ": " + line);
            err.flush();
        };
        Options options;
        ChunkStore store = null;
        ControlPath control = null;
        DataServer server = null;
        Runnable detach;
        try {
            options = Options.parse(args);
            store = ChunkStore.open(options.dataDir(), options.capacityBytes(), log);
            if (options.control() != null) {
                // Before the data server: the chunks cannot change between the list it loads and its listener.
                DataServer.Config s = options.server();
                control = ControlPath.start(options.control(), store, new DataClient.Config(s.connectTimeoutMs(), s.ioTimeoutMs()),
                    null, log);
            }
            DataServer.Config serverConfig = options.server();
            if (options.control() != null && options.control().clusterKey() != null) {
                // A member of a cluster with a key serves chunks only to holders of the shard's tokens.
                serverConfig = serverConfig.withTokenKey(ChunkToken.deriveKey(ClusterKey.load(options.control().clusterKey()).bytes()));
            }
            server = DataServer.start(serverConfig, store, log);
            detach = attach.apply(new Running(options, store, server, control));
        } catch (IllegalArgumentException | IllegalStateException | ChunkStoreException | DataServer.ListenException
                 | AeronTransport.EndpointException | ClusterKey.KeyFileException e) {
            if (server != null) {
                server.close();
            }
            if (control != null) {
                control.close();
            }
            if (store != null) {
                store.close();
            }
            err.println(who + ": error: " + String.valueOf(e.getMessage()).replaceAll("\\s*\n\\s*", "; "));
            err.flush();
            // A key file the node cannot start with is a configuration error, as a bad option is.
            return e instanceof ClusterKey.KeyFileException ? 2 : 1;
        }
        if (control != null) {
            control.serving(server.address());
        }
        ControlPath cp = control;
        ProcessStop stop = ProcessStop.install("datanode-shutdown");
        if (options.exitOnStdinClose()) {
            stop.onEndOf(in, log);
        }
        out.println("READY " + options.server().id() + " " + server.address());
        out.flush();
        stop.await(() -> cp != null && cp.failure() != null);
        detach.run();
        server.close();
        log.accept(server.metrics().describe());
        String failure = null;
        if (cp != null) {
            failure = cp.failure();
            log.accept(cp.describeMetrics());
            cp.close();
        }
        store.close();
        stop.closed();
        if (failure != null) {
            err.println(who + ": error: " + failure);
            return 1;
        }
        return 0;
    }

    public static void main(String[] args) {
        // Through exit in every case: after the end of stdin no shutdown has begun, and a thread
        // left behind must not keep the process alive.
        System.exit(run("datanode", args, System.in, System.out, System.err));
    }
}
