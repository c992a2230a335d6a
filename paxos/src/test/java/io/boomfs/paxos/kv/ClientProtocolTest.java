package io.boomfs.paxos.kv;

import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;
import io.boomfs.engine.runtime.Schemas;
import io.boomfs.paxos.ReplicaServer;
import io.boomfs.paxos.ReplicatedLog;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The client compiles only the protocol's declarations, the replicas compile them with their
 * rules: every client message must come out alike on both sides (the frames' fingerprints would
 * refuse it otherwise).
 */
class ClientProtocolTest {
    @Test
    void theClientDeclaresEveryClientMessageAsTheReplicasDo() {
        Program client = ReplicatedLog.compileClientProtocol();
        Program replica = ReplicaServer.program();
        for (String name : ReplicatedLog.CLIENT_MESSAGES) {
            Relation c = client.relation(name);
            assertNotNull(c, "the client declares " + name);
            Relation r = replica.relation(name);
            assertNotNull(r, "the replicas declare " + name);
            assertEquals(Schemas.fingerprint(r), Schemas.fingerprint(c), name + " is declared alike on both sides");
        }
    }
}
