package io.boomfs.client;

import io.boomfs.client.MetaClient.FsException;
import io.boomfs.meta.Access;
import io.boomfs.meta.Tokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10's users, permissions and chunk tokens on real processes: a shard of three replicas
 * with sm.auth on (root's token given at their start) and a datanode, all with a cluster key. Root adds alice and bob and gives alice a
 * home; alice writes a file there and bob may read it but not write, delete or rename it, nor
 * create next to it, until alice's chmod takes even reading away. A wrong token and a request
 * without one are refused; the datanode serves a chunk only with the shard's token for it. The audit trail names who did what, and no secret is anywhere in a
 * replica's files.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SecurityEndToEndTest {
    @Test
    void usersGetWhatTheirRightsAllowAndNothingElse(@TempDir Path dir) throws Exception {
        SecureRandom random = new SecureRandom();
        Tokens.Token root = new Tokens.Token("root", Access.newSecret(random));
        Tokens.Token alice = new Tokens.Token("alice", Access.newSecret(random));
        Tokens.Token bob = new Tokens.Token("bob", Access.newSecret(random));
        BoomFileSystem.Config config = BoomFileSystem.Config.defaults().withMetaTimeoutMs(20_000).withFiles(1, 1 << 20);
        java.nio.file.Path clusterKey = dir.resolve("cluster.key");
        io.boomfs.engine.runtime.ClusterKey.generate(clusterKey, false, random);
        try (LocalCluster cluster = LocalCluster.start(dir, Map.of("sm.auth", 1L), 1, root, clusterKey);
             BoomFileSystem asRoot = cluster.client("x", config).authenticate(root.toString());
             BoomFileSystem asAlice = cluster.client("x", config).authenticate(alice.toString());
             BoomFileSystem asBob = cluster.client("x", config).authenticate(bob.toString());
             BoomFileSystem nobody = cluster.client("x", config);
             BoomFileSystem mallory = cluster.client("x", config).authenticate("alice:" + Access.newSecret(random));
             MetaClient admin = MetaClient.open(cluster.replicas(), "x", 20_000).as(root.user(), root.secret())) {
            try {
                for (Tokens.Token t : List.of(alice, bob)) {
                    Object answer = admin.operate(new ArrayList<>(Arrays.asList("user_add", t.user(), Access.hash(t.secret()),
                        List.of("staff"), false)), 0);
                    assertEquals("ok", ((List<?>) answer).get(0), String.valueOf(answer));
                }
                // No token, a wrong token: refused, for writes (through the log) and reads alike.
                refused("UNAUTHENTICATED", () -> nobody.mkdirs("/x"));
                refused("UNAUTHENTICATED", () -> nobody.stat("/"));
                refused("UNAUTHENTICATED", () -> mallory.mkdirs("/x"));
                refused("UNAUTHENTICATED", () -> mallory.stat("/"));
                // Only root writes in /; alice may once root gives her a home.
                refused("PERMISSION", () -> asAlice.mkdirs("/home/alice"));
                asRoot.mkdirs("/home/alice");
                asRoot.setattr("/home/alice", null, "alice", null, null);
                refused("PERMISSION", () -> asAlice.setattr("/home/alice", null, "bob", null, null));
                byte[] data = "alice's data\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
                try (OutputStream out = asAlice.create("/home/alice/f", false)) {
                    out.write(data);
                }
                assertEquals("alice", asAlice.stat("/home/alice/f").owner());
                // The datanode serves the chunk only with the shard's token for it (the cluster has a key).
                FileMeta.Chunk chunk = asAlice.chunks("/home/alice/f").get(0);
                assertTrue(!chunk.token().isEmpty(), "open gave no token: " + chunk);
                String dn = chunk.locations().get(0);
                try (io.boomfs.datanode.DataClient raw = new io.boomfs.datanode.DataClient(io.boomfs.datanode.DataClient.Config.defaults())) {
                    assertArrayEquals(data, raw.readAll(dn, chunk.chunkId(), chunk.token()));
                    io.boomfs.datanode.DataTransferException none = assertThrows(io.boomfs.datanode.DataTransferException.class,
                        () -> raw.readAll(dn, chunk.chunkId()));
                    assertEquals(io.boomfs.datanode.ErrorCode.ACCESS_DENIED, none.code(), none.getMessage());
                    io.boomfs.datanode.DataTransferException overwrite = assertThrows(io.boomfs.datanode.DataTransferException.class,
                        () -> raw.write(List.of(dn), chunk.chunkId(), new byte[10], chunk.token()));
                    assertEquals(io.boomfs.datanode.ErrorCode.ACCESS_DENIED, overwrite.code(), "a read token writes nothing: "
                        + overwrite.getMessage());
                }
                // Bob reads (0644) but may not write, replace, delete or rename it, nor create beside it.
                assertArrayEquals(data, read(asBob, "/home/alice/f"));
                refused("PERMISSION", () -> asBob.create("/home/alice/g", false).close());
                refused("PERMISSION", () -> asBob.create("/home/alice/f", true).close());
                refused("PERMISSION", () -> asBob.delete("/home/alice/f", false));
                refused("PERMISSION", () -> asBob.rename("/home/alice/f", "/home/alice/h"));
                refused("PERMISSION", () -> asBob.setattr("/home/alice/f", 0777L, null, null, null));
                assertTrue(asBob.list("/home/alice").hasNext());
                // Alice's chmod takes reading away from others; her own reads go on.
                asAlice.setattr("/home/alice/f", 0600L, null, null, null);
                FsException e = refused("PERMISSION", () -> read(asBob, "/home/alice/f"));
                assertTrue(e.getMessage().contains("bob has no read right on /home/alice/f (rw------- alice)"), e.getMessage());
                assertArrayEquals(data, read(asAlice, "/home/alice/f"));
                asAlice.rename("/home/alice/f", "/home/alice/f2");
                asAlice.delete("/home/alice/f2", false);
                try (OutputStream out = asAlice.create("/home/alice/f2-after", false)) {
                    out.write(data);
                }
                auditSays(dir, List.of("\talice\tcreate\t/home/alice/f\tok", "\tbob\tcreate\t/home/alice/g\tPERMISSION",
                    "\talice\tdelete\t/home/alice/f2\tok", "\tUNAUTHENTICATED"));
                for (Tokens.Token t : List.of(alice, bob)) {
                    secretNowhere(dir, t.secret());
                }
                changeTheGroupAsRootOnly(cluster, dir, root, alice, data);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\n" + cluster.dump(), e);
            }
        }
    }

    /**
     * A group change (px_replace) is a superuser's: bare, or in alice's envelope, it is refused
     * and the group stays; in root's it takes a joining replica in for the third, and with the
     * first gone too, the second and the joiner serve alice's namespace.
     */
    private static void changeTheGroupAsRootOnly(LocalCluster cluster, Path dir, Tokens.Token root, Tokens.Token alice, byte[] data)
        throws Exception {
        List<String> group = cluster.replicas();
        String joiner = io.boomfs.engine.runtime.FreePorts.loopbackEndpoint();
        cluster.startJoiner(joiner, dir.resolve("meta-joiner"));
        List<String> all = new ArrayList<>(group);
        all.add(joiner);
        List<Object> change = List.of("px_replace", group.get(2), joiner, 4L);
        try (io.boomfs.paxos.kv.KvClient kv = io.boomfs.paxos.kv.KvClient.builder(all).deadlineMs(30_000).open()) {
            io.boomfs.paxos.kv.KvClient.Session s = kv.newSession();
            Object bare = s.submitAsync(change).get(30, TimeUnit.SECONDS);
            assertTrue(String.valueOf(bare).startsWith("error: sm.auth is on: a group change comes from a superuser"), "bare: " + bare);
            Object asAlice = s.submitAsync(Access.envelope(alice.user(), alice.secret(), change)).get(30, TimeUnit.SECONDS);
            assertEquals("INVALID_OP", ((List<?>) asAlice).get(1), "in alice's envelope it is no group change: " + asAlice);
            Object asRoot = s.submitAsync(Access.envelope(root.user(), root.secret(), change)).get(30, TimeUnit.SECONDS);
            assertEquals("ok", asRoot, "in root's envelope it is one");
        }
        // The joiner catches up from the leader's log; then the old first and third go.
        Thread.sleep(3_000);
        cluster.metas().get(2).kill9();
        cluster.metas().get(0).kill9();
        try (BoomFileSystem fs = BoomFileSystem.open(all, "x", BoomFileSystem.Config.defaults().withMetaTimeoutMs(30_000))
                .authenticate(alice.toString())) {
            // (Metadata only: the datanode heartbeats to the replicas it was started with, not to the joiner.)
            fs.rename("/home/alice/f2-after", "/home/alice/f3-after");
            assertEquals(data.length, fs.stat("/home/alice/f3-after").size());
        }
    }

    private static FsException refused(String code, Executable call) {
        FsException e = assertThrows(FsException.class, call);
        assertEquals(code, e.code(), e.getMessage());
        return e;
    }

    private static byte[] read(BoomFileSystem fs, String path) throws IOException {
        try (InputStream in = fs.open(path)) {
            return in.readAllBytes();
        }
    }

    /** Every replica's audit trail holds each of {@code lines} (flushed within a fifth of a second). */
    private static void auditSays(Path dir, List<String> lines) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        for (int i = 0; i < 3; i++) {
            Path log = dir.resolve("meta" + i).resolve("audit").resolve("audit.log");
            while (true) {
                String text = Files.exists(log) ? Files.readString(log) : "";
                List<String> missing = lines.stream().filter(l -> !text.contains(l)).toList();
                if (missing.isEmpty()) {
                    break;
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError(log + " lacks " + missing + ":\n" + text);
                }
                Thread.sleep(100);
            }
        }
    }

    /** No file under the replicas' directories holds {@code secret}: the log keeps users, never secrets. */
    private static void secretNowhere(Path dir, String secret) throws IOException {
        for (int i = 0; i < 3; i++) {
            try (Stream<Path> files = Files.walk(dir.resolve("meta" + i))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    // Latin-1 maps bytes to chars one to one: indexOf is a byte search.
                    assertTrue(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).indexOf(secret) < 0, "a secret is in " + f);
                }
            }
        }
    }
}
