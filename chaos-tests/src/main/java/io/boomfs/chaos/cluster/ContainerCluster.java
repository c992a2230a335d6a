package io.boomfs.chaos.cluster;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import io.boomfs.engine.runtime.Pause;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.utility.DockerImageName;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The container backend: every node in a container of its own on a Docker network with a fixed
 * subnet, each at a fixed address (10.A.B.(2+i), as {@link NamespaceNetwork} does), so that the
 * launchers' commands name their peers before anything starts. The containers run the very
 * command the process backend runs: this JVM's Java home, class path and the run's directory are
 * mounted at their own paths (the image needs only a C library compatible with the host's: the
 * default is Debian 12 slim). Clients in this JVM bind to the network's gateway, the host's side
 * of the Docker bridge. Kill is {@code docker kill} (SIGKILL) and start again reuses the
 * container (its data directory is in the mounted run directory); pause is {@code docker pause}
 * (the cgroup freezer: SIGSTOP's effect on every process of the node); partitions are iptables
 * rules inside the nodes' containers (they get NET_ADMIN), available when the image has iptables.
 *
 * <p>Only where a Docker engine is reachable ({@link #dockerAvailable()}); there is none on the
 * machines this was written on, so this backend compiles and its test skips there.
 */
public final class ContainerCluster implements ClusterControl {
    public static final String DEFAULT_IMAGE = "debian:12-slim";
    private static final int PORT_UDP = 7000;
    private static final int PORT_TCP = 7001;
    private static final long READY_MS = 120_000;

    private final List<NodeSpec> specs;
    private final Map<String, Integer> index = new LinkedHashMap<>();
    private final String subnet;
    private final Path dir;
    private final LongSupplier clock;
    private final String image;
    private final Map<String, NodeOutput> outputs = new LinkedHashMap<>();
    private final Map<String, GenericContainer<?>> containers = new LinkedHashMap<>();
    private final Map<String, Boolean> paused = new LinkedHashMap<>();
    private Network network;
    private String noPartitions;

    private ContainerCluster(List<NodeSpec> specs, Path dir, LongSupplier clock, String image) {
        this.specs = List.copyOf(specs);
        specs.forEach(s -> index.put(s.id(), index.size()));
        // A random /24 in 10.200-249: Docker refuses a subnet that overlaps one of its networks, so a clash fails loudly.
        this.subnet = "10." + (200 + ThreadLocalRandom.current().nextInt(50)) + "." + ThreadLocalRandom.current().nextInt(250) + ".";
        this.dir = dir.toAbsolutePath();
        this.clock = clock;
        this.image = image;
    }

    /** True when a Docker engine answers (Testcontainers' discovery: DOCKER_HOST, the socket, ~/.testcontainers.properties). */
    public static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Starts every node in a container of {@code image} and waits until each is ready. */
    public static ContainerCluster start(List<NodeSpec> specs, Path dir, LongSupplier clock, String image, Consumer<String> say) {
        ContainerCluster c = new ContainerCluster(specs, dir, clock, image);
        try {
            c.network = Network.builder().createNetworkCmdModifier(cmd -> cmd.withIpam(new com.github.dockerjava.api.model.Network.Ipam()
                .withConfig(new com.github.dockerjava.api.model.Network.Ipam.Config().withSubnet(c.subnet + "0/24")
                    .withGateway(c.subnet + "1")))).build();
            specs.forEach(s -> c.create(s.id()));
            specs.forEach(s -> c.awaitReady(s.id()));
            c.noPartitions = c.probeIptables();
            say.accept("cluster: each node in a container of " + image + " on " + c.subnet + "0/24, clients on " + c.clientHost()
                + (c.noPartitions == null ? "" : "; partition nemeses skipped: " + c.noPartitions));
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private final Launcher.Addresses addresses = new Launcher.Addresses() {
        @Override
        public String endpoint(String id) {
            return host(id) + ":" + PORT_UDP;
        }

        @Override
        public String dataEndpoint(String id) {
            return host(id) + ":" + PORT_TCP;
        }

        @Override
        public List<String> replicas() {
            return specs.stream().filter(n -> n.role() == NodeSpec.Role.REPLICA).map(n -> endpoint(n.id())).toList();
        }
    };

    private String host(String id) {
        Integer i = index.get(id);
        if (i == null) {
            throw new IllegalArgumentException("no node " + id + " in this cluster (nodes: " + index.keySet() + ")");
        }
        return subnet + (2 + i);
    }

    private synchronized void create(String id) {
        NodeSpec s = specs.get(index.get(id));
        Path data = dir.resolve("data").resolve(id);
        try {
            Files.createDirectories(data);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + data + ": " + e.getMessage(), e);
        }
        NodeOutput out = outputs.computeIfAbsent(id, k -> NodeLogs.open(dir, k, clock));
        out.restarted();
        List<String> cmd = s.launcher().command(s, addresses, data);
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image)).withNetwork(network)
            .withCommand(cmd.toArray(new String[0]))
            .withFileSystemBind(dir.toString(), dir.toString(), BindMode.READ_WRITE)
            .withCreateContainerCmdModifier(create -> {
                create.withIpv4Address(host(id)).withStdinOpen(true);
                create.getHostConfig().withCapAdd(Capability.NET_ADMIN);
            })
            .withLogConsumer(frame -> output(out, frame));
        for (String path : mounts()) {
            c.withFileSystemBind(path, path, BindMode.READ_ONLY);
        }
        containers.put(id, c);
        paused.put(id, false);
        c.start();
        out.harness("started container " + c.getContainerId());
    }

    private static void output(NodeOutput out, OutputFrame frame) {
        if (frame.getType() == OutputFrame.OutputType.END) {
            return;
        }
        String text = frame.getUtf8StringWithoutLineEnding();
        out.line(frame.getType() == OutputFrame.OutputType.STDERR ? "err" : "out", text);
    }

    /** This JVM's Java home and class path entries: what the launchers' commands need inside a container. */
    private static List<String> mounts() {
        List<String> paths = new ArrayList<>();
        paths.add(System.getProperty("java.home"));
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isEmpty() && new File(e).exists()) {
                paths.add(new File(e).getAbsolutePath());
            }
        }
        return paths;
    }

    private void awaitReady(String id) {
        NodeOutput out;
        synchronized (this) {
            out = outputs.get(id);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_MS);
        while (!out.ready()) {
            if (!isRunning(id)) {
                throw new IllegalStateException("node " + id + " exited before it was ready (its log says why)");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("node " + id + " was not ready within " + READY_MS + " ms");
            }
            Pause.millis(20);
        }
    }

    /** Null when the image has iptables; else why partitions are off. */
    private String probeIptables() {
        try {
            Container.ExecResult r = containers.values().iterator().next().execInContainer("iptables", "--version");
            return r.getExitCode() == 0 ? null : "the image " + image + " has no working iptables: " + r.getStderr().strip();
        } catch (IOException | RuntimeException e) {
            return "the image " + image + " has no iptables: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    private synchronized GenericContainer<?> container(String id) {
        host(id);
        return containers.get(id);
    }

    @Override
    public List<NodeSpec> nodes() {
        return specs;
    }

    @Override
    public String endpoint(String id) {
        return addresses.endpoint(id);
    }

    @Override
    public List<String> replicaEndpoints() {
        return addresses.replicas();
    }

    @Override
    public String clientHost() {
        return subnet + "1";
    }

    @Override
    public void start(String id) {
        GenericContainer<?> c = container(id);
        outputs.get(id).restarted();
        docker().startContainerCmd(c.getContainerId()).exec();
        c.followOutput(frame -> output(outputs.get(id), frame));
        outputs.get(id).harness("started again");
        awaitReady(id);
    }

    @Override
    public void stop(String id) {
        docker().stopContainerCmd(container(id).getContainerId()).withTimeout(10).exec();
        outputs.get(id).harness("stopped");
    }

    @Override
    public void kill(String id) {
        docker().killContainerCmd(container(id).getContainerId()).exec();
        outputs.get(id).harness("killed (SIGKILL)");
    }

    @Override
    public synchronized void pause(String id) {
        docker().pauseContainerCmd(container(id).getContainerId()).exec();
        paused.put(id, true);
        outputs.get(id).harness("paused");
    }

    @Override
    public synchronized void resume(String id) {
        docker().unpauseContainerCmd(container(id).getContainerId()).exec();
        paused.put(id, false);
        outputs.get(id).harness("resumed");
    }

    @Override
    public boolean isRunning(String id) {
        Boolean running = docker().inspectContainerCmd(container(id).getContainerId()).exec().getState().getRunning();
        return Boolean.TRUE.equals(running);
    }

    @Override
    public synchronized boolean isPaused(String id) {
        container(id);
        return paused.getOrDefault(id, false);
    }

    @Override
    public synchronized Optional<String> leader() {
        return outputs.entrySet().stream()
            .filter(e -> !paused.getOrDefault(e.getKey(), false) && e.getValue().leaderBallot() >= 0 && isRunning(e.getKey()))
            .max(Comparator.comparingLong(e -> e.getValue().leaderBallot()))
            .map(Map.Entry::getKey);
    }

    @Override
    public String partitionsUnavailable() {
        return noPartitions;
    }

    @Override
    public void partition(List<Set<String>> sides) {
        if (noPartitions != null) {
            throw new UnsupportedOperationException(noPartitions);
        }
        for (int a = 0; a < sides.size(); a++) {
            for (int b = 0; b < sides.size(); b++) {
                for (String from : a == b ? Set.<String>of() : sides.get(a)) {
                    for (String to : sides.get(b)) {
                        exec(to, "iptables", "-A", "INPUT", "-s", host(from), "-j", "DROP");
                    }
                }
            }
        }
        outputs.values().forEach(o -> o.harness("partitioned: " + sides));
    }

    @Override
    public void heal() {
        if (noPartitions != null) {
            return;
        }
        specs.forEach(s -> exec(s.id(), "iptables", "-F", "INPUT"));
        outputs.values().forEach(o -> o.harness("healed"));
    }

    private void exec(String id, String... command) {
        try {
            Container.ExecResult r = container(id).execInContainer(command);
            if (r.getExitCode() != 0) {
                throw new IllegalStateException("`" + String.join(" ", command) + "` in " + id + " failed: " + r.getStderr().strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command[0] + " in " + id + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public synchronized Map<String, List<String>> logs() {
        return NodeLogs.read(dir, outputs.keySet());
    }

    /** Removes every container and the network (Testcontainers' reaper would, too, when this JVM dies). */
    @Override
    public synchronized void close() {
        for (Map.Entry<String, GenericContainer<?>> e : containers.entrySet()) {
            try {
                if (paused.getOrDefault(e.getKey(), false)) {
                    docker().unpauseContainerCmd(e.getValue().getContainerId()).exec();
                }
            } catch (RuntimeException ignored) {
                // Already gone: stop below removes what is left.
            }
            e.getValue().stop();
        }
        containers.clear();
        if (network != null) {
            network.close();
            network = null;
        }
        outputs.values().forEach(NodeOutput::close);
    }
}
