package io.boomfs.datanode;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The layout of one chunk file on disk (DATANODE.md, "Chunk files"): a 32-byte header, the
 * chunk's bytes, then a trailer of one CRC32C per 64 KiB block of data.
 *
 * <pre>
 *   0  u32 magic "BFCK"        16 i64 length (bytes of data)
 *   4  u16 version (1)         24 u32 block size (65536)
 *   6  u16 zero                28 u32 CRC32C of bytes 0..27
 *   8  i64 chunk id
 *  32  data, then u32 CRC32C of each block (the last block may be short), all big-endian
 * </pre>
 *
 * The header names its chunk and length, so a file renamed by hand or cut short is detected
 * without reading the data; the trailer lets a read verify exactly the blocks it covers. The
 * length is known before the first byte is written, so the file is written front to back.
 */
final class ChunkFormat {
    static final int BLOCK_BYTES = 64 * 1024;
    static final int HEADER_BYTES = 32;
    static final int CRC_BYTES = 4;
    static final int MAGIC = 0x4246434B; // "BFCK"
    static final short VERSION = 1;
    /** Bounds the trailer a writer keeps in memory (256 KiB for 4 GiB): chunks are 64 MiB by default. */
    static final long MAX_CHUNK_BYTES = 1L << 32;
    static final String CHUNK_SUFFIX = ".chunk";
    static final String TEMP_SUFFIX = ".tmp";
    private static final int ID_HEX_DIGITS = 16;

    private ChunkFormat() {
    }

    static long blocks(long length) {
        return (length + BLOCK_BYTES - 1) / BLOCK_BYTES;
    }

    /** The size of the file that holds a chunk of {@code length} bytes: what capacity is charged. */
    static long fileBytes(long length) {
        return HEADER_BYTES + length + CRC_BYTES * blocks(length);
    }

    /** Bytes of data in block {@code index} of a chunk of {@code length} bytes. */
    static int blockLength(long length, long index) {
        return (int) Math.min(BLOCK_BYTES, length - index * BLOCK_BYTES);
    }

    /**
     * The file name of a chunk: its id as 16 lower-case hex digits. Every long maps to a plain
     * name of fixed shape, so no chunk id can name a path outside the data directory.
     */
    static String fileName(long chunkId) {
        return hex(chunkId) + CHUNK_SUFFIX;
    }

    static String hex(long chunkId) {
        String h = Long.toHexString(chunkId);
        return "0".repeat(ID_HEX_DIGITS - h.length()) + h;
    }

    /** The chunk id a file name holds, or null when it is not exactly a chunk file's name. */
    static Long parseFileName(String name) {
        if (name.length() != ID_HEX_DIGITS + CHUNK_SUFFIX.length() || !name.endsWith(CHUNK_SUFFIX)) {
            return null;
        }
        for (int i = 0; i < ID_HEX_DIGITS; i++) {
            char c = name.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return null;
            }
        }
        return Long.parseUnsignedLong(name.substring(0, ID_HEX_DIGITS), 16);
    }

    static ByteBuffer header(long chunkId, long length) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
        b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putLong(chunkId).putLong(length).putInt(BLOCK_BYTES);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, HEADER_BYTES - CRC_BYTES);
        b.putInt((int) crc.getValue());
        return b.flip();
    }

    /**
     * Checks a header read from the file of {@code chunkId} whose size is {@code fileSize};
     * returns the chunk's length, or null with the reason in {@code why[0]}.
     */
    static Long parseHeader(ByteBuffer b, long chunkId, long fileSize, String[] why) {
        if (b.remaining() < HEADER_BYTES) {
            why[0] = "the file is shorter than a header (" + fileSize + " bytes)";
            return null;
        }
        CRC32C crc = new CRC32C();
        ByteBuffer covered = b.duplicate();
        covered.limit(covered.position() + HEADER_BYTES - CRC_BYTES);
        crc.update(covered);
        int magic = b.getInt();
        short version = b.getShort();
        b.getShort();
        long id = b.getLong();
        long length = b.getLong();
        int blockBytes = b.getInt();
        int stored = b.getInt();
        if (stored != (int) crc.getValue()) {
            why[0] = "the header fails its checksum";
        } else if (magic != MAGIC) {
            why[0] = "not a chunk file (magic " + Integer.toHexString(magic) + ")";
        } else if (version != VERSION) {
            why[0] = "chunk file version " + version + ", this datanode reads version " + VERSION;
        } else if (id != chunkId) {
            why[0] = "the header names chunk " + hex(id);
        } else if (blockBytes != BLOCK_BYTES || length < 0 || length > MAX_CHUNK_BYTES) {
            why[0] = "impossible block size " + blockBytes + " or length " + length;
        } else if (fileBytes(length) != fileSize) {
            why[0] = "the file holds " + fileSize + " bytes, a chunk of " + length + " bytes needs " + fileBytes(length);
        } else {
            return length;
        }
        return null;
    }
}
