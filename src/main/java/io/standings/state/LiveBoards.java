package io.standings.state;


import io.standings.core.board.Board;
import io.standings.core.index.Entry;
import io.standings.core.index.Order;
import io.standings.core.index.RankIndex;
import io.standings.core.index.Ranked;
import io.standings.core.index.BoardIndex;
import io.standings.state.ScoreChange;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The in-memory ranking of every board period ({@code board@period} → {@link RankIndex}), written only
 * by the ingest, one batch at a time, after Redis has taken the batch, and read by the API. Each board
 * period's share of a batch is applied with {@link RankIndex#applyBatch}, so a reader sees a board
 * period before or after a batch, never in between. A rebuild from Redis swaps the whole map at once.
 */
@ApplicationScoped
public class LiveBoards implements LiveState {

    /** Told which boards a batch changed, after the batch is visible to readers. */
    @FunctionalInterface
    public interface ChangeListener {
        /** Called on the ingest's thread: must only record the fact and return at once. */
        void boardsChanged(Set<String> boards);
    }

    private volatile ConcurrentHashMap<String, RankIndex> indexes = new ConcurrentHashMap<>();
    private final Quarantine quarantine;
    private final AtomicLong asOf = new AtomicLong();
    private final List<ChangeListener> listeners;

    public LiveBoards(Quarantine quarantine, Instance<ChangeListener> listeners) {
        this.quarantine = quarantine;
        this.listeners = listeners.stream().toList();
    }

    /**
     * The read token: the number of Kafka records whose effect the live state holds (the sum over
     * partitions of the last applied offset + 1). Read it before reading an index, so an answer reflects
     * at least that many records. It only grows, also across restarts.
     */
    public long asOf() {
        return asOf.get();
    }

    /** Called by the ingest after each batch with the records the live state now reflects. */
    public void advance(long appliedRecords) {
        asOf.accumulateAndGet(appliedRecords, Math::max);
    }

    // Reconciliation: the entities changed since the reconciler last drained them, per board
    // period, and an epoch that moves whenever the whole state is replaced (then everything is written again).
    private final Map<String, Set<String>> changed = new HashMap<>();
    private volatile long epoch;

    public static RankIndex newIndex(Order order) {
        return new BoardIndex(order);
    }

    public static RankIndex loadIndex(Order order, List<Entry> entries) {
        return BoardIndex.bulkLoad(order, entries);
    }

    /** Entries of the board period, ranked and held by the quarantine. */
    @Override
    public long entries(String board, String period) {
        String bp = BoardPeriods.boardPeriod(board, period);
        RankIndex index = indexes.get(bp);
        return (index == null ? 0 : index.size()) + quarantine.heldCount(bp);
    }

    /** Board periods of the board that hold at least one entry, ranked or held. */
    @Override
    public Set<String> livePeriods(String board) {
        Set<String> live = new HashSet<>();
        indexes.forEach((bp, index) -> {
            if (index.size() > 0 && BoardPeriods.isPeriodOf(bp, board)) {
                live.add(bp);
            }
        });
        quarantine.heldCounts().keySet().forEach(bp -> {
            if (BoardPeriods.isPeriodOf(bp, board)) {
                live.add(bp);
            }
        });
        return live;
    }

    /** The state the fold starts from. */
    @Override
    public EntityScore current(String board, String period, String entity) {
        String bp = BoardPeriods.boardPeriod(board, period);
        if (quarantine.isQuarantined(board, entity)) {
            Entry held = quarantine.held(bp, entity);
            return held == null ? null : new EntityScore(held.score(), held.reachedAt());
        }
        RankIndex index = indexes.get(bp);
        if (index == null) {
            return null;
        }
        return index.get(entity).map(e -> new EntityScore(e.score(), e.reachedAt())).orElse(null);
    }

    /** Applies one batch's changes; called by the ingest only, after Redis has taken them. */
    public void apply(List<ScoreChange> changes, Function<String, Order> orderOf) {
        Map<String, List<ScoreChange>> byPeriod = new LinkedHashMap<>();
        Set<String> changedBoards = new HashSet<>();
        for (ScoreChange change : changes) {
            changedBoards.add(change.board());
            if (quarantine.isQuarantined(change.board(), change.entity())) {
                String bp = BoardPeriods.boardPeriod(change.board(), change.period());
                if (change.removed()) {
                    quarantine.release(bp, change.entity());
                } else {
                    quarantine.hold(bp, new Entry(change.entity(), change.score(), change.reachedAt()));
                }
                continue;
            }
            byPeriod.computeIfAbsent(BoardPeriods.boardPeriod(change.board(), change.period()), b -> new ArrayList<>())
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
        notifyChanged(changedBoards);
    }

    /** Tells the listeners (SSE) which boards changed; also called by admin changes and rebuilds. */
    public void notifyChanged(Set<String> boards) {
        if (!boards.isEmpty()) {
            Set<String> changed = Set.copyOf(boards);
            for (ChangeListener listener : listeners) {
                listener.boardsChanged(changed);
            }
        }
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

    /** Lets go of one board period (a closed period past its retention), ranked and held entries alike. */
    public void releasePeriod(String boardPeriod) {
        indexes.remove(boardPeriod);
        quarantine.releasePeriod(boardPeriod);
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
        return Optional.ofNullable(indexes.get(BoardPeriods.boardPeriod(board, period)));
    }

    /** The index of the board's current period (the one that contains now). */
    public Optional<RankIndex> currentIndex(Board board) {
        return index(board.id(), board.periodOf(System.currentTimeMillis()));
    }

    /** Marks an entity of a board period as changed since the last reconciliation drained the changes. */
    private void recordChange(String boardPeriod, String entity) {
        synchronized (changed) {
            changed.computeIfAbsent(boardPeriod, b -> new HashSet<>()).add(entity);
        }
    }

    /** Drops every period of a board. */
    public void removeBoard(String board) {
        indexes.keySet().removeIf(bp -> BoardPeriods.isPeriodOf(bp, board));
        quarantine.removeBoard(board);
    }

    /** The entity's entry in every live period of the board ("board@period" → entry). */
    public Map<String, Entry> entriesOf(String board, String entity) {
        Map<String, Entry> found = new LinkedHashMap<>();
        indexes.forEach((bp, index) -> {
            if (BoardPeriods.isPeriodOf(bp, board)) {
                index.get(entity).ifPresent(e -> found.put(bp, e));
            }
        });
        return found;
    }

    /** Takes the entity out of the ranks of every period of the board and holds its entries. */
    public void quarantine(String board, String entity, Map<String, Entry> entries) {
        quarantine.add(board, entity);
        entries.forEach((bp, e) -> {
            RankIndex index = indexes.get(bp);
            if (index != null) {
                index.remove(entity);
            }
            quarantine.hold(bp, e);
            recordChange(bp, entity);
        });
    }

    /** Puts a quarantined entity's held entries back into the ranks. */
    public void restore(String board, String entity, Map<String, Entry> heldEntries, Order order) {
        heldEntries.forEach((bp, e) -> {
            quarantine.release(bp, entity);
            indexes.computeIfAbsent(bp, b -> newIndex(order)).upsert(e.entity(), e.score(), e.reachedAt());
            recordChange(bp, entity);
        });
        quarantine.remove(board, entity);
    }

    /** The held entries of a quarantined entity ("board@period" → entry). */
    public Map<String, Entry> heldEntriesOf(String board, String entity) {
        Map<String, Entry> found = new LinkedHashMap<>();
        for (String bp : quarantine.periodsHolding(entity)) {
            if (BoardPeriods.isPeriodOf(bp, board)) {
                found.put(bp, quarantine.held(bp, entity));
            }
        }
        return found;
    }

    /** Every board period where the entity is ranked ("board@period" → entry), across all boards. */
    public Map<String, Entry> rankedEverywhere(String entity) {
        Map<String, Entry> found = new LinkedHashMap<>();
        indexes.forEach((bp, index) -> index.get(entity).ifPresent(e -> found.put(bp, e)));
        return found;
    }

    /** Removes the entity from every board period, ranked or held. */
    public void erase(String entity, Map<String, Entry> ranked, List<String> heldPeriods) {
        ranked.keySet().forEach(bp -> {
            indexes.get(bp).remove(entity);
            recordChange(bp, entity);
        });
        heldPeriods.forEach(bp -> quarantine.release(bp, entity));
        quarantine.boardsOf(entity).forEach(board -> quarantine.remove(board, entity));
    }

    public Quarantine quarantineState() {
        return quarantine;
    }

    /** Whether any period of the board has entries. */
    public boolean hasEntries(String board) {
        return indexes.entrySet().stream().anyMatch(e -> BoardPeriods.isPeriodOf(e.getKey(), board) && e.getValue().size() > 0);
    }


    public long size(Board board) {
        return currentIndex(board).map(RankIndex::size).orElse(0L);
    }
}
