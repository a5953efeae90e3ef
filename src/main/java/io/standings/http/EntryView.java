package io.standings.http;

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
}
