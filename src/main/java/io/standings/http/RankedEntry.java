package io.standings.http;

import io.standings.core.board.Board;
import io.standings.core.index.Ranked;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One entry of every list answer (top, around, rank window, batch lookup, SSE {@code top} events).
 *
 * @param rank the rank under the board's tie policy
 * @param ordinalRank the unique position (ROW_NUMBER)
 */
@Schema(description = "One ranked entry of a list")
public record RankedEntry(
        @Schema(description = "Entity id") String entity,
        @Schema(description = "Current score") double score,
        @Schema(description = "Rank under the board's tie policy (ordinal, competition or dense)") long rank,
        @Schema(description = "Unique 1-based position (ROW_NUMBER)") long ordinalRank) {

    public static RankedEntry of(Board board, Ranked r) {
        return new RankedEntry(r.entity(), r.score(), board.rankOf(r), r.ordinalRank());
    }
}
