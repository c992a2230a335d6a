package io.boomfs.chaos.check;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * At most one replica leads in each ballot, read from the replicas' own logs: every
 * {@code ROLE leader <ballot>} line a replica printed (ReplicaServer prints one whenever it
 * takes the lead). Paxos's safety needs it (a ballot's owner is the only proposer of that
 * ballot); ballots are {@code Round * 256 + ReplicaId}, so two leaders in one would mean two
 * replicas with one id or a counter gone back after a restart.
 */
public final class LeaderPerBallot {
    public static final String NAME = "one-leader-per-ballot";
    private static final Pattern ROLE = Pattern.compile("\\bROLE leader (\\d+)\\b");

    private LeaderPerBallot() {
    }

    /** @param logs each replica's log lines, by replica id */
    public static Verdict check(Map<String, List<String>> logs) {
        TreeMap<Long, Set<String>> leaders = new TreeMap<>();
        for (Map.Entry<String, List<String>> e : logs.entrySet()) {
            for (String line : e.getValue()) {
                Matcher m = ROLE.matcher(line);
                if (m.find()) {
                    leaders.computeIfAbsent(Long.parseLong(m.group(1)), b -> new TreeSet<>()).add(e.getKey());
                }
            }
        }
        StringBuilder bad = new StringBuilder();
        leaders.forEach((ballot, who) -> {
            if (who.size() > 1) {
                bad.append("ballot ").append(ballot).append(" (round ").append(ballot / 256).append(", owner id ")
                    .append(ballot % 256).append(") was led by ").append(who).append('\n');
            }
        });
        if (bad.length() > 0) {
            return Verdict.invalid(NAME, "two leaders in one ballot", bad.toString());
        }
        String range = leaders.isEmpty() ? "" : " (" + leaders.firstKey() + " .. " + leaders.lastKey() + ")";
        return Verdict.valid(NAME, leaders.size() + " ballots led, each by one replica" + range);
    }
}
