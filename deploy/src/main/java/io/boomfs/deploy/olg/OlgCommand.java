package io.boomfs.deploy.olg;

import io.boomfs.deploy.Boom;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code boom olg}: the Overlog tools, for writing and trying programs outside a cluster. */
@Command(name = "olg",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = "Check and run Overlog programs.",
    subcommands = {OlgCheckCommand.class, OlgRunCommand.class, OlgServeCommand.class, CommandLine.HelpCommand.class})
public final class OlgCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        return Boom.missingCommand(spec);
    }

    /** The application object at the root of the command tree: streams and the base directory. */
    static Boom app(CommandSpec spec) {
        return (Boom) spec.root().userObject();
    }
}
