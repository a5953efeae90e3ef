package io.standings.live;

import io.standings.api.EntryView;
import io.standings.board.Board;
import io.standings.index.Entry;
import io.standings.index.Order;
import io.standings.index.RankIndex;
import io.standings.index.Ranked;
import io.standings.index.TreeMapBoardIndex;
import io.standings.ingest.BatchFolder;
import io.standings.ingest.ScoreChange;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The in-memory ranking of every board period ({@code board@period} → {@link RankIndex}), written only
 * by the ingest, one batch at a time, after Redis has taken the batch, and read by the API. Each board
 * period's share of a batch is applied with {@link RankIndex#applyBatch}, so a reader sees a board
 * period before or after a batch, never in between. A rebuild from Redis swaps the whole map at once.
 */
@ApplicationScoped
public class LiveBoards {

    private volatile ConcurrentHashMap<String, RankIndex> indexes = new ConcurrentHashMap<>();

    // Reconciliation (issue 6): the entities changed since the reconciler last drained them, per board
    // period, and an epoch that moves whenever the whole state is replaced (then everything is written again).
    private final Map<String, Set<String>> changed = new HashMap<>();
    private volatile long epoch;

    public static RankIndex newIndex(Order order) {
        return new TreeMapBoardIndex(order);
    }

    public static RankIndex loadIndex(Order order, List<Entry> entries) {
        return TreeMapBoardIndex.bulkLoad(order, entries);
    }

    /** The state the fold starts from. */
    public BatchFolder.Current current(String board, String period, String entity) {
        RankIndex index = indexes.get(RedisKeys.boardPeriod(board, period));
        if (index == null) {
            return null;
        }
        return index.get(entity).map(e -> new BatchFolder.Current(e.score(), e.reachedAt())).orElse(null);
    }

    /** Applies one batch's changes; called by the ingest only, after Redis has taken them. */
    public void apply(List<ScoreChange> changes, Function<String, Order> orderOf) {
        Map<String, List<ScoreChange>> byPeriod = new LinkedHashMap<>();
        for (ScoreChange change : changes) {
            byPeriod.computeIfAbsent(RedisKeys.boardPeriod(change.board(), change.period()), b -> new ArrayList<>())
                    .add(change);
        }
        byPeriod.forEach((bp, periodChanges) -> {
            RankIndex index = indexes.computeIfAbsent(bp, b -> newIndex(orderOf.apply(periodChanges.get(0).board())));
            index.applyBatch(writer -> {
                for (ScoreChange change : periodChanges) {
                    if (change.removed()) {
                        writer.remove(change.entity());
                    } else {
                        writer.upsert(change.entity(), change.score(), change.reachedAt());
                    }
                }
            });
            synchronized (changed) {
                Set<String> entities = changed.computeIfAbsent(bp, b -> new HashSet<>());
                for (ScoreChange change : periodChanges) {
                    entities.add(change.entity());
                }
            }
        });
    }

    /** The entities changed per board period since the last call (reconciliation), and forgets them. */
    public Map<String, Set<String>> drainChanged() {
        synchronized (changed) {
            Map<String, Set<String>> drained = new HashMap<>(changed);
            changed.clear();
            return drained;
        }
    }

    /** Grows whenever {@link #replaceAll} swaps the whole state: what was drained before no longer adds up. */
    public long epoch() {
        return epoch;
    }

    /** Every live "board@period" with its index (a copy of the map; the indexes are live). */
    public Map<String, RankIndex> indexes() {
        return new LinkedHashMap<>(indexes);
    }

    /** Lets go of one board period (a closed period past its retention). */
    public void releasePeriod(String boardPeriod) {
        indexes.remove(boardPeriod);
        synchronized (changed) {
            changed.remove(boardPeriod);
        }
    }

    /** Replaces every index at once (after a rebuild from Redis). */
    public void replaceAll(Map<String, RankIndex> rebuilt) {
        indexes = new ConcurrentHashMap<>(rebuilt);
        synchronized (changed) {
            changed.clear();
            epoch++;
        }
    }

    public Optional<RankIndex> index(String board, String period) {
        return Optional.ofNullable(indexes.get(RedisKeys.boardPeriod(board, period)));
    }

    /** The index of the board's current period (the one that contains now). */
    public Optional<RankIndex> currentIndex(Board board) {
        return index(board.id(), board.periodOf(System.currentTimeMillis()));
    }

    /** Drops every period of a board. */
    public void removeBoard(String board) {
        indexes.keySet().removeIf(bp -> bp.startsWith(board + "@"));
    }

    /** Whether any period of the board has entries. */
    public boolean hasEntries(String board) {
        return indexes.entrySet().stream().anyMatch(e -> e.getKey().startsWith(board + "@") && e.getValue().size() > 0);
    }

    /** Every live "board@period" with its entry count. */
    public Map<String, Long> sizes() {
        Map<String, Long> sizes = new LinkedHashMap<>();
        indexes.forEach((bp, index) -> sizes.put(bp, index.size()));
        return sizes;
    }

    public Optional<EntryView> entry(Board board, String entity) {
        return currentIndex(board).flatMap(index -> index.ranked(entity).map(r -> view(board, r, index.size())));
    }

    public long size(Board board) {
        return currentIndex(board).map(RankIndex::size).orElse(0L);
    }

    private static EntryView view(Board board, Ranked r, long total) {
        long size = Math.max(total, r.ordinalRank());
        long rank = switch (board.ties()) {
            case ORDINAL -> r.ordinalRank();
            case COMPETITION -> r.competitionRank();
            case DENSE -> r.denseRank();
        };
        return new EntryView(board.id(), r.entity(), board.displayScore(r.score(), System.currentTimeMillis()), rank,
                r.ordinalRank(), size, r.percentile(size), Instant.ofEpochMilli(r.reachedAt()));
    }
}
