package io.boomfs.chaos.workload;

import io.boomfs.chaos.check.FileContents;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A payload names itself, and any damage to it is seen. */
class PayloadTest {
    @Test
    void aPayloadIsRecognisedAndDamageIsNot() {
        byte[] p = Payload.bytes(12345);
        assertEquals(12345L, Payload.identify(p));
        assertEquals(FileContents.EMPTY, Payload.identify(new byte[0]));
        byte[] flipped = p.clone();
        flipped[p.length - 1] ^= 1;
        assertEquals("CORRUPT: payload 12345 should be " + p.length + " bytes, read " + p.length + " that differ", Payload.identify(flipped));
        assertEquals("CORRUPT: payload 12345 should be " + p.length + " bytes, read 100", Payload.identify(Arrays.copyOf(p, 100)));
        assertEquals("CORRUPT: no payload header in the first bytes", Payload.identify(new byte[] {1, 2, 3}));
    }
}
