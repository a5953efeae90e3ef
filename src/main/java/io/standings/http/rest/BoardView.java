package io.standings.http.rest;

import io.standings.core.board.Board;
import io.standings.core.board.BoardSpec;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A board's definition, its current period and the number of entries in it. */
@Schema(description = "A board: definition, current period and entry count")
public record BoardView(
        @Schema(description = "Board id") String id,
        @Schema(description = "desc (higher is better) or asc", enumeration = { "desc", "asc" }) String order,
        @Schema(description = "Tie policy of `rank`", enumeration = { "ordinal", "competition", "dense" }) String ties,
        @Schema(description = "Default operator of events", enumeration = { "set", "incr", "best" }) String operator,
        @Schema(description = "How the board is cut in time", enumeration = { "none", "daily", "weekly", "monthly" }) String period,
        @Schema(description = "Time zone periods are cut in") String timeZone,
        @Schema(description = "Half-life of a trending board (ISO-8601 duration), or null") String decayHalfLife,
        @Schema(description = "Key of the period that contains now (all for boards without periods)") String currentPeriod,
        @Schema(description = "Number of entries in the current period") long entries,
        @Schema(description = "Read token") long asOf) {

    public static BoardView of(Board b, long entries, long asOf) {
        BoardSpec spec = BoardSpec.of(b);
        return new BoardView(b.id(), spec.order(), spec.ties(), spec.operator(), spec.period(), spec.timeZone(),
                spec.decayHalfLife(), b.periodOf(System.currentTimeMillis()), entries, asOf);
    }

    @Schema(description = "Every board this instance knows, sorted by id")
    public record All(List<BoardView> boards, @Schema(description = "Read token") long asOf) {
    }
}
