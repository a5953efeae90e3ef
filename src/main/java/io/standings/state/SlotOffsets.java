package io.standings.state;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The offsets each board period's Redis slot holds for the partitions this instance consumes: per
 * "board@period", per "topic/partition", the last offset of the last batch that wrote that board period. Each
 * board period's Redis write is fenced on exactly these values (docs/redis-layout.md, "Writes"), so that a
 * batch spanning several slots is a set of independent writes, each exactly once. Loaded from Redis when a
 * partition is assigned and whenever memory is rebuilt or reset; moved by every applied write.
 *
 * <p>A slot may stand past the partition's floor (the offset up to which every slot is written) when a batch
 * was cut off between two slots' writes: the replay then skips, for that board period only, the records the
 * slot already holds ({@link #holds}).
 */
public final class SlotOffsets {

    private final Map<String, Map<String, Long>> byPeriod = new ConcurrentHashMap<>();
    /** Per partition: the highest offset any slot holds for it (records above it are new to every slot). */
    private final Map<String, Long> highest = new ConcurrentHashMap<>();

    /** The offset the board period's slot holds for the partition, or null when none is stored. */
    public Long get(String boardPeriod, String field) {
        Map<String, Long> fields = byPeriod.get(boardPeriod);
        return fields == null ? null : fields.get(field);
    }

    /** Whether the board period's slot already holds the partition's record at {@code offset}. */
    public boolean holds(String boardPeriod, String field, long offset) {
        if (!mayHold(field, offset)) {
            return false;
        }
        Long stored = get(boardPeriod, field);
        return stored != null && offset <= stored;
    }

    /** Whether some slot may hold the partition's record at {@code offset} (a cheap test before {@link #holds}). */
    public boolean mayHold(String field, long offset) {
        Long highestOffset = highest.get(field);
        return highestOffset != null && offset <= highestOffset;
    }

    /** A write of the board period moved it to these offsets ("topic/partition" → last offset). */
    public void written(String boardPeriod, Map<String, Long> offsets) {
        byPeriod.computeIfAbsent(boardPeriod, k -> new ConcurrentHashMap<>()).putAll(offsets);
        offsets.forEach((field, offset) -> highest.merge(field, offset, Math::max));
    }

    /**
     * Replaces what is known of the given partitions with what Redis holds ("board@period" → "topic/partition" →
     * offset); other partitions keep theirs.
     */
    public void load(Collection<String> fields, Map<String, Map<String, Long>> stored) {
        forget(fields);
        stored.forEach((bp, offsets) -> {
            Map<String, Long> mine = new HashMap<>();
            offsets.forEach((field, offset) -> {
                if (fields.contains(field)) {
                    mine.put(field, offset);
                }
            });
            if (!mine.isEmpty()) {
                written(bp, mine);
            }
        });
    }

    /** Replaces everything known with what Redis holds. */
    public void replaceAll(Map<String, Map<String, Long>> stored) {
        byPeriod.clear();
        highest.clear();
        stored.forEach(this::written);
    }

    /** Forgets the given partitions (revoked, or about to be loaded again). */
    public void forget(Collection<String> fields) {
        for (Map<String, Long> offsets : byPeriod.values()) {
            offsets.keySet().removeAll(fields);
        }
        byPeriod.values().removeIf(Map::isEmpty);
        highest.keySet().removeAll(fields);
    }

    /** The board periods known to hold some offset of a partition consumed here. */
    public java.util.Set<String> periods() {
        return java.util.Set.copyOf(byPeriod.keySet());
    }

    /** Forgets a board period (released: its keys are gone from Redis). */
    public void removed(String boardPeriod) {
        byPeriod.remove(boardPeriod);
    }

    /** Forgets every period of a board (deleted: its keys are gone from Redis). */
    public void removedBoard(String board) {
        byPeriod.keySet().removeIf(bp -> BoardPeriods.isPeriodOf(bp, board));
    }
}
