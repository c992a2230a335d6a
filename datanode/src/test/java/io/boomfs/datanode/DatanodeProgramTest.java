package io.boomfs.datanode;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;
import io.boomfs.engine.runtime.Schemas;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * datanode.olg as a pure step function on a manual clock (no network, no threads): when
 * heartbeats and reports go out, how a round is cut into pages, and what a store change sends.
 * The real thing over Aeron is {@link ControlPathTest}.
 */
class DatanodeProgramTest {
    private static final String ME = "127.0.0.1:9000";
    private static final List<String> REPLICAS = List.of("127.0.0.1:9001", "127.0.0.1:9002");

    /** The node and every tuple it sent, by step time. */
    private static final class Dn {
        final OverlogNode node = new OverlogNode(ControlPath.program(), ME);
        final List<Tuple> inbound = new ArrayList<>();
        final Map<Long, List<Tuple>> sent = new TreeMap<>();

        Dn(int chunks, long heartbeatMs, long reportMs) {
            for (String r : REPLICAS) {
                node.load(new Tuple("dn_member", 0L, r));
            }
            node.load(new Tuple("dn_config", "heartbeat_ms", heartbeatMs));
            node.load(new Tuple("dn_config", "report_ms", reportMs));
            for (long c = 0; c < chunks; c++) {
                node.load(new Tuple("dn_chunk", 1000 + c, c));
            }
            node.load(new Tuple("dn_disk", 1L << 30, 4096L, (long) chunks));
        }

        /** Steps every 10 ms from {@code from} through {@code to}; returns what was sent to the first replica. */
        List<Tuple> run(long from, long to) {
            List<Tuple> out = new ArrayList<>();
            for (long t = from; t <= to; t += 10) {
                StepResult r = node.step(t, List.copyOf(inbound));
                inbound.clear();
                assertTrue(r.dieMessages().isEmpty(), r.dieMessages().toString());
                List<Tuple> first = r.outbound().getOrDefault(REPLICAS.get(0), List.of());
                assertEquals(first.size(), r.outbound().getOrDefault(REPLICAS.get(1), List.of()).size(), "every replica hears the same");
                out.addAll(first);
                sent.computeIfAbsent(t, k -> new ArrayList<>()).addAll(first);
            }
            return out;
        }
    }

    private static List<Tuple> of(List<Tuple> ts, String relation) {
        return ts.stream().filter(t -> t.relation().equals(relation)).toList();
    }

    @Test
    void theProgramCompilesWithoutWarnings() {
        assertEquals(List.of(), ControlPath.program().warnings().stream().map(Object::toString).toList());
    }

    @Test
    void heartbeatsWaitForTheDataAddressThenComeEveryPeriodAndTheFirstReportFollows() {
        Dn dn = new Dn(3, 100, 1_000);
        assertEquals(List.of(), dn.run(0, 200), "no heartbeat and no report before the data server listens");
        dn.node.load(new Tuple("dn_data_addr", "127.0.0.1:7000"));
        List<Tuple> out = dn.run(210, 1_500);
        List<Tuple> hbs = of(out, "dn_hb");
        assertEquals(new Tuple("dn_hb", REPLICAS.get(0), ME, "127.0.0.1:7000", 1L << 30, 4096L, 3L), hbs.get(0));
        // 1,290 ms after the first one, one every 100 ms (the 20 ms check timer fires on the 10 ms steps).
        assertEquals(13, hbs.size(), hbs.toString());
        List<Tuple> reports = of(out, "dn_report");
        // The start report (round = the first step's time, 0) the step after the first heartbeat, then one a second later.
        assertEquals(List.of(0L, 1L), reports.stream().map(t -> (Long) t.get(2)).toList());
        long firstHb = dn.sent.entrySet().stream().filter(e -> !of(e.getValue(), "dn_hb").isEmpty()).findFirst().orElseThrow().getKey();
        long firstReport = dn.sent.entrySet().stream().filter(e -> !of(e.getValue(), "dn_report").isEmpty()).findFirst().orElseThrow()
            .getKey();
        assertTrue(firstReport > firstHb, "report at " + firstReport + ", heartbeat at " + firstHb);
        assertEquals(List.of(List.of(1000L, 0L), List.of(1001L, 1L), List.of(1002L, 2L)), reports.get(0).get(5));
        assertEquals(true, reports.get(0).get(4));
    }

    @Test
    void aRoundIsCutIntoPagesOfAtMost256SortedChunksSentInOneStepAndOnlyTheLastSaysSo() {
        Dn dn = new Dn(600, 100, 60_000);
        dn.node.load(new Tuple("dn_data_addr", "127.0.0.1:7000"));
        List<Tuple> pages = new ArrayList<>(of(dn.run(0, 200), "dn_report"));
        assertEquals(1, dn.sent.values().stream().filter(ts -> !of(ts, "dn_report").isEmpty()).count(), "one step");
        pages.sort((a, b) -> Long.compare((Long) a.get(3), (Long) b.get(3)));
        assertEquals(List.of(0L, 1L, 2L), pages.stream().map(t -> (Long) t.get(3)).toList());
        assertEquals(List.of(false, false, true), pages.stream().map(t -> (Boolean) t.get(4)).toList());
        List<Object> all = new ArrayList<>();
        for (Tuple p : pages) {
            assertTrue(((List<?>) p.get(5)).size() <= 256, "page size " + ((List<?>) p.get(5)).size());
            all.addAll((List<?>) p.get(5));
        }
        assertEquals(600, all.size());
        for (int i = 0; i < 600; i++) {
            assertEquals(List.of(1000L + i, (long) i), all.get(i));
        }
    }

    @Test
    void aDatanodeWithoutChunksSendsOneEmptyLastPage() {
        Dn dn = new Dn(0, 100, 60_000);
        dn.node.load(new Tuple("dn_data_addr", "127.0.0.1:7000"));
        List<Tuple> reports = of(dn.run(0, 200), "dn_report");
        assertEquals(List.of(new Tuple("dn_report", REPLICAS.get(0), ME, 0L, 0L, true, List.of())), reports);
    }

    @Test
    void storeChangesAreSentAndTheLastChangeOfAChunkInAStepWins() {
        Dn dn = new Dn(1, 100, 60_000);
        dn.node.load(new Tuple("dn_data_addr", "127.0.0.1:7000"));
        dn.run(0, 100);
        dn.inbound.add(new Tuple("dn_store_change", 1L, 7L, 50L));
        dn.inbound.add(new Tuple("dn_store_change", 2L, 7L, -1L));
        dn.inbound.add(new Tuple("dn_store_change", 3L, 8L, -1L));
        dn.inbound.add(new Tuple("dn_store_change", 4L, 8L, 60L));
        dn.inbound.add(new Tuple("dn_store_change", 5L, 1000L, -1L));
        List<Tuple> out = dn.run(110, 110);
        assertEquals(List.of(new Tuple("dn_added", REPLICAS.get(0), ME, 8L, 60L)), of(out, "dn_added"));
        assertEquals(List.of(new Tuple("dn_removed", REPLICAS.get(0), ME, 7L), new Tuple("dn_removed", REPLICAS.get(0), ME, 1000L)),
            of(out, "dn_removed").stream().sorted((a, b) -> Long.compare((Long) a.get(2), (Long) b.get(2))).toList());
        dn.run(120, 120);
        assertEquals(List.of(new Tuple("dn_chunk", 8L, 60L)), dn.node.contents("dn_chunk"));
    }

    @Test
    void aRoundHoldsTheChangesSentInItsStep() {
        Dn dn = new Dn(3, 100, 1_000);
        dn.node.load(new Tuple("dn_data_addr", "127.0.0.1:7000"));
        dn.run(0, 200);
        // The next round is due at the first check at or after 1,020 ms (the first went out at 20).
        dn.run(210, 1_010);
        dn.inbound.add(new Tuple("dn_store_change", 1L, 5000L, 9L));
        dn.inbound.add(new Tuple("dn_store_change", 2L, 1001L, -1L));
        List<Tuple> out = dn.run(1_020, 1_020);
        assertEquals(List.of(new Tuple("dn_added", REPLICAS.get(0), ME, 5000L, 9L)), of(out, "dn_added"));
        assertEquals(List.of(new Tuple("dn_report", REPLICAS.get(0), ME, 1L, 0L, true, List.of(List.of(1000L, 0L), List.of(1002L, 2L),
            List.of(5000L, 9L)))), of(out, "dn_report"));
    }

    /**
     * Two shard groups of one replica each, 4 vparts: a chunk's changes and reports go to the
     * group owning its vpart (the id's top bits; vpart v starts in group v mod 2), heartbeats and
     * map questions to all / group 0; a move told by a group sends a new round at once, with the
     * moved vpart's chunks at their new group.
     */
    @Test
    void chunksAreReportedToTheGroupOwningTheirVpartAndFollowAMove() {
        String g0 = "127.0.0.1:9001";
        String g1 = "127.0.0.1:9002";
        OverlogNode node = new OverlogNode(ControlPath.program(), ME);
        node.load(new Tuple("dn_member", 0L, g0));
        node.load(new Tuple("dn_member", 1L, g1));
        node.load(new Tuple("dn_config", "vparts", 4L));
        node.load(new Tuple("dn_config", "heartbeat_ms", 100L));
        node.load(new Tuple("dn_config", "report_ms", 60_000L));
        long v1 = 1L << 40;
        long v2 = 2L << 40;
        node.load(new Tuple("dn_chunk", v1 + 5, 10L));
        node.load(new Tuple("dn_chunk", v2 + 6, 20L));
        node.load(new Tuple("dn_disk", 1L << 30, 30L, 2L));
        node.load(new Tuple("dn_data_addr", "127.0.0.1:7000"));
        Map<String, List<Tuple>> out = new TreeMap<>();
        java.util.function.BiConsumer<Long, List<Tuple>> step = (t, in) -> node.step(t, in).outbound()
            .forEach((to, ts) -> out.computeIfAbsent(to, k -> new ArrayList<>()).addAll(ts));
        for (long t = 0; t <= 100; t += 10) {
            step.accept(t, List.of());
        }
        assertEquals(List.of(List.of(v2 + 6, 20L)), of(out.get(g0), "dn_report").get(0).get(5), "vpart 2 is group 0's");
        assertEquals(List.of(List.of(v1 + 5, 10L)), of(out.get(g1), "dn_report").get(0).get(5), "vpart 1 is group 1's");
        int hbs = of(out.get(g0), "dn_hb").size();
        assertTrue(hbs > 0);
        assertEquals(hbs, of(out.get(g1), "dn_hb").size(), "heartbeats go to every group");
        assertEquals(java.util.Collections.nCopies(hbs, new Tuple("dn_map_ask", g0, ME, 0L)), of(out.get(g0), "dn_map_ask"),
            "the map is asked of group 0 with every heartbeat");
        assertEquals(List.of(), of(out.get(g1), "dn_map_ask"));
        out.clear();
        step.accept(110L, List.of(new Tuple("dn_store_change", 1L, v1 + 7, 3L)));
        assertEquals(List.of(new Tuple("dn_added", g1, ME, v1 + 7, 3L)), of(out.get(g1), "dn_added"));
        assertEquals(null, out.get(g0));
        // Group 0 takes vpart 1 at epoch 1 and says so: a round at once, vpart 1's chunks to group 0.
        out.clear();
        step.accept(120L, List.of(new Tuple("dn_map_tell", ME, List.of(List.of(1L, 0L, 1L)))));
        step.accept(130L, List.of());
        assertEquals(List.of(List.of(v1 + 5, 10L), List.of(v1 + 7, 3L), List.of(v2 + 6, 20L)),
            of(out.get(g0), "dn_report").get(0).get(5));
        assertEquals(List.of(new Tuple("dn_report", g1, ME, 1L, 0L, true, List.of())), of(out.get(g1), "dn_report"),
            "group 1 settles a round without them");
        assertEquals(List.of(new Tuple("dn_moved", 1L, 0L, 1L)), node.contents("dn_moved"));
        // An older word about the vpart changes nothing.
        out.clear();
        step.accept(140L, List.of(new Tuple("dn_map_tell", ME, List.of(List.of(1L, 1L, 0L)))));
        step.accept(150L, List.of(new Tuple("dn_store_change", 2L, v1 + 8, 4L)));
        assertEquals(List.of(new Tuple("dn_added", g0, ME, v1 + 8, 4L)), of(out.get(g0), "dn_added"));
        assertEquals(List.of(), of(out.getOrDefault(g0, List.of()), "dn_report"));
    }

    @Test
    void theMessagesAreExactlyTheEightOfTheDesignAndAProgramImportingThemHasTheSameFingerprints() {
        Program messages = ControlPath.compile("only-messages.olg", "import \"dn_messages.olg\".\n");
        Program included = ControlPath.compile("included.olg", ControlPath.messagesText());
        List<String> names = List.of("dn_hb", "dn_added", "dn_removed", "dn_report", "dn_copy", "dn_delete", "dn_map_ask", "dn_map_tell");
        List<String> declared = messages.relations().stream().filter(r -> !r.internal && r.kind == Relation.Kind.EVENT
            && r.name.startsWith("dn_")).map(r -> r.name).toList();
        assertEquals(names.stream().sorted().toList(), declared.stream().sorted().toList());
        for (String n : names) {
            long fp = Schemas.fingerprint(messages.relation(n));
            assertEquals(fp, Schemas.fingerprint(ControlPath.program().relation(n)), n);
            assertEquals(fp, Schemas.fingerprint(included.relation(n)), n);
        }
        assertEquals("dn_report(@Replica: addr, Dn: addr, Round: long, Page: long, Last: bool, Chunks: any)",
            decl(messages.relation("dn_report")));
    }

    private static String decl(Relation r) {
        StringBuilder sb = new StringBuilder(r.name).append('(');
        for (int i = 0; i < r.arity(); i++) {
            sb.append(i == 0 ? "@" : ", ").append(r.columns[i]).append(": ").append(r.types[i].text());
        }
        return sb.append(')').toString();
    }
}
