package io.boomfs.deploy.up;

import io.boomfs.deploy.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Users from the command line (issue 10): {@code boom admin user root-token} writes root's token,
 * a topology naming it ({@code security.rootTokenFile}) makes {@code boom node} replicas require a
 * token from every client; root adds alice with {@code boom admin user add}; {@code boom fs} as
 * alice is held to her rights and one without a token is refused, each in one plain line.
 */
class UsersProcessTest {
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void rootAddsAUserWhoseRightsTheShardChecks(@TempDir Path dir) throws Exception {
        Cli.Result made = Cli.run(dir, "admin", "user", "root-token", "root.token");
        assertEquals(0, made.code(), made::toString);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("root.token"))));
        assertTrue(Files.readString(dir.resolve("root.token")).startsWith("root:"));
        Cli.Result again = Cli.run(dir, "admin", "user", "root-token", "root.token");
        assertEquals(2, again.code(), "an existing token is not replaced: " + again);

        Path base = BoomProcess.topology(dir, 3, 0);
        Path topology = dir.resolve("t.yaml");
        Files.writeString(topology, "security: {rootTokenFile: root.token}\n" + Files.readString(base));
        String t = topology.toString();
        try (BoomProcess m1 = node(dir, t, "m1"); BoomProcess m2 = node(dir, t, "m2"); BoomProcess m3 = node(dir, t, "m3")) {
            for (BoomProcess p : List.of(m1, m2, m3)) {
                p.await(l -> l.startsWith("READY 127.0.0.1:"), 90_000);
            }
            String root = dir.resolve("root.token").toString();
            Cli.Result add = retry(() -> Cli.run(dir, "admin", "--topology", t, "--token-file", root, "user", "add", "alice",
                "--groups", "staff", "--out", "alice.token"));
            assertEquals(0, add.code(), add::toString);
            String alice = dir.resolve("alice.token").toString();
            Cli.Result list = Cli.run(dir, "admin", "--topology", t, "--token-file", root, "user", "list");
            assertTrue(list.code() == 0 && list.out().contains("alice") && list.out().contains("staff"), list::toString);

            Cli.Result anonymous = Cli.run(dir, "fs", "--topology", t, "mkdir", "-p", "/x");
            assertEquals(1, anonymous.code(), anonymous::toString);
            assertEquals("boom fs: /x: Not authenticated (give --token-file)", anonymous.err().strip());
            Cli.Result notHers = Cli.run(dir, "fs", "--topology", t, "--token-file", alice, "mkdir", "-p", "/home/alice");
            assertEquals(1, notHers.code(), notHers::toString);
            assertTrue(notHers.err().strip().startsWith("boom fs: /home/alice: Permission denied (alice has no write+execute right on /"),
                notHers::toString);
            Cli.Result home = Cli.run(dir, "fs", "--topology", t, "--token-file", root, "mkdir", "-p", "/home/alice");
            assertEquals(0, home.code(), home::toString);
            Cli.Result chown = Cli.run(dir, "fs", "--topology", t, "--token-file", root, "chown", "alice:staff", "/home/alice");
            assertEquals(0, chown.code(), chown::toString);
            Cli.Result hers = Cli.run(dir, "fs", "--topology", t, "--token-file", alice, "mkdir", "-p", "/home/alice/d");
            assertEquals(0, hers.code(), hers::toString);
            Cli.Result chownByAlice = Cli.run(dir, "fs", "--topology", t, "--token-file", alice, "chown", "alice", "/home/alice/d");
            assertEquals(1, chownByAlice.code(), chownByAlice::toString);
            assertTrue(chownByAlice.err().contains("superusers only"), chownByAlice::toString);
            Cli.Result ls = Cli.run(dir, "fs", "--topology", t, "--token-file", alice, "ls", "/home/alice");
            assertTrue(ls.code() == 0 && ls.out().contains("alice") && ls.out().contains("d"), ls::toString);
        }
    }

    private static BoomProcess node(Path dir, String topology, String id) {
        return BoomProcess.start(dir, "node", "--topology", topology, "--id", id);
    }

    /** The first answer that is not a shard without a leader yet (a few seconds at the start). */
    private static Cli.Result retry(java.util.function.Supplier<Cli.Result> call) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            Cli.Result r = call.get();
            if (r.code() == 0 || System.currentTimeMillis() > deadline) {
                return r;
            }
            Thread.sleep(500);
        }
    }
}
