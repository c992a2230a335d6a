package io.boomfs.chaos.workload;

import io.boomfs.chaos.check.FileContents;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/**
 * The content the namespace workload writes into a file: payload N is a header naming N and
 * 1-4 KiB of bytes drawn from a random source seeded with N, so that a reader can tell from the
 * bytes alone which payload it holds and whether every byte is right.
 */
final class Payload {
    private Payload() {
    }

    static byte[] bytes(long n) {
        byte[] header = ("payload " + n + "\n").getBytes(StandardCharsets.US_ASCII);
        Random r = new Random(n);
        byte[] out = new byte[header.length + 1_024 + r.nextInt(3 * 1_024)];
        System.arraycopy(header, 0, out, 0, header.length);
        byte[] body = new byte[out.length - header.length];
        r.nextBytes(body);
        System.arraycopy(body, 0, out, header.length, body.length);
        return out;
    }

    /** The payload number the content is, {@link FileContents#EMPTY} (a file never completed), or {@code CORRUPT: why}. */
    static Object identify(byte[] content) {
        if (content.length == 0) {
            return FileContents.EMPTY;
        }
        String text = new String(content, 0, Math.min(content.length, 40), StandardCharsets.US_ASCII);
        int nl = text.indexOf('\n');
        if (!text.startsWith("payload ") || nl < 0) {
            return "CORRUPT: no payload header in the first bytes";
        }
        long n;
        try {
            n = Long.parseLong(text.substring("payload ".length(), nl));
        } catch (NumberFormatException e) {
            return "CORRUPT: a bad payload header " + text.substring(0, nl);
        }
        byte[] expected = bytes(n);
        if (!Arrays.equals(expected, content)) {
            return "CORRUPT: payload " + n + " should be " + expected.length + " bytes, read " + content.length
                + (expected.length == content.length ? " that differ" : "");
        }
        return n;
    }
}
