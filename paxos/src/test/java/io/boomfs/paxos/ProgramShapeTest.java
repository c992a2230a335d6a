package io.boomfs.paxos;

import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.lang.Diagnostic;
import io.boomfs.engine.program.Program;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shape of the protocol: it compiles without an error or a warning, and the rule and line
 * counts of each role file are printed (issue 5 asks for them in the report).
 */
class ProgramShapeTest {
    /** A rule ends with a period after ":-"; facts and declarations have no ":-". */
    private static final Pattern RULE = Pattern.compile(":-");

    @Test
    void compilesWithoutWarnings() {
        Program p = ReplicatedLog.compileKv();
        assertTrue(p.relation("p1a") != null && p.relation("a_accepted").durable && p.relation("p_round").durable,
            "the protocol relations exist and the acceptor state is durable");
        String src = "import \"replica.olg\".\nimport \"kv.olg\".\n";
        Compiler.Result r = Compiler.compileSource("/boomfs-classpath/io/boomfs/paxos/x.olg", src,
            ReplicatedLog.functions(), path -> {
                String name = path.getFileName().toString();
                return ReplicatedLog.resourceText(name);
            });
        List<Diagnostic> diags = r.diagnostics();
        assertEquals(List.of(), diags, "no diagnostics at all");
    }

    @Test
    void printsRuleAndLineCounts() {
        int totalRules = 0;
        int totalLines = 0;
        StringBuilder sb = new StringBuilder("file            rules  lines\n");
        for (String f : List.of("messages.olg", "acceptor.olg", "proposer.olg", "learner.olg", "election.olg",
            "replica.olg", "kv.olg")) {
            String text = ReplicatedLog.resourceText(f);
            int rules = countRules(text);
            int lines = text.split("\n", -1).length - (text.endsWith("\n") ? 1 : 0);
            totalRules += rules;
            totalLines += lines;
            sb.append(String.format("%-15s %5d  %5d%n", f, rules, lines));
        }
        sb.append(String.format("%-15s %5d  %5d%n", "total", totalRules, totalLines));
        System.out.print(sb);
        assertTrue(totalRules > 50, "the protocol has its rules");
    }

    private static int countRules(String text) {
        int n = 0;
        for (String line : text.split("\n")) {
            String code = line.contains("//") ? line.substring(0, line.indexOf("//")) : line;
            Matcher m = RULE.matcher(code);
            while (m.find()) {
                n++;
            }
        }
        return n;
    }
}
