package io.boomfs.chaos.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Each node in a network namespace of its own, with its own address on a bridge: one veth pair
 * per node, the host's end on the bridge, the node's end as {@code eth0} with 10.A.B.(2+i)/24;
 * the bridge has .1, which is where the clients in this JVM bind. A partition is iptables rules
 * in the nodes' namespaces (each drops what arrives from the other side), so the clients, on the
 * bridge address, still reach every node, as in Jepsen. Needs root, {@code ip netns} and
 * {@code iptables}; {@link #unavailable()} says what is missing.
 *
 * <p>Names carry this JVM's pid ({@code bc<pid>...}): {@link #close()} deletes the namespaces
 * (their veths go with them) and the bridge, and a later run removes what a killed run left
 * behind (names whose pid is no longer alive).
 */
final class NamespaceNetwork implements Network {
    private static final int PORT_UDP = 7000;
    private static final int PORT_TCP = 7001;
    private static final Pattern OURS = Pattern.compile("^bc(\\d+)[bn]");

    private final String prefix;
    private final String bridge;
    private final String subnet;
    private final Map<String, Integer> index = new LinkedHashMap<>();
    private final List<String> replicas;
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> veths = new ArrayList<>();
    private boolean bridgeUp;

    NamespaceNetwork(List<NodeSpec> nodes) {
        long pid = ProcessHandle.current().pid();
        this.prefix = "bc" + pid;
        this.bridge = prefix + "b";
        this.subnet = "10." + (100 + pid % 100) + "." + (pid / 100 % 250) + ".";
        for (NodeSpec n : nodes) {
            index.put(n.id(), index.size());
        }
        this.replicas = nodes.stream().filter(n -> n.role() == NodeSpec.Role.REPLICA).map(n -> endpoint(n.id())).toList();
        removeLeftovers();
        try {
            create();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Null when namespaces and iptables can be used here; else one line saying why not. */
    static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "partitions need root (network namespaces and iptables); running as " + System.getProperty("user.name");
        }
        if (Shell.attempt("ip", "netns", "list") == null) {
            return "partitions need `ip netns` (iproute2), which failed here";
        }
        if (Shell.attempt("iptables", "--version") == null) {
            return "partitions need iptables, which is not installed (apt-get install -y iptables)";
        }
        return null;
    }

    private void create() {
        Shell.run("ip", "link", "add", bridge, "type", "bridge");
        bridgeUp = true;
        Shell.run("ip", "addr", "add", subnet + "1/24", "dev", bridge);
        Shell.run("ip", "link", "set", bridge, "up");
        for (Map.Entry<String, Integer> e : index.entrySet()) {
            String ns = namespace(e.getKey());
            String veth = prefix + "v" + e.getValue();
            Shell.run("ip", "netns", "add", ns);
            namespaces.add(ns);
            Shell.run("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
            veths.add(veth);
            Shell.run("ip", "link", "set", veth, "master", bridge, "up");
            Shell.run("ip", "netns", "exec", ns, "ip", "addr", "add", host(e.getKey()) + "/24", "dev", "eth0");
            Shell.run("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up");
            Shell.run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        }
    }

    private String namespace(String id) {
        return prefix + "n" + id;
    }

    private String host(String id) {
        Integer i = index.get(id);
        if (i == null) {
            throw new IllegalArgumentException("no node " + id + " in this cluster (nodes: " + index.keySet() + ")");
        }
        return subnet + (2 + i);
    }

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
        return replicas;
    }

    @Override
    public String clientHost() {
        return subnet + "1";
    }

    @Override
    public List<String> wrap(String id, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(id)));
        cmd.addAll(command);
        return cmd;
    }

    @Override
    public String partitionsUnavailable() {
        return null;
    }

    @Override
    public synchronized void partition(List<Set<String>> sides) {
        for (int a = 0; a < sides.size(); a++) {
            for (int b = 0; b < sides.size(); b++) {
                if (a == b) {
                    continue;
                }
                for (String from : sides.get(a)) {
                    for (String to : sides.get(b)) {
                        Shell.run("ip", "netns", "exec", namespace(to), "iptables", "-A", "INPUT", "-s", host(from), "-j", "DROP");
                    }
                }
            }
        }
    }

    @Override
    public synchronized void heal() {
        for (String ns : namespaces) {
            Shell.run("ip", "netns", "exec", ns, "iptables", "-F", "INPUT");
        }
    }

    /**
     * Deletes every veth, namespace and the bridge; tries each even when one fails. The veths go
     * first and by name: a namespace's devices would otherwise go only when the kernel gets round
     * to cleaning the namespace up, after this returns.
     */
    @Override
    public synchronized void close() {
        for (String veth : veths) {
            Shell.attempt("ip", "link", "del", veth);
        }
        veths.clear();
        for (String ns : namespaces) {
            Shell.attempt("ip", "netns", "del", ns);
        }
        namespaces.clear();
        if (bridgeUp) {
            Shell.attempt("ip", "link", "del", bridge);
            bridgeUp = false;
        }
    }

    /** Namespaces and bridges of earlier runs whose JVM is gone (killed before its close ran). */
    private static void removeLeftovers() {
        String netns = Shell.attempt("ip", "netns", "list");
        for (String line : netns == null ? List.<String>of() : netns.lines().toList()) {
            String name = line.split("\\s+")[0];
            if (isStale(name)) {
                Shell.attempt("ip", "netns", "del", name);
            }
        }
        String links = Shell.attempt("ip", "-o", "link", "show", "type", "bridge");
        for (String line : links == null ? List.<String>of() : links.lines().toList()) {
            String[] f = line.split(":\\s*");
            if (f.length > 1 && isStale(f[1])) {
                Shell.attempt("ip", "link", "del", f[1]);
            }
        }
    }

    private static boolean isStale(String name) {
        Matcher m = OURS.matcher(name);
        return m.find() && ProcessHandle.of(Long.parseLong(m.group(1))).map(h -> !h.isAlive()).orElse(true);
    }
}
