package io.boomfs.deploy.fs;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.kv.KvReplicaCommand;
import io.boomfs.engine.program.Program;
import io.boomfs.meta.MetaShard;
import picocli.CommandLine.Command;

/**
 * {@code boom meta-replica}: one replica of a metadata shard (the namespace rules on the
 * replicated log) as this process; the options are kv-replica's.
 */
@Command(name = "meta-replica",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Run one replica of a metadata shard until Ctrl-C or SIGTERM.",
        "",
        "Prints READY HOST:PORT once it listens, then ROLE leader BALLOT / ROLE follower. `boom fs --replicas` talks to the group."})
public final class MetaReplicaCommand extends KvReplicaCommand {
    @Override
    protected Program program() {
        return MetaShard.compile();
    }
}
