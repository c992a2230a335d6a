package io.boomfs.chaos.workload;

import io.boomfs.chaos.check.DirectoryModel;
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

/**
 * Namespace operations through {@link BoomFileSystem} on one metadata shard: create, mkdir,
 * delete (recursive), rename and list, each within one of a few directories made before the run,
 * on a few names (so that ops collide). Each directory is one object of {@link DirectoryModel}
 * (its javadoc says why that partition is sound). The shard's answers EXISTS, IS_DIR, NOT_DIR and
 * NOT_FOUND are results; any other failure (TIMEOUT, UNAVAILABLE) leaves the op's outcome
 * unknown. Each client thread has a file system client of its own (one session, one client id),
 * bound where the nodes reach it, sharing one media driver.
 */
public final class NamespaceWorkload implements Workload {
    static final long FINAL_PROCESS = 1_000_000_000L;
    private static final Set<String> ANSWERS = Set.of("EXISTS", "IS_DIR", "NOT_DIR", "NOT_FOUND");
    private static final int NAMES = 5;

    private final int dirs;
    private final long deadlineMs;
    private final Map<Integer, BoomFileSystem> clients = new ConcurrentHashMap<>();
    private ClusterControl cluster;
    private AeronHost aeron;

    /** @param deadlineMs how long an op may wait for an answer before it counts as unknown */
    public NamespaceWorkload(int dirs, long deadlineMs) {
        this.dirs = dirs;
        this.deadlineMs = deadlineMs;
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
            KvClient kv = KvClient.builder(cluster.replicaEndpoints()).bindHost(cluster.clientHost()).aeronHost(aeron)
                .deadlineMs(deadlineMs).log(line -> System.err.println("chaos fs client: " + line)).open();
            return BoomFileSystem.over(MetaClient.over(kv, "chaos", deadlineMs),
                BoomFileSystem.Config.defaults().withMetaTimeoutMs(deadlineMs).withFiles(1, 1 << 20));
        });
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
            opened.forEach(NamespaceWorkload::complete);
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

    /** "ok", or the shard's answer when it is one of the results the model knows; any other failure propagates. */
    private static Object answer(Runnable op) {
        try {
            op.run();
            return "ok";
        } catch (MetaClient.FsException e) {
            if (ANSWERS.contains(e.code())) {
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
        return out;
    }

    @Override
    public List<Verdict> check(List<Op> history, Map<String, Object> finalState) {
        List<Call> all = Calls.pair(history, Set.of("list"));
        List<Call> run = all.stream().filter(c -> c.process() < FINAL_PROCESS).toList();
        return List.of(Linearizability.check(DirectoryModel::new, all),
            Quiescence.check(DirectoryModel::new, run, finalState, "list"));
    }

    @Override
    public void close() {
        clients.values().forEach(BoomFileSystem::close);
        if (aeron != null) {
            aeron.close();
        }
    }
}
