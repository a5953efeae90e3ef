package io.standings.live;

import io.standings.api.EntryView;
import io.standings.board.Board;
import io.standings.index.Order;
import io.standings.index.RankIndex;
import io.standings.index.Ranked;
import io.standings.index.TreeMapBoardIndex;
import io.standings.ingest.BatchFolder;
import io.standings.ingest.ScoreChange;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * The in-memory ranking of every board: one {@link RankIndex} per board, written only by the ingest
 * (one batch at a time) and read by the API. Each board's share of a batch is applied with
 * {@link RankIndex#applyBatch}, so a reader sees a board before or after a batch, never in between.
 */
@ApplicationScoped
public class LiveBoards {

    private final ConcurrentMap<String, RankIndex> indexes = new ConcurrentHashMap<>();

    /** The state the fold starts from. */
    public BatchFolder.Current current(String board, String entity) {
        RankIndex index = indexes.get(board);
        if (index == null) {
            return null;
        }
        return index.get(entity).map(e -> new BatchFolder.Current(e.score(), e.reachedAt())).orElse(null);
    }

    /** Applies one batch's changes; called by the ingest only, after Redis has taken them. */
    public void apply(List<ScoreChange> changes, Function<String, Order> orderOf) {
        Map<String, List<ScoreChange>> byBoard = new LinkedHashMap<>();
        for (ScoreChange change : changes) {
            byBoard.computeIfAbsent(change.board(), b -> new ArrayList<>()).add(change);
        }
        byBoard.forEach((board, boardChanges) -> {
            RankIndex index = indexes.computeIfAbsent(board, b -> new TreeMapBoardIndex(orderOf.apply(b)));
            index.applyBatch(writer -> {
                for (ScoreChange change : boardChanges) {
                    if (change.removed()) {
                        writer.remove(change.entity());
                    } else {
                        writer.upsert(change.entity(), change.score(), change.reachedAt());
                    }
                }
            });
        });
    }

    public Optional<EntryView> entry(Board board, String entity) {
        RankIndex index = indexes.get(board.id());
        if (index == null) {
            return Optional.empty();
        }
        return index.ranked(entity).map(r -> view(board, r, index.size()));
    }

    public long size(String board) {
        RankIndex index = indexes.get(board);
        return index == null ? 0 : index.size();
    }

    private static EntryView view(Board board, Ranked r, long total) {
        long size = Math.max(total, r.ordinalRank());
        long rank = switch (board.ties()) {
            case ORDINAL -> r.ordinalRank();
            case COMPETITION -> r.competitionRank();
            case DENSE -> r.denseRank();
        };
        return new EntryView(board.id(), r.entity(), r.score(), rank, r.ordinalRank(), size, r.percentile(size),
                Instant.ofEpochMilli(r.reachedAt()));
    }
}
