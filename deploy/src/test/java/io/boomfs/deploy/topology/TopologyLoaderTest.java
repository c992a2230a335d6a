package io.boomfs.deploy.topology;

import io.boomfs.deploy.Cli;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The topology files: what a good one becomes, and the one precise line each kind of mistake gets. */
class TopologyLoaderTest {
    private static final String GOOD = """
        cluster: t
        groups:
          - replicas:
              - {id: m1, host: 127.0.0.1, port: 7501}
              - {id: m2, host: 127.0.0.1, port: 7502}
              - {id: m3, host: localhost, port: 7503}
        datanodes:
          - {id: dn1, host: 127.0.0.1, port: 7201, capacity: 1G}
        """;

    @Test
    void aGoodFileGetsItsDefaults() {
        Topology t = TopologyLoader.parse("t.yaml", GOOD);
        assertEquals("t", t.cluster());
        assertEquals(256, t.vparts());
        assertEquals("sync", t.durability());
        assertEquals(64L << 20, t.chunkSizeBytes());
        assertEquals("g1", t.groups().get(0).id());
        assertEquals(List.of("127.0.0.1:7501", "127.0.0.1:7502", "localhost:7503"), t.groups().get(0).addresses());
        Topology.Replica m1 = t.groups().get(0).replicas().get(0);
        assertEquals(8501, m1.metricsPort());
        assertEquals("boom-data/t/m1", m1.dataDir());
        Topology.Datanode dn1 = t.datanodes().get(0);
        assertEquals(7301, dn1.controlPort());
        assertEquals(8201, dn1.metricsPort());
        assertEquals(1L << 30, dn1.capacityBytes());
        assertEquals(new Topology.Timing(50, 300, 600, 200, 1000, 10_000), t.timing());
        assertEquals("boom-data/t/logs", t.logDir());
        assertEquals(Long.valueOf(10_000), t.replicaSettings().get("sm.dn_dead_ms"));
        assertEquals(Long.valueOf(50), t.replicaSettings().get("heartbeat_ms"));
    }

    @Test
    void theShippedTopologiesAreGood() {
        Topology one = TopologyLoader.load(Path.of("topologies/local.yaml"));
        assertEquals(1, one.groups().size());
        assertEquals(3, one.datanodes().size());
        Topology two = TopologyLoader.load(Path.of("topologies/local-2shards.yaml"));
        assertEquals(List.of("g1", "g2"), two.groups().stream().map(Topology.Group::id).toList());
        assertEquals(List.of(128L, 128L), two.initialPartitions());
    }

    /** The one problem {@code text} has, as reported. */
    private static String problem(String text) {
        TopologyException e = assertThrows(TopologyException.class, () -> TopologyLoader.parse("t.yaml", text));
        assertEquals(1, e.problems().size(), () -> "one problem expected: " + e.problems());
        return e.problems().get(0);
    }

    @Test
    void unknownKeyNamesItsPlaceAndTheKnownKeys() {
        String p = problem(GOOD.replace("{id: m2,", "{id: m2, prot: 1,"));
        assertTrue(p.startsWith("t.yaml:5:18: groups[0].replicas[1].prot: unknown key (known here: id, host, port, metricsPort, dataDir)"), p);
    }

    @Test
    void unknownTopLevelKey() {
        assertEquals("t.yaml:1:1: clustre: unknown key (known here: cluster, vparts, durability, chunkSize, replication, allowNonHA,"
            + " logDir, settings, timing, security, groups, datanodes)", problem(GOOD.replace("cluster:", "clustre:")));
    }

    @Test
    void theClusterKeyFileIsRelativeToTheTopologyFileAndAbsentByDefault() {
        assertEquals(null, TopologyLoader.parse("t.yaml", GOOD).clusterKeyFile(), "no key: no membership auth");
        String keyed = "security: {clusterKeyFile: cluster.key}\n" + GOOD;
        assertEquals(Path.of("deploy/topologies/cluster.key").toString(),
            TopologyLoader.parse("deploy/topologies/t.yaml", keyed).clusterKeyFile());
        assertEquals("cluster.key", TopologyLoader.parse("t.yaml", keyed).clusterKeyFile());
        assertEquals("/etc/boomfs/cluster.key",
            TopologyLoader.parse("deploy/t.yaml", "security: {clusterKeyFile: /etc/boomfs/cluster.key}\n" + GOOD).clusterKeyFile());
        assertEquals("t.yaml:1:12: security.keyFile: unknown key (known here: clusterKeyFile, rootTokenFile)",
            problem("security: {keyFile: cluster.key}\n" + GOOD));
    }

    @Test
    void aRootTokenFileTurnsClientAuthOn() {
        Topology open = TopologyLoader.parse("t.yaml", GOOD);
        assertEquals(null, open.rootTokenFile());
        assertEquals(null, open.replicaSettings().get("sm.auth"), "no root token: clients are believed");
        Topology auth = TopologyLoader.parse("deploy/t.yaml", "security: {rootTokenFile: root.token}\n" + GOOD);
        assertEquals(Path.of("deploy/root.token").toString(), auth.rootTokenFile());
        assertEquals(1L, auth.replicaSettings().get("sm.auth"));
    }

    @Test
    void portOutOfRange() {
        assertEquals("t.yaml:5:41: groups[0].replicas[1].port: 70000 is out of range 1..65535",
            problem(GOOD.replace("port: 7502", "port: 70000")));
    }

    @Test
    void wrongTypeOfScalar() {
        assertEquals("t.yaml:5:41: groups[0].replicas[1].port: should be a whole number (int 1..65535), not \"seven\"",
            problem(GOOD.replace("port: 7502", "port: seven")));
    }

    @Test
    void wrongTypeOfNode() {
        assertEquals("t.yaml:2:15: groups[0].replicas: should be a list, not a mapping", problem("groups:\n  - replicas: {id: m1}\n"));
    }

    @Test
    void missingField() {
        assertEquals("t.yaml:5:9: groups[0].replicas[1]: missing key port (Its UDP port (Aeron); HOST:PORT is its address in the group.)",
            problem(GOOD.replace(", port: 7502}", "}")));
    }

    @Test
    void missingGroups() {
        assertTrue(problem("cluster: t\n").startsWith("t.yaml:1:1: missing key groups"));
    }

    @Test
    void duplicateNodeId() {
        assertEquals("t.yaml:8:10: datanodes[0].id: node id m1 is already used by groups[0].replicas[0].id",
            problem(GOOD.replace("{id: dn1,", "{id: m1,")));
    }

    @Test
    void duplicatePortOnOneHostCountsLocalhostAs127001() {
        assertEquals("t.yaml:6:41: groups[0].replicas[2].port: port 7502 of host localhost is already used by groups[0].replicas[1].port",
            problem(GOOD.replace("port: 7503", "port: 7502")));
    }

    @Test
    void derivedPortsCollideToo() {
        // dn1's metrics port defaults to 8201; a replica on 8201 takes it first.
        assertEquals("t.yaml:8:5: datanodes[0].metricsPort: port 8201 of host 127.0.0.1 (the default of metricsPort) is already used by groups[0].replicas[0].port",
            problem(GOOD.replace("port: 7501", "port: 8201")));
    }

    @Test
    void duplicateDataDir() {
        assertEquals("t.yaml:5:56: groups[0].replicas[1].dataDir: data directory boom-data/t/m1 is already used by groups[0].replicas[0].dataDir",
            problem(GOOD.replace("port: 7502}", "port: 7502, dataDir: boom-data/t/m1}")));
    }

    @Test
    void groupWithoutThreeReplicas() {
        String two = GOOD.replace("      - {id: m3, host: localhost, port: 7503}\n", "");
        assertEquals("t.yaml:4:7: groups[0].replicas: lists 2 replicas; a group has exactly 3 (one may fail), unless allowNonHA: true",
            problem(two));
        assertEquals(2, TopologyLoader.parse("t.yaml", "allowNonHA: true\n" + two).groups().get(0).replicas().size());
    }

    @Test
    void duplicateKeyInAMapping() {
        assertEquals("t.yaml:2:1: cluster: key given twice (first at line 1)", problem("cluster: a\ncluster: b\n" + GOOD.substring(GOOD.indexOf("groups"))));
    }

    @Test
    void duplicateGroupId() {
        String text = """
            allowNonHA: true
            groups:
              - id: g1
                replicas: [{id: m1, host: 127.0.0.1, port: 7501}]
              - id: g1
                replicas: [{id: m2, host: 127.0.0.1, port: 7502}]
            """;
        assertEquals("t.yaml:5:9: groups[1].id: group id g1 is already used by groups[0].id", problem(text));
    }

    @Test
    void badYamlHasLineAndColumn() {
        String p = problem("cluster: t\ngroups: [\n  {id: g1\n");
        assertTrue(p.startsWith("t.yaml:4:1: bad YAML: "), p);
    }

    @Test
    void tabsAreBadYaml() {
        String p = problem("cluster: t\n\tgroups: []\n");
        assertTrue(p.startsWith("t.yaml:2:1: bad YAML: "), p);
    }

    @Test
    void badEnumBoolAndSize() {
        assertEquals("t.yaml:1:13: durability: should be sync or async, not \"fast\"", problem("durability: fast\n" + GOOD));
        assertEquals("t.yaml:1:13: allowNonHA: should be true or false, not \"yes\"", problem("allowNonHA: yes\n" + GOOD));
        assertEquals("t.yaml:1:12: chunkSize: should be a size from 1 byte to 1073741824 bytes (512M, 10G, ...), not \"2G\"",
            problem("chunkSize: 2G\n" + GOOD));
    }

    @Test
    void timingMustKeepTheLeaseBelowTheElectionTimeout() {
        assertEquals("t.yaml:1:19: timing.leaseMs: should be below electionMinMs (300): a follower may campaign only after the lease it granted ends",
            problem("timing: {leaseMs: 400}\n" + GOOD));
        assertEquals("t.yaml:1:45: timing.electionMaxMs: should be at least electionMinMs (500)",
            problem("timing: {electionMinMs: 500, electionMaxMs: 400}\n" + GOOD));
    }

    @Test
    void unknownReplicaSetting() {
        assertTrue(problem("settings: {hearbeat_ms: 10}\n" + GOOD).startsWith("t.yaml:1:11: settings: unknown replica setting hearbeat_ms"));
    }

    @Test
    void everyProblemOfAFileIsReported() {
        TopologyException e = assertThrows(TopologyException.class,
            () -> TopologyLoader.parse("t.yaml", "vparts: 0\n" + GOOD.replace("port: 7502", "port: 0")));
        assertEquals(2, e.problems().size(), e.problems()::toString);
    }

    @Test
    void aKeyWithNothingIsAnEmptyList() {
        assertEquals(List.of(), TopologyLoader.parse("t.yaml", GOOD.substring(0, GOOD.indexOf("datanodes:")) + "datanodes:\n").datanodes());
        assertEquals("t.yaml:3:14: groups[0].replicas: lists 0 replicas; a group has exactly 3 (one may fail), unless allowNonHA: true",
            problem("groups:\n  - id: g1\n    replicas:\n"));
    }

    @Test
    void emptyFileAndWrongRoot() {
        assertEquals("t.yaml: the topology file is empty (it needs at least groups:)", problem(""));
        assertTrue(problem("- a\n- b\n").startsWith("t.yaml:1:1: should be a mapping of cluster, vparts"));
    }

    @Test
    void commandsExplainAndCheck(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Cli.Result explain = Cli.run(dir, "topology", "explain");
        assertEquals(0, explain.code());
        for (List<Key> keys : Keys.SECTIONS.values()) {
            for (Key k : keys) {
                assertTrue(explain.out().contains(k.name()) && explain.out().contains(k.description()), k.name());
            }
        }
        java.nio.file.Files.writeString(dir.resolve("good.yaml"), GOOD);
        java.nio.file.Files.writeString(dir.resolve("bad.yaml"), GOOD.replace("port: 7502", "port: -1"));
        Cli.Result good = Cli.run(dir, "topology", "check", "good.yaml");
        assertEquals("good.yaml: ok: cluster t, 1 group(s), 3 replica(s), 1 datanode(s), 256 vparts\n", good.out(), good::toString);
        Cli.Result bad = Cli.run(dir, "topology", "check", "bad.yaml");
        assertEquals(1, bad.code());
        assertTrue(bad.err().startsWith("boom: error: " + dir.resolve("bad.yaml") + ":5:41: groups[0].replicas[1].port: -1 is out of range"), bad::toString);
    }
}
