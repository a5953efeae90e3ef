package io.standings.http;

import io.standings.core.board.Board;
import io.standings.core.index.RankIndex;
import io.standings.core.index.Ranked;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The list answers of the read API. Every one carries {@code asOf}, the read token. */
public final class ListViews {

    private ListViews() {
    }

    @Schema(description = "The first entries of a board")
    public record Top(String board, int limit, long total, List<RankedEntry> entries,
            @Schema(description = "Read token: the answer reflects at least this many applied records") long asOf) {

        /**
         * The top of the board's current period, as the REST resource, the hot path and the top stream all answer
         * it; {@code asOf} read before {@code index} (which is null when the period has no index yet).
         */
        public static Top of(Board board, int limit, RankIndex index, long asOf) {
            return index == null ? new Top(board.id(), limit, 0, List.of(), asOf)
                    : new Top(board.id(), limit, index.size(), ListViews.entries(board, index.top(limit)), asOf);
        }
    }

    /** List entries of ranked entries, with the rank the board's tie policy names. */
    public static List<RankedEntry> entries(Board board, List<Ranked> ranked) {
        return ranked.stream().map(r -> RankedEntry.of(board, r)).toList();
    }

    @Schema(description = "An entity with up to `radius` entries above and below it")
    public record Around(String board, String entity, int radius, long total, List<RankedEntry> entries,
            @Schema(description = "Read token") long asOf) {
    }

    @Schema(description = "A rank window or a keyset page")
    public record Ranks(String board, int limit, long total, List<RankedEntry> entries,
            @Schema(description = "Cursor for the following page (pass it as `after`); null at the end", nullable = true) String next,
            @Schema(description = "Read token") long asOf) {
    }

    @Schema(description = "The entries found among the ids asked for; absent ids are omitted")
    public record Batch(String board, List<RankedEntry> entries, @Schema(description = "Read token") long asOf) {
    }
}
