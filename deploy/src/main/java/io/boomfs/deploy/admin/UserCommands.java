package io.boomfs.deploy.admin;

import io.boomfs.client.MetaClient;
import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.deploy.topology.Topology;
import io.boomfs.meta.Access;
import io.boomfs.meta.Tokens;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code boom admin user add|del|list}: the users of a cluster (metadata-shard/DESIGN.md, "Users
 * and permissions"). Every group keeps the users in its own tables, through its log: {@code add}
 * and {@code del} write every group's, the first group first. A new user's token is printed
 * once, or written to a file of mode 0600; the cluster keeps only its hash.
 */
@Command(name = "user", mixinStandardHelpOptions = true, versionProvider = Boom.Version.class,
    description = "The cluster's users: add (prints or writes the new token), del, list. Needs a superuser's --token-file"
        + " where the cluster runs with sm.auth.",
    subcommands = {UserCommands.Add.class, UserCommands.Del.class, UserCommands.ListUsers.class, UserCommands.RootToken.class,
        CommandLine.HelpCommand.class})
final class UserCommands implements Callable<Integer> {
    /** A user's or a group's name: it goes into owners (USER:GROUP) and audit lines. */
    private static final String NAME = "[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}";

    @ParentCommand
    AdminCommand admin;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return Boom.missingCommand(spec);
    }

    /** Sends {@code op} to every group of the topology, in order; the first group's answer. */
    Object everyGroup(List<Object> op) {
        Topology t = admin.topology();
        try (MetaClient c = VpartCommands.client(admin, t)) {
            Object first = null;
            for (int g = 0; g < c.groups(); g++) {
                Object answer = c.operate(op, g);
                if (!(answer instanceof List<?> r && !r.isEmpty() && "ok".equals(r.get(0)))) {
                    throw new CliException("user " + op.get(0).toString().substring(5) + ": group " + t.groups().get(g).id() + " answered "
                        + describe(answer));
                }
                first = first == null ? answer : first;
            }
            return first;
        } catch (MetaClient.FsException e) {
            throw new CliException("user: " + e.getMessage());
        }
    }

    private static String describe(Object answer) {
        return answer instanceof List<?> r && r.size() >= 3 && "error".equals(r.get(0)) ? r.get(1) + ": " + r.get(2) : String.valueOf(answer);
    }

    @Command(name = "add", mixinStandardHelpOptions = true, versionProvider = Boom.Version.class,
        description = "Add a user (or give an existing one a new token): prints its token NAME:SECRET once, or writes it to --out.")
    static final class Add implements Callable<Integer> {
        @ParentCommand
        UserCommands users;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Option(names = "--groups", split = ",", paramLabel = "GROUP", description = "The user's groups (comma-separated).")
        List<String> groups = new ArrayList<>();
        @Option(names = "--super", description = "A superuser: every right on everything, and the admin commands.")
        boolean superuser;
        @Option(names = "--out", paramLabel = "FILE", description = "Write the token to this new file (mode 0600) instead of printing it.")
        Path out;

        @Override
        public Integer call() {
            if (!name.matches(NAME)) {
                throw new CliException(Boom.USAGE, "user add: a user name is 1-64 letters, digits or _ . @ - (not starting with . @ -), not '"
                    + name + "'");
            }
            for (String g : groups) {
                if (!g.matches(NAME)) {
                    throw new CliException(Boom.USAGE, "user add: a group name is 1-64 letters, digits or _ . @ -, not '" + g + "'");
                }
            }
            Path out = this.out == null ? null : users.admin.app().path(this.out.toString());
            if (out != null && java.nio.file.Files.exists(out)) {
                throw new CliException(Boom.USAGE, "user add: " + out + " exists: give a new file");
            }
            Tokens.Token token = new Tokens.Token(name, Access.newSecret(new SecureRandom()));
            users.everyGroup(new ArrayList<>(Arrays.asList("user_add", name, Access.hash(token.secret()), List.copyOf(groups), superuser)));
            PrintStream o = users.admin.app().out();
            if (out == null) {
                o.println(token);
            } else {
                try {
                    Tokens.write(out, token);
                } catch (IOException e) {
                    throw new CliException("user add: " + name + " was added, but its token could not be written to " + out + ": "
                        + e.getMessage() + " (run user add again for a new token)");
                }
                o.println("user " + name + " added; its token is in " + out);
            }
            return Boom.OK;
        }
    }

    @Command(name = "root-token", mixinStandardHelpOptions = true, versionProvider = Boom.Version.class,
        description = {"Write a new root token to FILE (mode 0600), on this host, without a cluster: name it in the topology as "
            + "security: { rootTokenFile: FILE } (every replica reads it at its start; clients must then prove their user), "
            + "and pass it as --token-file to act as root."})
    static final class RootToken implements Callable<Integer> {
        @ParentCommand
        UserCommands users;
        @Parameters(index = "0", paramLabel = "FILE")
        Path out;

        @Override
        public Integer call() {
            Path out = users.admin.app().path(this.out.toString());
            if (java.nio.file.Files.exists(out)) {
                throw new CliException(Boom.USAGE, "user root-token: " + out + " exists: give a new file (a new root token "
                    + "replaces the old one only once every replica restarts with it)");
            }
            try {
                Tokens.write(out, new Tokens.Token("root", Access.newSecret(new SecureRandom())));
            } catch (IOException e) {
                throw new CliException("user root-token: cannot write " + out + ": " + e.getMessage());
            }
            users.admin.app().out().println("root token written to " + out + "; name it in the topology as security: { rootTokenFile: "
                + out.getFileName() + " }");
            return Boom.OK;
        }
    }

    @Command(name = "del", mixinStandardHelpOptions = true, versionProvider = Boom.Version.class, description = "Remove a user.")
    static final class Del implements Callable<Integer> {
        @ParentCommand
        UserCommands users;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            users.everyGroup(new ArrayList<>(List.of("user_del", name)));
            users.admin.app().out().println("user " + name + " removed");
            return Boom.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Boom.Version.class,
        description = "The users the first group knows, with their groups.")
    static final class ListUsers implements Callable<Integer> {
        @ParentCommand
        UserCommands users;

        @Override
        public Integer call() {
            Topology t = users.admin.topology();
            try (MetaClient c = VpartCommands.client(users.admin, t)) {
                Object answer = c.operate(new ArrayList<>(List.of("users")), 0);
                List<?> rows = (List<?>) VpartCommands.ok(answer, "user list").get(1);
                PrintStream o = users.admin.app().out();
                o.printf("%-24s %-6s %s%n", "USER", "SUPER", "GROUPS");
                for (Object row : rows) {
                    List<?> r = (List<?>) row;
                    o.printf("%-24s %-6s %s%n", r.get(0), Boolean.TRUE.equals(r.get(2)) ? "yes" : "no",
                        String.join(",", ((List<?>) r.get(1)).stream().map(String::valueOf).toList()));
                }
            } catch (MetaClient.FsException e) {
                throw new CliException("user list: " + e.getMessage());
            }
            return Boom.OK;
        }
    }
}
