package io.boomfs.deploy.node;

import io.boomfs.datanode.ChunkStore;
import io.boomfs.datanode.DataServer;
import io.boomfs.datanode.DatanodeServer;

/** A datanode's metrics: its chunk store, its data server's counters, and its control path's runtime. */
public final class DatanodeMetrics {
    private DatanodeMetrics() {
    }

    /** The Prometheus text of the datanode now. */
    public static String text(String cluster, DatanodeServer.Running dn) {
        PromText p = new PromText(cluster, dn.options().server().id());
        p.gauge("boom_node_info", "What this node is: its kind and data address.", 1, "kind", "datanode", "address",
            dn.server().address());
        ChunkStore s = dn.store();
        p.gauge("boom_datanode_chunks", "Sound chunks stored.", s.soundChunks());
        p.gauge("boom_datanode_used_bytes", "Bytes of chunk files stored.", s.usedBytes());
        p.gauge("boom_datanode_capacity_bytes", "The most bytes of chunks it keeps.", s.capacityBytes());
        p.counter("boom_datanode_corruptions_total", "Corrupt chunk replicas found.", s.corruptionsFound());
        DataServer.Metrics m = dn.server().metrics();
        p.counter("boom_datanode_transfers_total", "Chunk writes and reads served.", m.writes(), "op", "write");
        p.counter("boom_datanode_transfers_total", "Chunk writes and reads served.", m.reads(), "op", "read");
        p.counter("boom_datanode_bytes_total", "Chunk bytes stored and served.", m.bytesStored(), "direction", "stored");
        p.counter("boom_datanode_bytes_total", "Chunk bytes stored and served.", m.bytesServed(), "direction", "served");
        p.counter("boom_datanode_timeouts_total", "Connections closed for a step past its deadline.", m.timeouts());
        m.errors().forEach((code, n) -> p.counter("boom_datanode_errors_total", "Errors sent, by code.", n, "code", code.name()));
        if (dn.control() != null) {
            EngineMetrics.write(p, dn.control().node().agent());
        }
        return p.toString();
    }
}
