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
 * The client's declarations of the client protocol agree with the replicas' (the frames'
 * fingerprints would refuse them otherwise), for every client message the replicas declare;
 * request and response they must.
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
            if (r != null || name.equals("request") || name.equals("response")) {
                assertNotNull(r, "the replicas declare " + name);
                assertEquals(Schemas.fingerprint(r), Schemas.fingerprint(c), name + " is declared alike on both sides");
            }
        }
    }
}
