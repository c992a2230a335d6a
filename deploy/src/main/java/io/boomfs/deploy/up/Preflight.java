package io.boomfs.deploy.up;

import io.boomfs.deploy.CliException;
import io.boomfs.deploy.topology.Topology;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What {@code boom up} checks before it starts anything, so that a node that could not start is
 * one clear line, not a child's death: every port of a node free on its host (UDP for Aeron,
 * TCP for data and metrics), every data directory and the log directory writable.
 */
final class Preflight {
    private Preflight() {
    }

    /** @throws CliException listing every problem, one a line */
    static void check(List<Topology.Node> nodes, Function<String, Path> resolve, Path logDir) {
        List<String> problems = new ArrayList<>();
        for (Topology.Node n : nodes) {
            if (n instanceof Topology.Replica r) {
                udp(problems, r, "port", r.port());
                tcp(problems, r, "metricsPort", r.metricsPort());
            } else {
                Topology.Datanode d = (Topology.Datanode) n;
                tcp(problems, d, "port", d.port());
                udp(problems, d, "controlPort", d.controlPort());
                tcp(problems, d, "metricsPort", d.metricsPort());
            }
            writable(problems, "data directory of " + n.id(), resolve.apply(n.dataDir()));
        }
        writable(problems, "log directory", logDir);
        if (!problems.isEmpty()) {
            throw new CliException(String.join("\n", problems));
        }
    }

    private static void udp(List<String> problems, Topology.Node n, String key, int port) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(n.host(), port))) {
            s.getLocalPort();
        } catch (SocketException e) {
            problems.add(inUse(n, key, port, e));
        }
    }

    private static void tcp(List<String> problems, Topology.Node n, String key, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(n.host(), port));
        } catch (IOException e) {
            problems.add(inUse(n, key, port, e));
        }
    }

    private static String inUse(Topology.Node n, String key, int port, Exception e) {
        return n.id() + ": " + key + " " + n.host() + ":" + port + " cannot be used (" + e.getMessage()
            + "): is the cluster already up, or does another program hold it? Stop it or change the topology";
    }

    private static void writable(List<String> problems, String what, Path dir) {
        try {
            Files.createDirectories(dir);
            if (!Files.isWritable(dir)) {
                problems.add("the " + what + " " + dir + " is not writable");
            }
        } catch (IOException e) {
            problems.add("the " + what + " " + dir + " cannot be created: " + e);
        }
    }
}
