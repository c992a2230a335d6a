package io.boomfs.deploy.keygen;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.engine.runtime.ClusterKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;

/**
 * {@code boom keygen [FILE]}: writes a new cluster key, 32 bytes from {@link SecureRandom}, to a
 * file only its owner can read (README, "Security"). It never replaces a key without
 * {@code --force}: a cluster whose nodes hold different keys falls apart.
 */
@Command(name = "keygen",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Write a new cluster key (32 random bytes, hex) to FILE, mode 0600.", "",
        "Name it in the topology (security: { clusterKeyFile: FILE }, relative to the topology file) and copy it to every "
            + "host of the cluster with its mode. Prints the key's fingerprint, never the key."})
public final class KeygenCommand implements Callable<Integer> {
    public static final String DEFAULT = "cluster.key";

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "Where to write the key (default: " + DEFAULT + ").")
    private String file;

    @Option(names = "--force", description = "Replace an existing key file (every node must then get the new key).")
    private boolean force;

    @Override
    public Integer call() {
        Boom app = (Boom) spec.root().userObject();
        String name = file == null ? DEFAULT : file;
        Path path = app.path(name);
        ClusterKey key;
        try {
            key = ClusterKey.generate(path, force, new SecureRandom());
        } catch (ClusterKey.KeyFileException e) {
            throw new CliException(e.getMessage());
        }
        app.out().println("wrote a new cluster key to " + name + " (mode 0600, fingerprint " + key.fingerprint()
            + "); name it in the topology as security: { clusterKeyFile: " + name + " }");
        return Boom.OK;
    }
}
