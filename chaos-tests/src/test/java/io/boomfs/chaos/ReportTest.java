package io.boomfs.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.boomfs.chaos.check.Failover;
import io.boomfs.chaos.check.Verdict;
import io.boomfs.chaos.history.HistoryJson;
import io.boomfs.chaos.history.Op;
import io.boomfs.chaos.workload.Nemesis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a run's report directory holds, from a small made-up run. */
class ReportTest {
    /** The report of a small made-up run, written to {@code dir}; returns its history. */
    private static List<Op> writeSample(Path dir) {
        List<Op> history = List.of(Op.invoke(0, "write", "k0", 1L, 1_000_000), Op.ok(0, "write", "k0", null, 3_000_000),
            Op.invoke(1, "read", "k0", null, 2_000_000), Op.info(1, "read", "k0", "Timeout: no answer", 9_000_000),
            Op.invoke(2, "cas", "k0", List.of(1L, 2L), 4_000_000), Op.ok(2, "cas", "k0", true, 5_000_000));
        Failover.Fault kill = new Failover.Fault("kill-leader", "r1", 2_500_000);
        ChaosRun.Result r = new ChaosRun.Result(dir, 42, List.of(Verdict.valid("linearizability", "1 key"),
            Verdict.invalid("no-lost-writes", "1 of 2 acknowledged writes lost", "#0 p0 write k0 1")),
            List.of(new Failover.Figure(kill, 2_500_000, 2_500_000)), List.of(new ChaosRun.Event("kill-leader", "r1", 2_500_000, 4_000_000)),
            List.of("skipping partition-leader: not root"), history);
        Report.write(r, ChaosRun.Options.of("kv", List.of(Nemesis.KILL_LEADER), 10_000, 42, dir), Map.of("k0", 2L));
        return history;
    }

    @Test
    void theReportHoldsHistoryVerdictsFiguresAndATimeline(@TempDir Path dir) throws Exception {
        List<Op> history = writeSample(dir);

        assertEquals(history, HistoryJson.read(dir.resolve("history.jsonl")));
        JsonNode results = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertEquals(false, results.get("valid").booleanValue());
        assertEquals(42, results.get("seed").longValue());
        assertEquals("false", results.get("verdicts").get(1).get("valid").textValue());
        assertEquals(2.5, results.get("failovers").get(0).get("longestGapMs").doubleValue());
        assertEquals(3, results.get("ops").get("invoke").longValue());
        assertEquals(1, results.get("ops").get("info").longValue());
        assertEquals("skipping partition-leader: not root", results.get("skipped").get(0).textValue());

        String html = Files.readString(dir.resolve("timeline.html"));
        assertEquals(3, count(html, "<circle class='op'"), "one point per call");
        assertEquals(1, count(html, "<rect class='fault'"), "one band per fault");
        assertTrue(html.contains("INVALID no-lost-writes: 1 of 2 acknowledged writes lost"), html);
        assertTrue(html.contains("fill='#999'"), "the unknown call is grey");
    }

    /**
     * The timeline renders: headless Chromium (chromium-headless-shell or chromium on the PATH;
     * `.ci/run` installs it as root) takes a screenshot of it, which must show the fault's band
     * and the calls' dots in their colours.
     */
    @Test
    void theTimelineRendersInHeadlessChromium(@TempDir Path dir) throws Exception {
        String chromium = java.util.stream.Stream.of("chromium-headless-shell", "chromium", "google-chrome")
            .filter(ReportTest::onPath).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(chromium != null,
            "no headless Chromium on the PATH (chromium-headless-shell, chromium, google-chrome): the rendering is not checked");
        writeSample(dir);
        Path png = dir.resolve("timeline.png");
        Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1300,900",
            "--screenshot=" + png, dir.resolve("timeline.html").toUri().toString()).redirectErrorStream(true)
            .redirectOutput(dir.resolve("chromium.log").toFile()).start();
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "chromium took over 60 s");
        assertTrue(Files.size(png) > 0, Files.readString(dir.resolve("chromium.log")));
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(1300, img.getWidth());
        int band = 0;
        int dots = 0;
        int unknown = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                band += rgb == 0xF4C7C3 ? 1 : 0;
                dots += near(rgb, 0x1A73E8) ? 1 : 0;
                unknown += near(rgb, 0x999999) ? 1 : 0;
            }
        }
        // The band spans 1.5 of 9 ms of a 1,200-pixel-wide plot, 400 high: some 80,000 pixels.
        assertTrue(band > 20_000, "the fault's band: " + band + " pixels");
        assertTrue(dots > 0, "the answered calls' dots");
        assertTrue(unknown > 0, "the unknown call's dot");
    }

    private static boolean near(int rgb, int want) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs((rgb >> shift & 0xFF) - (want >> shift & 0xFF)) > 24) {
                return false;
            }
        }
        return true;
    }

    private static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }

    private static int count(String text, String what) {
        return (int) Pattern.compile(Pattern.quote(what)).matcher(text).results().count();
    }
}
