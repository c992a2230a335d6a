package io.boomfs.deploy.keygen;

import io.boomfs.deploy.Cli;
import io.boomfs.engine.runtime.ClusterKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code boom keygen}, and what a node does with a key file it cannot use. */
class KeygenCommandTest {
    @Test
    void keygenWritesAnOwnerOnlyKeyAndNeverReplacesOneWithoutForce(@TempDir Path dir) throws Exception {
        Cli.Result r = Cli.run(dir, "keygen", "k.key");
        assertEquals(0, r.code(), r::toString);
        ClusterKey key = ClusterKey.load(dir.resolve("k.key"));
        assertEquals("wrote a new cluster key to k.key (mode 0600, fingerprint " + key.fingerprint()
            + "); name it in the topology as security: { clusterKeyFile: k.key }\n", r.out());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("k.key"))));

        Cli.Result again = Cli.run(dir, "keygen", "k.key");
        assertEquals(1, again.code());
        assertEquals("boom: error: cluster key file " + dir.resolve("k.key") + " exists already; ./boom keygen --force "
            + dir.resolve("k.key") + " replaces it\n", again.err());
        assertEquals(key, ClusterKey.load(dir.resolve("k.key")));

        assertEquals(0, Cli.run(dir, "keygen", "--force", "k.key").code());
        assertNotEquals(key, ClusterKey.load(dir.resolve("k.key")), "a new key");
        assertEquals(0, Cli.run(dir, "keygen").code());
        assertTrue(Files.exists(dir.resolve(KeygenCommand.DEFAULT)));
    }

    @Test
    void aNodeWhoseKeyFileOthersCanReadStopsWithOneLineAndExitCode2(@TempDir Path dir) throws Exception {
        Path t = dir.resolve("t.yaml");
        Files.writeString(t, """
            cluster: t
            allowNonHA: true
            security: {clusterKeyFile: keys/cluster.key}
            groups:
              - replicas:
                  - {id: m1, host: 127.0.0.1, port: 29501}
            datanodes:
              - {id: dn1, host: 127.0.0.1, port: 29201, capacity: 1G}
            """);
        Path key = dir.resolve("keys/cluster.key");
        Cli.Result missing = Cli.run(dir, "node", "--topology", "t.yaml", "--id", "m1");
        assertEquals(2, missing.code(), missing::toString);
        // The path as the node resolved it: relative to the topology file's directory.
        assertTrue(missing.err().startsWith("boom node: error: cluster key file " + key + " does not exist"), missing::toString);
        Files.createDirectories(key.getParent());
        assertEquals(0, Cli.run(dir, "keygen", "keys/cluster.key").code());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
        for (String id : new String[] {"m1", "dn1"}) {
            Cli.Result r = Cli.run(dir, "node", "--topology", "t.yaml", "--id", id);
            assertEquals(2, r.code(), r::toString);
            assertTrue(r.err().contains("error: cluster key file " + key + " has mode 640: only its owner may read it"
                + " (chmod 600 " + key + ")\n"), r::toString);
            assertEquals(1, r.err().lines().count(), r::toString);
        }
        Cli.Result up = Cli.run(dir, "up", "t.yaml");
        assertEquals(2, up.code(), up::toString);
        assertTrue(up.err().startsWith("boom: error: cluster key file " + key + " has mode 640"), up::toString);
    }
}
