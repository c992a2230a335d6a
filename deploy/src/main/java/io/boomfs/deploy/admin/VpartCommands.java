package io.boomfs.deploy.admin;

import io.boomfs.client.MetaClient;
import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.deploy.topology.Topology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * The partition map of a running cluster and moving its vparts (metadata-shard/DESIGN.md,
 * "Partitioning" and "Moving a vpart"), through the shard groups themselves: {@code boom admin
 * map} (the live map and each vpart's load), {@code move-vpart V --to GROUP} and
 * {@code rebalance [--dry-run]}.
 */
final class VpartCommands {
    private VpartCommands() {
    }

    /** The live map: group 0's, with each vpart's owner, and what each vpart holds. */
    record Map0(long epoch, long vparts, int groups, Map<Long, Integer> owner, Map<Long, long[]> load) {
        /** Load of a vpart: directories + files (what its ops and memory grow with). */
        long weight(long v) {
            long[] l = load.getOrDefault(v, new long[3]);
            return l[0] + l[1];
        }

        long groupWeight(int g) {
            long w = 0;
            for (Map.Entry<Long, Integer> e : owner.entrySet()) {
                if (e.getValue() == g) {
                    w += weight(e.getKey());
                }
            }
            return w;
        }
    }

    /** A client of every group of {@code t}, as the user of the admin's --token-file if it names one. */
    static MetaClient client(AdminCommand admin, Topology t) {
        List<List<String>> groups = new ArrayList<>();
        t.groups().forEach(g -> groups.add(g.addresses()));
        io.boomfs.meta.Tokens.Token token = admin.token();
        MetaClient c = MetaClient.open(groups, t.vparts(), "admin", 10_000);
        return token == null ? c : c.as(token.user(), token.secret());
    }

    static List<?> ok(Object answer, String what) {
        if (answer instanceof List<?> r && !r.isEmpty() && "ok".equals(r.get(0))) {
            return r;
        }
        throw new CliException(what + ": the cluster answered " + answer);
    }

    static Map0 read(MetaClient c) {
        List<?> m = ok(c.operate(List.of("map"), 0), "the map");
        long vparts = (Long) m.get(3);
        int groups = ((Long) m.get(2)).intValue();
        Map<Long, Integer> owner = new TreeMap<>();
        for (long v = 0; v < vparts; v++) {
            owner.put(v, (int) (v % groups));
        }
        for (Object o : (List<?>) m.get(5)) {
            List<?> x = (List<?>) o;
            owner.put((Long) x.get(0), ((Long) x.get(1)).intValue());
        }
        Map<Long, long[]> load = new TreeMap<>();
        for (int g = 0; g < c.groups(); g++) {
            for (Object o : (List<?>) ok(c.operate(List.of("load"), g), "group " + g + "'s load").get(1)) {
                List<?> x = (List<?>) o;
                long v = (Long) x.get(0);
                if (owner.get(v) != g) {
                    continue;
                }
                int k = switch ((String) x.get(1)) {
                    case "dirs" -> 0;
                    case "files" -> 1;
                    default -> 2;
                };
                load.computeIfAbsent(v, z -> new long[3])[k] = ((Number) x.get(2)).longValue();
            }
        }
        return new Map0((Long) m.get(4), vparts, groups, owner, load);
    }

    /** Moves {@code v} to group {@code to} and waits for it, printing progress; returns the seconds it took. */
    static double move(MetaClient c, long v, int to, PrintStream out) {
        Map0 m = read(c);
        Integer from = m.owner().get(v);
        if (from == null) {
            throw new CliException("no vpart " + v + " (the cluster has " + m.vparts() + ")");
        }
        if (to < 0 || to >= m.groups()) {
            throw new CliException("no group " + to + " (the cluster has " + m.groups() + ", numbered 0.." + (m.groups() - 1) + ")");
        }
        if (from == to) {
            out.printf("vpart %d is in group %d already%n", v, to);
            return 0;
        }
        long t0 = System.nanoTime();
        ok(c.operate(List.of("mv_begin", v, (long) to), from), "moving vpart " + v);
        String last = "";
        while (true) {
            List<?> st = ok(c.operate(List.of("mv_status", v), from), "the move of vpart " + v);
            String state = (String) st.get(1);
            if (state.equals("none")) {
                if (((Long) st.get(2)).intValue() != to) {
                    throw new CliException("vpart " + v + " ended in group " + st.get(2) + ", not " + to);
                }
                break;
            }
            String line = state.equals("copying") ? String.format("vpart %d -> group %d: %d of %d pages", v, to, st.get(3), st.get(4))
                : "vpart " + v + " -> group " + to + ": " + state;
            if (!line.equals(last)) {
                out.println(line);
                last = line;
            }
            if (System.nanoTime() - t0 > 600_000_000_000L) {
                throw new CliException("the move of vpart " + v + " did not end in 10 minutes; it goes on in the cluster");
            }
            io.boomfs.engine.runtime.Pause.millis(100);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        out.printf("vpart %d moved from group %d to group %d in %.2f s%n", v, from, to, s);
        return s;
    }

    @Command(name = "map", mixinStandardHelpOptions = true, versionProvider = Boom.Version.class,
        description = "The live partition map (group 0's, with its epoch): each group's vparts, directories, files and bytes.")
    static final class Show implements Callable<Integer> {
        @ParentCommand
        private AdminCommand admin;

        @Option(names = "--vparts", description = "Also list every vpart with its group and load.")
        private boolean each;

        @Override
        public Integer call() {
            Topology t = admin.topology();
            try (MetaClient c = client(admin, t)) {
                Map0 m = read(c);
                PrintStream out = admin.app().out();
                out.printf("partition map of %s: epoch %d, %d vparts over %d group(s)%n", t.cluster(), m.epoch(), m.vparts(), m.groups());
                out.printf("%-6s %-6s %8s %10s %10s %14s%n", "GROUP", "ID", "VPARTS", "DIRS", "FILES", "BYTES");
                for (int g = 0; g < m.groups(); g++) {
                    long n = 0;
                    long[] sum = new long[3];
                    for (Map.Entry<Long, Integer> e : m.owner().entrySet()) {
                        if (e.getValue() == g) {
                            n++;
                            long[] l = m.load().getOrDefault(e.getKey(), new long[3]);
                            for (int k = 0; k < 3; k++) {
                                sum[k] += l[k];
                            }
                        }
                    }
                    out.printf("%-6d %-6s %8d %10d %10d %14d%n", g, t.groups().get(g).id(), n, sum[0], sum[1], sum[2]);
                }
                if (each) {
                    out.printf("%n%-6s %-6s %10s %10s %14s%n", "VPART", "GROUP", "DIRS", "FILES", "BYTES");
                    for (Map.Entry<Long, Integer> e : m.owner().entrySet()) {
                        long[] l = m.load().getOrDefault(e.getKey(), new long[3]);
                        out.printf("%-6d %-6d %10d %10d %14d%n", e.getKey(), e.getValue(), l[0], l[1], l[2]);
                    }
                }
            }
            return Boom.OK;
        }
    }

    @Command(name = "move-vpart", mixinStandardHelpOptions = true, versionProvider = Boom.Version.class,
        description = {"Move vpart V to group GROUP (its number, 0..N-1) while clients work: V freezes, its rows go to the group, "
            + "the map moves on; prints progress and the time it took."})
    static final class Move implements Callable<Integer> {
        @ParentCommand
        private AdminCommand admin;

        @Parameters(index = "0", paramLabel = "V", description = "The vpart.")
        private long vpart;

        @Option(names = "--to", required = true, paramLabel = "GROUP", description = "The group's number (0..N-1).")
        private int to;

        @Override
        public Integer call() {
            try (MetaClient c = client(admin, admin.topology())) {
                move(c, vpart, to, admin.app().out());
            }
            return Boom.OK;
        }
    }

    @Command(name = "rebalance", mixinStandardHelpOptions = true, versionProvider = Boom.Version.class,
        description = {"Even the groups' load (directories + files per vpart, counted now): moves vparts from the heaviest group "
            + "to the lightest while that narrows the gap; --dry-run prints the plan only."})
    static final class Rebalance implements Callable<Integer> {
        @ParentCommand
        private AdminCommand admin;

        @Option(names = "--dry-run", description = "Print the plan; move nothing.")
        private boolean dryRun;

        @Option(names = "--max-moves", paramLabel = "N", defaultValue = "64", description = "At most N moves (default ${DEFAULT-VALUE}).")
        private int maxMoves;

        @Override
        public Integer call() {
            PrintStream out = admin.app().out();
            try (MetaClient c = client(admin, admin.topology())) {
                Map0 m = read(c);
                List<long[]> plan = plan(m, maxMoves);
                for (int g = 0; g < m.groups(); g++) {
                    out.printf("group %d: load %d (directories + files)%n", g, m.groupWeight(g));
                }
                if (plan.isEmpty()) {
                    out.println("balanced: no move narrows the gap");
                    return Boom.OK;
                }
                out.printf("plan: %d move(s)%n", plan.size());
                for (long[] p : plan) {
                    out.printf("  vpart %d (load %d): group %d -> group %d%n", p[0], m.weight(p[0]), p[1], p[2]);
                }
                if (dryRun) {
                    return Boom.OK;
                }
                int done = 0;
                for (long[] p : plan) {
                    move(c, p[0], (int) p[2], out);
                    out.printf("[%d/%d moves]%n", ++done, plan.size());
                }
            }
            return Boom.OK;
        }
    }

    /**
     * Greedy: while the heaviest and the lightest group differ, move the heaviest group's vpart
     * whose load is closest to half the gap (never one that would turn the gap around).
     */
    static List<long[]> plan(Map0 m, int maxMoves) {
        Map<Long, Integer> owner = new TreeMap<>(m.owner());
        List<long[]> plan = new ArrayList<>();
        while (plan.size() < maxMoves) {
            long[] w = new long[m.groups()];
            owner.forEach((v, g) -> w[g] += m.weight(v));
            int heavy = 0;
            int light = 0;
            for (int g = 1; g < w.length; g++) {
                heavy = w[g] > w[heavy] ? g : heavy;
                light = w[g] < w[light] ? g : light;
            }
            long gap = w[heavy] - w[light];
            final int h = heavy;
            Long best = owner.entrySet().stream().filter(e -> e.getValue() == h).map(Map.Entry::getKey)
                .filter(v -> m.weight(v) > 0 && 2 * m.weight(v) < 2 * gap)
                .min(Comparator.comparingLong(v -> Math.abs(2 * m.weight(v) - gap))).orElse(null);
            if (best == null) {
                return plan;
            }
            owner.put(best, light);
            plan.add(new long[] {best, heavy, light});
        }
        return plan;
    }
}
