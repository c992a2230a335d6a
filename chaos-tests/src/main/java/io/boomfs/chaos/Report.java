package io.boomfs.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.boomfs.chaos.check.Failover;
import io.boomfs.chaos.check.Verdict;
import io.boomfs.chaos.history.Call;
import io.boomfs.chaos.history.Calls;
import io.boomfs.chaos.history.HistoryJson;
import io.boomfs.chaos.history.Op;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A run's report directory: {@code history.jsonl}, {@code results.json} (verdicts, failover
 * figures, the faults played, op counts, the final state), {@code timeline.html} (every call as a
 * point: when it was invoked against how long it took, unknown ones at the top in grey; the
 * faults as shaded bands) and {@code logs/} (each node's output, written by the cluster); the
 * nodes' {@code data/} stays only when the run was not valid.
 */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Report() {
    }

    static void writeHistory(Path dir, List<Op> history) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        HistoryJson.write(history, dir.resolve("history.jsonl"));
    }

    static void write(ChaosRun.Result r, ChaosRun.Options o, Map<String, Object> finals) {
        writeHistory(r.dir(), r.history());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("valid", r.valid());
        m.put("workload", o.workload());
        m.put("seed", r.seed());
        m.put("nemeses", o.nemeses().stream().map(n -> n.label()).toList());
        m.put("skipped", r.skipped());
        m.put("durationMs", o.durationMs());
        m.put("threads", o.threads());
        m.put("ops", counts(r.history()));
        List<Map<String, Object>> verdicts = new ArrayList<>();
        for (Verdict v : r.verdicts()) {
            verdicts.add(Map.of("checker", v.checker(), "valid", String.valueOf(v.valid()), "summary", v.summary(), "details", v.details()));
        }
        m.put("verdicts", verdicts);
        List<Map<String, Object>> failovers = new ArrayList<>();
        for (Failover.Figure f : r.failovers()) {
            failovers.add(Map.of("nemesis", f.fault().nemesis(), "target", f.fault().target(), "startS", f.fault().startNs() / 1e9,
                "longestGapMs", f.gapNs() / 1e6));
        }
        m.put("failovers", failovers);
        m.put("events", r.events());
        m.put("final", finals);
        try {
            JSON.writeValue(r.dir().resolve("results.json").toFile(), m);
            Files.writeString(r.dir().resolve("timeline.html"), timeline(r), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report in " + r.dir() + ": " + e.getMessage(), e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }

    static Map<String, Long> counts(List<Op> history) {
        Map<String, Long> c = new LinkedHashMap<>();
        for (Op.Type t : Op.Type.values()) {
            c.put(t.json(), history.stream().filter(op -> op.type() == t).count());
        }
        return c;
    }

    /** An SVG of latency over time, self-contained (no script, no network). */
    static String timeline(ChaosRun.Result r) {
        List<Call> calls = Calls.pair(r.history(), Set.of());
        long end = Math.max(1, r.history().isEmpty() ? 1 : r.history().get(r.history().size() - 1).timeNs());
        long maxLatency = Math.max(1, calls.stream().filter(Call::known).mapToLong(c -> c.returnNs() - c.invokeNs()).max().orElse(1));
        int w = 1200;
        int h = 400;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' id='timeline'>", w + 60, h + 40));
        for (ChaosRun.Event e : r.events()) {
            double x0 = 50 + (double) e.startNs() / end * w;
            double x1 = 50 + (double) e.endNs() / end * w;
            svg.append(String.format(Locale.ROOT, "<rect class='fault' x='%.1f' y='10' width='%.1f' height='%d' fill='#f4c7c3'>"
                + "<title>%s %s</title></rect>", x0, Math.max(1, x1 - x0), h, esc(e.nemesis()), esc(e.target())));
        }
        for (Call c : calls) {
            double x = 50 + (double) c.invokeNs() / end * w;
            double y = c.known() ? 10 + h - (double) (c.returnNs() - c.invokeNs()) / maxLatency * h : 14;
            svg.append(String.format(Locale.ROOT, "<circle class='op' cx='%.1f' cy='%.1f' r='1.5' fill='%s'/>", x, y,
                c.known() ? "#1a73e8" : "#999"));
        }
        svg.append(String.format(Locale.ROOT, "<text x='50' y='%d' font-size='12'>0 s</text><text x='%d' y='%d' font-size='12'>%.1f s</text>"
            + "<text x='0' y='20' font-size='12'>%.0f ms</text></svg>", h + 30, w, h + 30, end / 1e9, maxLatency / 1e6));
        StringBuilder html = new StringBuilder("<!DOCTYPE html><html><head><meta charset='utf-8'><title>chaos run ")
            .append(esc(r.dir().getFileName().toString())).append("</title></head><body><h1>")
            .append(r.valid() ? "VALID" : "INVALID").append(" &mdash; seed ").append(r.seed()).append("</h1><ul>");
        r.verdicts().forEach(v -> html.append("<li>").append(esc(v.line())).append("</li>"));
        html.append("</ul><p>Each dot is a call: when it was invoked (x) and how long it took (y); grey at the top: unknown "
            + "outcome. Red bands: faults.</p>").append(svg).append("<ul>");
        r.failovers().forEach(f -> html.append("<li>").append(esc(f.line())).append("</li>"));
        return html.append("</ul></body></html>\n").toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }
}
