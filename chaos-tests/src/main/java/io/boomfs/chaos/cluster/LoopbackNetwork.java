package io.boomfs.chaos.cluster;

import io.boomfs.engine.runtime.FreePorts;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every node on 127.0.0.1 with free ports: what works without root. No partitions (every node
 * shares one address, so no packet filter can tell them apart); the reason is given instead.
 */
final class LoopbackNetwork implements Network {
    private static final String HOST = "127.0.0.1";
    private final Map<String, Integer> udp = new LinkedHashMap<>();
    private final Map<String, Integer> tcp = new LinkedHashMap<>();
    private final List<String> replicas;
    private final String why;

    LoopbackNetwork(List<NodeSpec> nodes, String whyNoPartitions) {
        for (NodeSpec n : nodes) {
            udp.put(n.id(), FreePorts.loopback());
            tcp.put(n.id(), FreePorts.loopback());
        }
        this.replicas = nodes.stream().filter(n -> n.role() == NodeSpec.Role.REPLICA).map(n -> endpoint(n.id())).toList();
        this.why = whyNoPartitions;
    }

    @Override
    public String endpoint(String id) {
        return HOST + ":" + udp.get(id);
    }

    @Override
    public String dataEndpoint(String id) {
        return HOST + ":" + tcp.get(id);
    }

    @Override
    public List<String> replicas() {
        return replicas;
    }

    @Override
    public String clientHost() {
        return HOST;
    }

    @Override
    public List<String> wrap(String id, List<String> command) {
        return command;
    }

    @Override
    public String partitionsUnavailable() {
        return why;
    }

    @Override
    public void partition(List<Set<String>> sides) {
        throw new UnsupportedOperationException("no partitions on loopback: " + why);
    }

    @Override
    public void heal() {
        // Nothing was ever cut.
    }

    @Override
    public void close() {
        // Nothing was created.
    }

}
