package io.standings.core.index;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * The ranking of one board: entries ordered by (score in the board's {@link Order}, reachedAt
 * ascending, entity id by code point). All methods are thread-safe; every read sees the index
 * before or after a write (single op or whole {@link #applyBatch batch}), never in between.
 *
 * <p>Invalid input (null/empty/oversized ids, NaN or infinite scores, negative limits, malformed
 * cursors) throws {@link IllegalArgumentException}.
 */
public interface RankIndex {

    /** Mutations available inside {@link #applyBatch}. Each call validates its arguments at once. */
    interface Writer {
        /** Sets the entity's score and the time it reached it, inserting the entity if absent. */
        Writer upsert(String entity, double score, long reachedAt);

        /** Removes the entity if present. */
        Writer remove(String entity);
    }

    /** Receives the entries of {@link #forEachInOrder} without allocating a record per entry. */
    @FunctionalInterface
    interface RankedVisitor {
        void visit(String entity, double score, long reachedAt, long ordinalRank, long competitionRank, long denseRank);
    }

    /**
     * Receives the entries of {@link #forEachInOrderUtf8}: the entity id as UTF-8 bytes
     * {@code id[idOffset, idOffset + idLength)}, valid only during the call. A copy of a whole board makes
     * no String per entry, so it leaves the garbage collector nothing to copy between young collections.
     */
    @FunctionalInterface
    interface Utf8RankedVisitor {
        void visit(byte[] id, int idOffset, int idLength, double score, long reachedAt, long ordinalRank,
                long competitionRank, long denseRank);
    }

    Order order();

    /** Number of entries. */
    long size();

    /**
     * A number that grows with every change of the entries (any upsert or removal that changed something):
     * two reads that saw the same version saw the same entries. Read without the lock; a cache keyed on
     * it must read it before reading the entries.
     */
    long version();

    /** Inserts or updates one entry. @return true if the index changed */
    boolean upsert(String entity, double score, long reachedAt);

    /** Removes one entry. @return true if it was present */
    boolean remove(String entity);

    /**
     * Records the writes {@code batch} makes (validating each), then applies them all under one
     * write lock: readers see none or all of them. If {@code batch} throws, nothing is applied.
     *
     * @return number of writes that changed the index
     */
    int applyBatch(Consumer<Writer> batch);

    Optional<Entry> get(String entity);

    OptionalDouble scoreOf(String entity);

    /** ROW_NUMBER: 1-based unique position. */
    OptionalLong ordinalRank(String entity);

    /** RANK: 1 + number of entries with a strictly better score. */
    OptionalLong competitionRank(String entity);

    /** DENSE_RANK: 1 + number of distinct scores strictly better. */
    OptionalLong denseRank(String entity);

    /** Share of entries ranked strictly below the entity, (n - ordinal) / n * 100. */
    OptionalDouble percentile(String entity);

    /** The entry with all its ranks, read atomically. */
    Optional<Ranked> ranked(String entity);

    /** The first {@code k} entries. */
    List<Ranked> top(int k);

    /** Up to {@code limit} entries starting at 1-based ordinal {@code fromOrdinal}. */
    List<Ranked> window(long fromOrdinal, int limit);

    /** The entity plus up to {@code radius} entries above and below it; empty if absent. */
    List<Ranked> around(String entity, int radius);

    /**
     * Keyset paging: up to {@code limit} entries strictly after the cursor's key ({@code null} or
     * empty cursor = from the top). The returned cursor is {@code null} when nothing follows.
     */
    Page page(String cursor, int limit);

    /** Streams every entry in rank order with its ranks, under one read lock (a consistent snapshot). */
    void forEachInOrder(RankedVisitor visitor);

    /** As {@link #forEachInOrder(RankedVisitor)}, with each id as UTF-8 bytes instead of a String. */
    void forEachInOrderUtf8(Utf8RankedVisitor visitor);
}
