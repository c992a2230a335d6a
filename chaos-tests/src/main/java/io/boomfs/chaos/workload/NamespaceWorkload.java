package io.boomfs.chaos.workload;

import io.boomfs.chaos.check.DirectoryModel;
import io.boomfs.chaos.check.FileContents;
import io.boomfs.chaos.check.Linearizability;
import io.boomfs.chaos.check.Quiescence;
import io.boomfs.chaos.check.Verdict;
import io.boomfs.chaos.cluster.ClusterControl;
import io.boomfs.chaos.history.Call;
import io.boomfs.chaos.history.Calls;
import io.boomfs.chaos.history.Op;
import io.boomfs.chaos.history.Recorder;
import io.boomfs.client.BoomFileSystem;
import io.boomfs.client.BoomOutputStream;
import io.boomfs.client.MetaClient;
import io.boomfs.datanode.DataClient;
import io.boomfs.engine.runtime.AeronHost;
import io.boomfs.meta.MetaReplica;
import io.boomfs.paxos.kv.KvClient;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Namespace operations through {@link BoomFileSystem} on one metadata shard: create, mkdir,
 * delete (recursive), rename and list, each within one of a few directories made before the run,
 * on a few names (so that ops collide). Each directory is one object of {@link DirectoryModel}
 * (its javadoc says why that partition is sound). The shard's answers EXISTS, IS_DIR, NOT_DIR and
 * NOT_FOUND are results; any other failure (TIMEOUT, UNAVAILABLE) leaves the op's outcome
 * unknown. Each client thread has a file system client of its own (one session, one client id),
 * bound where the nodes reach it, sharing one media driver.
 *
 * <p>With data (a cluster with datanodes), each created file then gets a payload of 1-4 KiB
 * written through the datanode pipeline and completed (call {@code write-data} on key
 * {@code file/<id>}, the payload's number as argument); at quiescence every file listed is read
 * back ({@link FileContents}). Without data, a created file is completed empty.
 */
public final class NamespaceWorkload implements Workload {
    static final long FINAL_PROCESS = 1_000_000_000L;
    private static final Set<String> ANSWERS = Set.of("EXISTS", "IS_DIR", "NOT_DIR", "NOT_FOUND");
    private static final int NAMES = 5;
    /** The calls of the directory model; the data calls are checked by {@link FileContents}. */
    private static final Set<String> NAMESPACE_CALLS = Set.of("create", "mkdir", "delete", "rename", "list");

    private final int dirs;
    private final long deadlineMs;
    private final boolean data;
    /** The shard groups' node ids, in group order; empty: one group of all the cluster's replicas. */
    private final List<List<String>> groups;
    private final long vparts;
    private final AtomicLong payloads = new AtomicLong();
    private final Map<Integer, BoomFileSystem> clients = new ConcurrentHashMap<>();
    private ClusterControl cluster;
    private AeronHost aeron;

    /**
     * @param deadlineMs how long an op may wait for an answer before it counts as unknown
     * @param data       write a payload into every created file and read them back at the end (needs datanodes)
     */
    public NamespaceWorkload(int dirs, long deadlineMs, boolean data) {
        this(dirs, deadlineMs, data, List.of(), MetaClient.DEFAULT_VPARTS);
    }

    private NamespaceWorkload(int dirs, long deadlineMs, boolean data, List<List<String>> groups, long vparts) {
        this.dirs = dirs;
        this.deadlineMs = deadlineMs;
        this.data = data;
        this.groups = groups.stream().map(List::copyOf).toList();
        this.vparts = vparts;
    }

    /**
     * This workload on a cluster of several shard groups ({@code groups}: each group's replica
     * ids, in group order) with {@code vparts} virtual partitions: each client reaches every group
     * and routes by the partition map.
     */
    public NamespaceWorkload onGroups(List<List<String>> shardGroups, long vpartCount) {
        return new NamespaceWorkload(dirs, deadlineMs, data, shardGroups, vpartCount);
    }

    /** The directories the clients work in: {@code /c0}, {@code /c1}, ... */
    public List<String> directories() {
        return java.util.stream.IntStream.range(0, dirs).mapToObj(NamespaceWorkload::dir).toList();
    }

    @Override
    public String name() {
        return "namespace";
    }

    @Override
    public String replicaMainClass() {
        return MetaReplica.class.getName();
    }

    @Override
    public void open(ClusterControl c, long firstWriteTimeoutMs) {
        this.cluster = c;
        this.aeron = AeronHost.embedded(line -> System.err.println("chaos fs client: " + line));
        BoomFileSystem setup = client(-1);
        for (int d = 0; d < dirs; d++) {
            String dir = dir(d);
            Probe.untilOk(firstWriteTimeoutMs, () -> setup.mkdirs(dir));
        }
    }

    private static String dir(int d) {
        return "/c" + d;
    }

    private BoomFileSystem client(int thread) {
        return clients.computeIfAbsent(thread, t -> {
            MetaClient meta = meta("chaos", deadlineMs, line -> System.err.println("chaos fs client: " + line));
            return BoomFileSystem.over(meta,
                BoomFileSystem.Config.defaults().withMetaTimeoutMs(deadlineMs).withFiles(2, 1 << 20)
                    .withData(new DataClient.Config(Math.max(2_000, deadlineMs), Math.max(2_000, deadlineMs))));
        });
    }

    /**
     * A client of every shard group for the caller's own calls (an admin moving vparts), on this
     * workload's media driver; the caller closes it.
     */
    public MetaClient admin(long timeoutMs) {
        return meta("admin", timeoutMs, line -> { });
    }

    /** A metadata client of every group (one group of all the replicas without onGroups), bound where the nodes reach it. */
    private MetaClient meta(String owner, long timeoutMs, java.util.function.Consumer<String> log) {
        List<List<String>> endpoints = groups.isEmpty() ? List.of(cluster.replicaEndpoints())
            : groups.stream().map(g -> g.stream().map(cluster::endpoint).toList()).toList();
        return MetaClient.over(endpoints.stream().map(e -> KvClient.builder(e).bindHost(cluster.clientHost()).aeronHost(aeron)
            .deadlineMs(timeoutMs).log(log).open()).toList(), vparts, owner, timeoutMs);
    }

    @Override
    public void step(int thread, ClientProcess process, Recorder rec, Random random) {
        BoomFileSystem fs = client(thread);
        String dir = dir(random.nextInt(dirs));
        String name = "n" + random.nextInt(NAMES);
        String path = dir + "/" + name;
        int kind = random.nextInt(10);
        if (kind < 3) {
            List<BoomOutputStream> opened = new ArrayList<>();
            process.call(rec, "create", dir, name, () -> answer(() -> opened.add(fs.create(path, false))));
            for (BoomOutputStream out : opened) {
                if (data) {
                    writeData(process, rec, out);
                } else {
                    complete(out);
                }
            }
        } else if (kind < 5) {
            process.call(rec, "mkdir", dir, name, () -> answer(() -> fs.mkdirs(path)));
        } else if (kind < 7) {
            process.call(rec, "delete", dir, name, () -> answer(() -> fs.delete(path, true)));
        } else if (kind < 9) {
            String to = "n" + random.nextInt(NAMES);
            process.call(rec, "rename", dir, Arrays.asList(name, to), () -> answer(() -> fs.rename(path, dir + "/" + to)));
        } else {
            process.call(rec, "list", dir, null, () -> listing(fs, dir));
        }
    }

    /** Writes a new payload into a created file and completes it: one call, unknown when either part fails. */
    private void writeData(ClientProcess process, Recorder rec, BoomOutputStream out) {
        long n = payloads.incrementAndGet();
        process.call(rec, "write-data", "file/" + out.fileId(), n, () -> {
            try (out) {
                out.write(Payload.bytes(n));
            }
            return null;
        });
    }

    /** "ok", or the shard's answer when it is one of the results the model knows; any other failure propagates. */
    private static Object answer(Runnable op) {
        try {
            op.run();
            return "ok";
        } catch (MetaClient.FsException e) {
            if (ANSWERS.contains(e.code())) {
                if (System.getProperty("chaos.answers") != null) {
                    System.err.println("chaos fs answer: " + System.nanoTime() + " " + e.getMessage());
                }
                return e.code();
            }
            throw e;
        }
    }

    /**
     * Closes a created file (complete). A failure there leaves the name as it is, so it is only
     * noted; NOT_FOUND is common and not even that (another client deleted or replaced the file).
     */
    private static void complete(BoomOutputStream out) {
        try {
            out.close();
        } catch (MetaClient.FsException e) {
            if (!e.code().equals("NOT_FOUND")) {
                System.err.println("chaos fs client: completing a created file failed (the name stays): " + e.getMessage());
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("chaos fs client: completing a created file failed (the name stays): " + e.getMessage());
        }
    }

    private static List<String> listing(BoomFileSystem fs, String dir) {
        List<String> names = new ArrayList<>();
        for (Iterator<MetaClient.Entry> it = fs.list(dir); it.hasNext(); ) {
            MetaClient.Entry e = it.next();
            names.add(e.isDir() ? e.name() + "/" : e.name());
        }
        return names;
    }

    @Override
    public Map<String, Object> readFinal(Recorder rec, long timeoutMs) {
        Map<String, Object> out = new LinkedHashMap<>();
        BoomFileSystem fs = client(-2);
        ClientProcess p = new ClientProcess(FINAL_PROCESS, 1);
        for (int d = 0; d < dirs; d++) {
            String dir = dir(d);
            out.put(dir, Probe.untilOk(timeoutMs, () -> {
                ClientProcess.Outcome o = p.call(rec, "list", dir, null, () -> listing(fs, dir));
                if (!o.ok()) {
                    throw new IllegalStateException("the final listing of " + dir + " had no answer");
                }
                return o.value();
            }));
        }
        if (data) {
            readFiles(fs, p, rec, out, timeoutMs);
        }
        return out;
    }

    /** Reads back every file of the final listings into {@code out} ({@code file/<id>} -> what it holds). */
    private static void readFiles(BoomFileSystem fs, ClientProcess p, Recorder rec, Map<String, Object> out, long timeoutMs) {
        Map<String, Object> listings = new LinkedHashMap<>(out);
        listings.forEach((dir, names) -> {
            for (Object name : (List<?>) names) {
                if (name.toString().endsWith("/")) {
                    continue;
                }
                String path = dir + "/" + name;
                long id = Probe.untilOk(timeoutMs, () -> fs.stat(path).id());
                String key = "file/" + id;
                try {
                    out.put(key, Probe.untilOk(timeoutMs, () -> {
                        ClientProcess.Outcome o = p.call(rec, "read-data", key, path, () -> Payload.identify(readAll(fs, path)));
                        if (!o.ok()) {
                            throw new IllegalStateException("reading " + path + " back failed");
                        }
                        return o.value();
                    }));
                } catch (IllegalStateException e) {
                    out.put(key, "UNREADABLE: " + e.getMessage());
                }
            }
        });
    }

    private static byte[] readAll(BoomFileSystem fs, String path) throws IOException {
        try (java.io.InputStream in = fs.open(path)) {
            return in.readAllBytes();
        }
    }

    @Override
    public List<Verdict> check(List<Op> history, Map<String, Object> finalState) {
        List<Call> calls = Calls.pair(history, Set.of("list", "read-data"));
        List<Call> all = calls.stream().filter(c -> NAMESPACE_CALLS.contains(c.f())).toList();
        List<Call> run = all.stream().filter(c -> c.process() < FINAL_PROCESS).toList();
        Map<String, Object> listings = new LinkedHashMap<>();
        Map<String, Object> files = new LinkedHashMap<>();
        finalState.forEach((k, v) -> (k.startsWith("/") ? listings : files).put(k, v));
        List<Verdict> verdicts = new ArrayList<>(List.of(Linearizability.check(DirectoryModel::new, all),
            Quiescence.check(DirectoryModel::new, run, listings, "list")));
        if (data) {
            verdicts.add(FileContents.check(calls, files));
        }
        return verdicts;
    }

    @Override
    public void close() {
        clients.values().forEach(BoomFileSystem::close);
        if (aeron != null) {
            aeron.close();
        }
    }
}
