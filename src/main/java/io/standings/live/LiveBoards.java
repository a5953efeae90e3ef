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
import jakarta.enterprise.inject.Instance;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The in-memory ranking of every board: one {@link RankIndex} per board, written only by the ingest
 * (one batch at a time) and read by the API. Each board's share of a batch is applied with
 * {@link RankIndex#applyBatch}, so a reader sees a board before or after a batch, never in between.
 */
@ApplicationScoped
public class LiveBoards {

    /** Told which boards a batch changed, after the batch is visible to readers. */
    @FunctionalInterface
    public interface ChangeListener {
        /** Called on the ingest's thread: must only record the fact and return at once. */
        void boardsChanged(Set<String> boards);
    }

    private final ConcurrentMap<String, RankIndex> indexes = new ConcurrentHashMap<>();
    private final AtomicLong asOf = new AtomicLong();
    private final List<ChangeListener> listeners;

    public LiveBoards(Instance<ChangeListener> listeners) {
        this.listeners = listeners.stream().toList();
    }

    /**
     * The read token: the number of Kafka records whose effect this instance has applied since it
     * started. Read it before reading an index, so an answer reflects at least that many records.
     */
    public long asOf() {
        return asOf.get();
    }

    /** Called by the ingest right after {@link #apply}, with the number of records of the applied batch. */
    public void advance(long appliedRecords) {
        asOf.addAndGet(appliedRecords);
    }

    /** The board's index, for reading; empty until the board's first entry arrives. */
    public Optional<RankIndex> index(String board) {
        return Optional.ofNullable(indexes.get(board));
    }

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
        if (!byBoard.isEmpty()) {
            Set<String> changed = Set.copyOf(byBoard.keySet());
            for (ChangeListener listener : listeners) {
                listener.boardsChanged(changed);
            }
        }
    }

    public Optional<EntryView> entry(Board board, String entity) {
        RankIndex index = indexes.get(board.id());
        if (index == null) {
            return Optional.empty();
        }
        long token = asOf();
        return index.ranked(entity).map(r -> view(board, r, index.size(), token));
    }

    public long size(String board) {
        RankIndex index = indexes.get(board);
        return index == null ? 0 : index.size();
    }

    private static EntryView view(Board board, Ranked r, long total, long token) {
        long size = Math.max(total, r.ordinalRank());
        return new EntryView(board.id(), r.entity(), r.score(), board.rankOf(r), r.ordinalRank(), size,
                r.percentile(size), Instant.ofEpochMilli(r.reachedAt()), token);
    }
}
