package io.boomfs.deploy.node;

import io.boomfs.engine.runtime.AeronTransport;
import io.boomfs.engine.runtime.DurableStore;
import io.boomfs.engine.runtime.FrameDecoder;
import io.boomfs.engine.runtime.NodeAgent;

/**
 * The node runtime's own counters ({@link NodeAgent.NodeMetrics}, the Aeron transport's, the
 * write-ahead log's) as Prometheus samples: the same figures {@link NodeAgent#describeMetrics()}
 * logs at exit, for every node that runs Overlog (a replica, a datanode's control path).
 */
final class EngineMetrics {
    private EngineMetrics() {
    }

    static void write(PromText p, NodeAgent agent) {
        NodeAgent.NodeMetrics m = agent.metrics();
        p.counter("boom_steps_total", "Overlog steps this node took.", m.steps.get());
        for (double q : new double[] {0.5, 0.99}) {
            p.gauge("boom_step_time_micros", "The time of one step alone, in microseconds (a histogram's quantile since the start).",
                m.stepNanos.quantile(q) / 1000.0, "quantile", Double.toString(q));
        }
        p.gauge("boom_step_time_max_micros", "The longest step, in microseconds.", m.stepNanos.max() / 1000.0);
        p.counter("boom_step_groups_total", "Groups of steps committed together (one append and at most one msync each).", m.groups.get());
        p.counter("boom_tuples_total", "Tuples this node received and sent.", m.tuplesIn.get(), "direction", "in");
        p.counter("boom_tuples_total", "Tuples this node received and sent.", m.tuplesOut.get(), "direction", "out");
        AeronTransport t = agent.transport();
        p.counter("boom_frames_total", "Aeron frames received and sent.", t.framesIn(), "direction", "in");
        p.counter("boom_frames_total", "Aeron frames received and sent.", t.framesOut(), "direction", "out");
        p.counter("boom_bytes_total", "Aeron bytes received and sent.", t.bytesIn(), "direction", "in");
        p.counter("boom_bytes_total", "Aeron bytes received and sent.", t.bytesOut(), "direction", "out");
        p.counter("boom_dropped_total", "What was dropped, by why.", m.injectDropped.get(), "what", "injected_tuples");
        p.counter("boom_dropped_total", "What was dropped, by why.", t.droppedFrames(), "what", "outbound_frames");
        p.counter("boom_dropped_total", "What was dropped, by why.", t.unencodable(), "what", "unencodable_tuples");
        p.counter("boom_dropped_total", "What was dropped, by why.", t.unknownDestination(), "what", "no_endpoint_tuples");
        p.counter("boom_dropped_total", "What was dropped, by why.", t.decoder().refusedTotal(), "what", "refused_frames");
        // Membership auth's refusals by reason, also within refused_frames above: what a scrape
        // alerts on (a wrong-key node, a replay, a non-member sending member messages).
        for (FrameDecoder.Refusal r : FrameDecoder.Refusal.values()) {
            if (r.isAuth()) {
                p.counter("boom_auth_refused_frames_total", "Frames refused by cluster membership auth, by reason.", t.decoder().refused(r),
                    "reason", r.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        p.counter("boom_die_total", "Invariant violations (die rules that fired).", m.dies.get());
        DurableStore store = agent.store();
        if (store != null) {
            p.counter("boom_wal_excerpts_total", "Write-ahead log excerpts appended.", store.excerpts());
            p.counter("boom_wal_bytes_total", "Write-ahead log bytes appended.", store.bytesWritten());
            p.gauge("boom_wal_sync_p99_micros", "The 99th percentile of one msync, in microseconds.", store.syncNanos().quantile(0.99) / 1000.0);
            p.counter("boom_snapshots_total", "Snapshots of the durable tables written.", m.snapshots.get());
        }
    }
}
