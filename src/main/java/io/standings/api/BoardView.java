package io.standings.api;

import io.standings.board.Board;
import java.util.List;
import java.util.Locale;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A board's configuration and its current number of entries. */
@Schema(description = "A board: configuration and entry count")
public record BoardView(
        @Schema(description = "Board id") String id,
        @Schema(description = "desc (higher is better) or asc", enumeration = { "desc", "asc" }) String order,
        @Schema(description = "Tie policy of `rank`", enumeration = { "ordinal", "competition", "dense" }) String ties,
        @Schema(description = "Default operator of events", enumeration = { "set", "incr", "best" }) String operator,
        @Schema(description = "Number of entries on the board") long entries,
        @Schema(description = "Read token") long asOf) {

    public static BoardView of(Board board, long entries, long asOf) {
        return new BoardView(board.id(), board.order().name().toLowerCase(Locale.ROOT),
                board.ties().name().toLowerCase(Locale.ROOT), board.operator().wireName(), entries, asOf);
    }

    @Schema(description = "Every board this instance knows, sorted by id")
    public record All(List<BoardView> boards, @Schema(description = "Read token") long asOf) {
    }
}
