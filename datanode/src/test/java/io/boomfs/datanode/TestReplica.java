package io.boomfs.datanode;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.runtime.AeronHost;
import io.boomfs.engine.runtime.DurableStore;
import io.boomfs.engine.runtime.FreePorts;
import io.boomfs.engine.runtime.NodeServer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A stand-in for a metadata shard replica: a real node on 127.0.0.1 over Aeron running a small
 * program that imports dn_messages.olg (as a shard does), records every datanode message in a
 * table (heartbeats with the time they arrived), and sends the test's commands.
 */
final class TestReplica implements AutoCloseable {
    static final String PROGRAM = """
        import "dn_messages.olg".
        table got_hb(Dn: addr, DataAddr: string, Capacity: long, Used: long, Chunks: long, AtMs: long).
        table got_added(Dn: addr, Chunk: long, Len: long).
        table got_removed(Dn: addr, Chunk: long).
        table got_report(Dn: addr, Round: long, Page: long, Last: bool, Chunks: any).
        got_hb(Dn, A, C, U, N, T) :- dn_hb(@Me, Dn, A, C, U, N), sys_now(T).
        got_added(Dn, C, L) :- dn_added(@Me, Dn, C, L).
        got_removed(Dn, C) :- dn_removed(@Me, Dn, C).
        got_report(Dn, R, P, L, Cs) :- dn_report(@Me, Dn, R, P, L, Cs).

        event send_copy(Dn: addr, Chunk: long, Len: long, Targets: any).
        event send_delete(Dn: addr, Chunks: any).
        dn_copy(@Dn, Me, C, L, T) :- send_copy(Dn, C, L, T), self(@Me).
        dn_delete(@Dn, Me, Cs) :- send_delete(Dn, Cs), self(@Me).
        """;

    private static final class Holder {
        static final Program PROGRAM_COMPILED = ControlPath.compile("test-replica.olg", PROGRAM);
    }

    private final NodeServer node;

    TestReplica(AeronHost host, Consumer<String> log) {
        String ep = FreePorts.loopbackEndpoint();
        node = NodeServer.start(Holder.PROGRAM_COMPILED, new NodeServer.Config(null, ep, ep, Map.of(), null, null,
            DurableStore.Durability.ASYNC, null, List.of(), 0, 65_536, false), List.of(), host, System.out, log);
    }

    String address() {
        return node.agent().address();
    }

    /** The rows of one of the got_ tables now. */
    List<Tuple> read(String table) {
        try {
            return node.agent().read(table).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read " + table + " of " + address() + ": " + e);
        }
    }

    /** The rows of {@code table} about datanode {@code dn}. */
    List<Tuple> from(String table, String dn) {
        return read(table).stream().filter(t -> t.get(0).equals(dn)).toList();
    }

    void sendCopy(String dn, long chunk, long length, List<String> targets) {
        inject(new Tuple("send_copy", dn, chunk, length, targets));
    }

    void sendDelete(String dn, List<Long> chunks) {
        inject(new Tuple("send_delete", dn, chunks));
    }

    private void inject(Tuple t) {
        if (!node.agent().inject(t)) {
            throw new IllegalStateException("the test replica's input queue is full");
        }
    }

    @Override
    public void close() {
        node.close();
    }
}
