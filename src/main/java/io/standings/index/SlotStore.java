package io.standings.index;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Entity ids and reachedAt values in primitive columns, addressed by an int slot.
 *
 * <ul>
 *   <li>Ids live UTF-8 encoded in an arena of 1 MiB byte chunks: a 1-2 byte length prefix, then the
 *       bytes. A slot's {@code idRef} is {@code chunk << 20 | offset}. Freed ids become garbage that
 *       is compacted away once it outweighs the live bytes (amortized O(1)).</li>
 *   <li>{@code reachedAt} and {@code idRef} are paged columns of 16 Ki slots, so growth never copies
 *       or over-allocates more than a page.</li>
 *   <li>An open-addressing (linear probing, backward-shift deletion) {@code int[]} hash table maps an
 *       id to {@code slot + 1}; the hash is recomputed from the arena bytes, so no hash column.</li>
 *   <li>Freed slots are chained through their {@code idRef} into a free list and reused first.</li>
 * </ul>
 * Not thread-safe: {@link BoardIndex} guards it.
 */
final class SlotStore {
    private static final int PAGE_BITS = 14;
    private static final int PAGE = 1 << PAGE_BITS;
    private static final int PAGE_MASK = PAGE - 1;
    private static final int CHUNK_BITS = 20;
    private static final int CHUNK = 1 << CHUNK_BITS;
    private static final int CHUNK_MASK = CHUNK - 1;
    private static final int MAX_CHUNKS = 1 << (31 - CHUNK_BITS);

    private long[][] reachedPages = new long[0][];
    private int[][] idPages = new int[0][];
    private int highWater;
    private int freeHead = -1;
    private int live;

    private byte[][] chunks = new byte[0][];
    private int chunkCount;
    private int chunkPos = CHUNK;
    private long liveBytes;
    private long garbageBytes;

    private int[] table = new int[16];
    private int mask = 15;

    int size() {
        return live;
    }

    /** Slots ever handed out: every live slot is below this. */
    int highWater() {
        return highWater;
    }

    static int hash(byte[] b, int off, int len) {
        int h = 0x9E3779B9 ^ len;
        for (int i = 0; i < len; i++) {
            h = (h ^ b[off + i]) * 0x01000193;
        }
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        return h ^ (h >>> 16);
    }

    /** Slot of the id, or -1. */
    int find(byte[] id) {
        int i = hash(id, 0, id.length) & mask;
        int[] t = table;
        for (int v; (v = t[i]) != 0; i = (i + 1) & mask) {
            if (idEquals(v - 1, id)) {
                return v - 1;
            }
        }
        return -1;
    }

    /** Adds an id that is not present; returns its new slot. */
    int add(byte[] id, long reachedAt) {
        if ((live + 1L) * 4 > (long) table.length * 3) {
            rehash(table.length * 2);
        }
        int slot = allocateSlot();
        setIdRef(slot, appendId(id));
        setReachedAt(slot, reachedAt);
        int i = hash(id, 0, id.length) & mask;
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = slot + 1;
        live++;
        return slot;
    }

    /** Frees a live slot: drops it from the hash table, its id bytes become garbage. */
    void free(int slot) {
        int ref = idRef(slot);
        byte[] c = chunks[ref >>> CHUNK_BITS];
        int off = ref & CHUNK_MASK;
        int len = idLength(c, off);
        int start = idStart(c, off);
        int i = hash(c, start, len) & mask;
        while (table[i] != slot + 1) {
            i = (i + 1) & mask;
        }
        deleteAt(i);
        long bytes = start - off + len;
        liveBytes -= bytes;
        garbageBytes += bytes;
        setIdRef(slot, freeHead);
        freeHead = slot;
        live--;
        if (garbageBytes > liveBytes && garbageBytes > 4L * CHUNK) {
            compact();
        }
    }

    long reachedAt(int slot) {
        return reachedPages[slot >>> PAGE_BITS][slot & PAGE_MASK];
    }

    void setReachedAt(int slot, long reachedAt) {
        reachedPages[slot >>> PAGE_BITS][slot & PAGE_MASK] = reachedAt;
    }

    String entity(int slot) {
        int ref = idRef(slot);
        byte[] c = chunks[ref >>> CHUNK_BITS];
        int off = ref & CHUNK_MASK;
        return new String(c, idStart(c, off), idLength(c, off), StandardCharsets.UTF_8);
    }

    /** Compares the slot's id with {@code probe} (UTF-8) as unsigned bytes. */
    int compareId(int slot, byte[] probe) {
        int ref = idRef(slot);
        byte[] c = chunks[ref >>> CHUNK_BITS];
        int off = ref & CHUNK_MASK;
        int start = idStart(c, off);
        return Arrays.compareUnsigned(c, start, start + idLength(c, off), probe, 0, probe.length);
    }

    /** Compares two slots' ids as unsigned bytes. */
    int compareIds(int a, int b) {
        int ra = idRef(a);
        int rb = idRef(b);
        byte[] ca = chunks[ra >>> CHUNK_BITS];
        byte[] cb = chunks[rb >>> CHUNK_BITS];
        int oa = ra & CHUNK_MASK;
        int ob = rb & CHUNK_MASK;
        int sa = idStart(ca, oa);
        int sb = idStart(cb, ob);
        return Arrays.compareUnsigned(ca, sa, sa + idLength(ca, oa), cb, sb, sb + idLength(cb, ob));
    }

    /** Bytes held by this store's arrays (capacity, not just live data). */
    long estimatedBytes() {
        long bytes = 16L + 4L * table.length;
        bytes += (long) reachedPages.length * (16 + 8L * PAGE + 4) + (long) idPages.length * (16 + 4L * PAGE + 4);
        bytes += (long) chunkCount * (16 + (long) CHUNK + 4);
        return bytes;
    }

    // ---- internals

    private boolean idEquals(int slot, byte[] id) {
        int ref = idRef(slot);
        byte[] c = chunks[ref >>> CHUNK_BITS];
        int off = ref & CHUNK_MASK;
        int start = idStart(c, off);
        return idLength(c, off) == id.length && Arrays.equals(c, start, start + id.length, id, 0, id.length);
    }

    private int idRef(int slot) {
        return idPages[slot >>> PAGE_BITS][slot & PAGE_MASK];
    }

    private void setIdRef(int slot, int ref) {
        idPages[slot >>> PAGE_BITS][slot & PAGE_MASK] = ref;
    }

    private static int idLength(byte[] c, int off) {
        int b = c[off];
        return b >= 0 ? b : ((b & 0x7F) << 8) | (c[off + 1] & 0xFF);
    }

    private static int idStart(byte[] c, int off) {
        return c[off] >= 0 ? off + 1 : off + 2;
    }

    private int allocateSlot() {
        if (freeHead >= 0) {
            int slot = freeHead;
            freeHead = idRef(slot);
            return slot;
        }
        int slot = highWater;
        if ((slot >>> PAGE_BITS) == idPages.length) {
            if (slot == Integer.MAX_VALUE) {
                throw new IllegalStateException("index is full");
            }
            int pages = idPages.length + 1;
            idPages = Arrays.copyOf(idPages, pages);
            reachedPages = Arrays.copyOf(reachedPages, pages);
            idPages[pages - 1] = new int[PAGE];
            reachedPages[pages - 1] = new long[PAGE];
        }
        highWater++;
        return slot;
    }

    private int appendId(byte[] id) {
        int len = id.length;
        int need = len + (len < 128 ? 1 : 2);
        if (chunkPos + need > CHUNK) {
            if (chunkCount == MAX_CHUNKS) {
                throw new IllegalStateException("id arena is full");
            }
            if (chunkCount == chunks.length) {
                chunks = Arrays.copyOf(chunks, Math.max(4, chunkCount * 2));
            }
            chunks[chunkCount++] = new byte[CHUNK];
            chunkPos = 0;
        }
        byte[] c = chunks[chunkCount - 1];
        int off = chunkPos;
        int p = off;
        if (len < 128) {
            c[p++] = (byte) len;
        } else {
            c[p++] = (byte) (0x80 | (len >>> 8));
            c[p++] = (byte) len;
        }
        System.arraycopy(id, 0, c, p, len);
        chunkPos = p + len;
        liveBytes += need;
        return ((chunkCount - 1) << CHUNK_BITS) | off;
    }

    private int homeOf(int slot) {
        int ref = idRef(slot);
        byte[] c = chunks[ref >>> CHUNK_BITS];
        int off = ref & CHUNK_MASK;
        return hash(c, idStart(c, off), idLength(c, off)) & mask;
    }

    /** Backward-shift deletion keeps probe chains intact without tombstones. */
    private void deleteAt(int hole) {
        int j = hole;
        while (true) {
            j = (j + 1) & mask;
            int v = table[j];
            if (v == 0) {
                break;
            }
            int home = homeOf(v - 1);
            // Move v into the hole unless its home lies cyclically in (hole, j].
            boolean homeInRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!homeInRange) {
                table[hole] = v;
                hole = j;
            }
        }
        table[hole] = 0;
    }

    private void rehash(int capacity) {
        int[] old = table;
        table = new int[capacity];
        mask = capacity - 1;
        for (int v : old) {
            if (v != 0) {
                int i = homeOf(v - 1);
                while (table[i] != 0) {
                    i = (i + 1) & mask;
                }
                table[i] = v;
            }
        }
    }

    /** Rewrites the arena with live ids only. */
    private void compact() {
        byte[][] oldChunks = chunks;
        chunks = new byte[0][];
        chunkCount = 0;
        chunkPos = CHUNK;
        liveBytes = 0;
        garbageBytes = 0;
        for (int v : table) {
            if (v != 0) {
                int slot = v - 1;
                int ref = idRef(slot);
                byte[] c = oldChunks[ref >>> CHUNK_BITS];
                int off = ref & CHUNK_MASK;
                int start = idStart(c, off);
                setIdRef(slot, appendId(Arrays.copyOfRange(c, start, start + idLength(c, off))));
            }
        }
    }
}
