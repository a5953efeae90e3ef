package io.standings.core.index;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One record per entity in an arena of 1 MiB byte chunks, addressed by an int {@code ref}
 * ({@code chunk << 20 | offset}):
 * <pre>
 *   reachedAt (8 bytes) | slot (4 bytes) | id length (1 byte if < 128, else 2) | id (UTF-8)
 * </pre>
 * The tree's leaves and the id hash table hold refs, so a lookup reads one hash-table cell and
 * one record, and a tie-break reads reachedAt and id from the same record. {@code slot} is a
 * dense number (reused through a free stack) that indexes the tree's {@code leafOf} column.
 *
 * <p>The id hash table is an open-addressing {@code int[]} of {@code ref + 1} (linear probing,
 * backward-shift deletion, load factor at most 3/4; hashes are recomputed from the record, so no
 * hash column). A removed record becomes garbage; once garbage outweighs live bytes (and exceeds
 * 4 chunks) the owner compacts: {@link #beginCompaction()}, {@link #relocate(int)} for every live
 * ref, {@link #finishCompaction()} - amortized O(1) per removal. Not thread-safe.
 */
final class EntityStore {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK_BITS = 20;
    private static final int CHUNK = 1 << CHUNK_BITS;
    private static final int CHUNK_MASK = CHUNK - 1;
    private static final int MAX_CHUNKS = 1 << (31 - CHUNK_BITS);
    private static final int HEADER = 12;

    private byte[][] chunks = new byte[0][];
    private int chunkCount;
    private int chunkPos = CHUNK;
    private long liveBytes;
    private long garbageBytes;

    private int[] table = new int[16];
    private int mask = 15;
    private int live;

    private int highWaterSlot;
    private int[] freeSlots = new int[0];
    private int freeCount;

    /** Chunks being compacted away, or null. */
    private byte[][] oldChunks;
    private final long compactionMinGarbage;

    EntityStore(long compactionMinGarbage) {
        this.compactionMinGarbage = compactionMinGarbage;
    }

    /** Compacts once garbage exceeds live bytes and 4 MiB. */
    EntityStore() {
        this(4L * CHUNK);
    }

    int size() {
        return live;
    }

    /** Every slot in use is below this. */
    int slotLimit() {
        return highWaterSlot;
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

    // ------------------------------------------------------------------ record access

    long reachedAt(int ref) {
        return (long) LONG.get(chunks[ref >>> CHUNK_BITS], ref & CHUNK_MASK);
    }

    void setReachedAt(int ref, long reachedAt) {
        LONG.set(chunks[ref >>> CHUNK_BITS], ref & CHUNK_MASK, reachedAt);
    }

    int slotOf(int ref) {
        return (int) INT.get(chunks[ref >>> CHUNK_BITS], (ref & CHUNK_MASK) + 8);
    }

    String entity(int ref) {
        byte[] c = chunks[ref >>> CHUNK_BITS];
        int off = ref & CHUNK_MASK;
        return new String(c, idStart(c, off), idLength(c, off), StandardCharsets.UTF_8);
    }

    /** Hands the record's id bytes (in place, no copy) with the given score to {@code run}. */
    void visitId(int ref, double score, RankRun run, RankIndex.Utf8RankedVisitor visitor) {
        byte[] c = chunks[ref >>> CHUNK_BITS];
        int off = ref & CHUNK_MASK;
        run.visitUtf8(c, idStart(c, off), idLength(c, off), score, reachedAt(ref), visitor);
    }

    /** Compares the record's id with {@code probe} (UTF-8) as unsigned bytes. */
    int compareId(int ref, byte[] probe) {
        byte[] c = chunks[ref >>> CHUNK_BITS];
        int off = ref & CHUNK_MASK;
        int start = idStart(c, off);
        return RankKey.compareIdBytes(c, start, idLength(c, off), probe, 0, probe.length);
    }

    /** Compares two records' ids as unsigned bytes. */
    int compareIds(int a, int b) {
        byte[] ca = chunks[a >>> CHUNK_BITS];
        byte[] cb = chunks[b >>> CHUNK_BITS];
        int oa = a & CHUNK_MASK;
        int ob = b & CHUNK_MASK;
        int sa = idStart(ca, oa);
        int sb = idStart(cb, ob);
        return RankKey.compareIdBytes(ca, sa, idLength(ca, oa), cb, sb, idLength(cb, ob));
    }

    private static int idLength(byte[] c, int off) {
        int b = c[off + HEADER];
        return b >= 0 ? b : ((b & 0x7F) << 8) | (c[off + HEADER + 1] & 0xFF);
    }

    private static int idStart(byte[] c, int off) {
        return c[off + HEADER] >= 0 ? off + HEADER + 1 : off + HEADER + 2;
    }

    private static int recordLength(byte[] c, int off) {
        return idStart(c, off) - off + idLength(c, off);
    }

    // ------------------------------------------------------------------ hash table

    /** Ref of the id's record, or -1. */
    int find(byte[] id) {
        return table[probe(id)] - 1;
    }

    /** The table index holding the id's record, or the empty one that ends its probe sequence. */
    private int probe(byte[] id) {
        int[] t = table;
        int m = mask;
        int i = hash(id, 0, id.length) & m;
        for (int v; (v = t[i]) != 0; i = (i + 1) & m) {
            byte[] c = chunks[(v - 1) >>> CHUNK_BITS];
            int off = (v - 1) & CHUNK_MASK;
            int start = idStart(c, off);
            if (idLength(c, off) == id.length && Arrays.equals(c, start, start + id.length, id, 0, id.length)) {
                return i;
            }
        }
        return i;
    }

    /**
     * The id's record with {@code reachedAt} set: the existing one, or a new one — with one probe of the
     * hash table, where {@link #find} then {@link #add} take two (bulk loads).
     */
    int put(byte[] id, long reachedAt) {
        if ((live + 1L) * 4 > (long) table.length * 3) {
            rehash(table.length * 2);
        }
        int i = probe(id);
        if (table[i] != 0) {
            setReachedAt(table[i] - 1, reachedAt);
            return table[i] - 1;
        }
        int slot = freeCount > 0 ? freeSlots[--freeCount] : highWaterSlot++;
        int ref = append(id, 0, id.length, reachedAt, slot);
        table[i] = ref + 1; // the empty index that ended the probe
        live++;
        return ref;
    }

    /** Sizes the hash table for {@code expected} live ids at once (no rehash on the way there). */
    void reserve(int expected) {
        long needed = (long) expected * 4 / 3 + 1;
        if (needed > table.length) {
            rehash((int) Math.min(1 << 30, Long.highestOneBit(needed - 1) << 1));
        }
    }

    /** Adds an id that is not present; returns its record's ref. */
    int add(byte[] id, long reachedAt) {
        if ((live + 1L) * 4 > (long) table.length * 3) {
            rehash(table.length * 2);
        }
        int slot = freeCount > 0 ? freeSlots[--freeCount] : highWaterSlot++;
        int ref = append(id, 0, id.length, reachedAt, slot);
        insertRef(ref, hash(id, 0, id.length));
        live++;
        return ref;
    }

    /** Drops a live record: out of the hash table, its slot to the free stack, its bytes to garbage. */
    void free(int ref) {
        byte[] c = chunks[ref >>> CHUNK_BITS];
        int off = ref & CHUNK_MASK;
        int i = homeOf(ref);
        while (table[i] != ref + 1) {
            i = (i + 1) & mask;
        }
        deleteAt(i);
        if (freeCount == freeSlots.length) {
            freeSlots = Arrays.copyOf(freeSlots, Math.max(16, freeCount * 2));
        }
        freeSlots[freeCount++] = slotOf(ref);
        int bytes = recordLength(c, off);
        liveBytes -= bytes;
        garbageBytes += bytes;
        live--;
    }

    /** True once removed records take more room than live ones (and the minimum, 4 MiB by default). */
    boolean wantsCompaction() {
        return garbageBytes > liveBytes && garbageBytes > compactionMinGarbage;
    }

    /** Starts a compaction: a fresh arena and hash table; then {@link #relocate} every live ref. */
    void beginCompaction() {
        oldChunks = chunks;
        chunks = new byte[0][];
        chunkCount = 0;
        chunkPos = CHUNK;
        liveBytes = 0;
        garbageBytes = 0;
        Arrays.fill(table, 0);
    }

    /** Copies a live record from the old arena into the new one; returns its new ref. */
    int relocate(int oldRef) {
        byte[] c = oldChunks[oldRef >>> CHUNK_BITS];
        int off = oldRef & CHUNK_MASK;
        int start = idStart(c, off);
        int len = idLength(c, off);
        int ref = append(c, start, len, (long) LONG.get(c, off), (int) INT.get(c, off + 8));
        insertRef(ref, hash(c, start, len));
        return ref;
    }

    void finishCompaction() {
        oldChunks = null;
    }

    private int homeOf(int ref) {
        byte[] c = chunks[ref >>> CHUNK_BITS];
        int off = ref & CHUNK_MASK;
        return hash(c, idStart(c, off), idLength(c, off)) & mask;
    }

    private void insertRef(int ref, int hash) {
        int i = hash & mask;
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = ref + 1;
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
            // v may fill the hole unless its home lies cyclically in (hole, j].
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

    private int append(byte[] src, int start, int len, long reachedAt, int slot) {
        int need = HEADER + len + (len < 128 ? 1 : 2);
        if (chunkPos + need > CHUNK) {
            if (chunkCount == MAX_CHUNKS) {
                throw new IllegalStateException("entity arena is full (2 GiB)");
            }
            if (chunkCount == chunks.length) {
                chunks = Arrays.copyOf(chunks, Math.max(4, chunkCount * 2));
            }
            chunks[chunkCount++] = new byte[CHUNK];
            chunkPos = 0;
        }
        byte[] c = chunks[chunkCount - 1];
        int off = chunkPos;
        LONG.set(c, off, reachedAt);
        INT.set(c, off + 8, slot);
        int p = off + HEADER;
        if (len < 128) {
            c[p++] = (byte) len;
        } else {
            c[p++] = (byte) (0x80 | (len >>> 8));
            c[p++] = (byte) len;
        }
        System.arraycopy(src, start, c, p, len);
        chunkPos = p + len;
        liveBytes += need;
        return ((chunkCount - 1) << CHUNK_BITS) | off;
    }

    /** Bytes held by the arena, hash table and free stack (capacity, not just live data). */
    long estimatedBytes() {
        return 16L + 4L * table.length + (long) chunkCount * (16 + CHUNK + 4) + 16 + 4L * freeSlots.length;
    }
}
