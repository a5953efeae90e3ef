package io.standings.http;

import io.standings.core.board.Board;
import io.standings.core.index.Ranked;
import io.standings.state.LiveBoards;
import java.util.Optional;

import java.time.Instant;

/**
 * One entity on one board, as {@code GET /api/v1/boards/{board}/entries/{entity}} answers it.
 *
 * @param rank the rank under the board's tie policy
 * @param ordinalRank the unique position (ROW_NUMBER)
 * @param percentile share of entries ranked strictly below this one, 0–100
 * @param updatedAt when the entity's current score was reached
 * @param asOf the read token (see {@code LiveBoards#asOf}): the answer reflects at least this many records
 */
public record EntryView(String board, String entity, double score, long rank, long ordinalRank, long total,
        double percentile, Instant updatedAt, long asOf) {

    /** The entity in the board's current period, read after the read token; empty if it is not there. */
    public static Optional<EntryView> lookup(LiveBoards live, Board board, String entity) {
        long token = live.asOf();
        return live.currentIndex(board).flatMap(index -> index.ranked(entity).map(r -> of(board, r, index.size(), token)));
    }

    private static EntryView of(Board board, Ranked r, long total, long token) {
        long size = Math.max(total, r.ordinalRank());
        return new EntryView(board.id(), r.entity(), board.displayScore(r.score(), System.currentTimeMillis()),
                board.rankOf(r), r.ordinalRank(), size, r.percentile(size), Instant.ofEpochMilli(r.reachedAt()), token);
    }
}
