package io.standings.lifecycle;

import io.standings.ingest.PartitionTracker;
import io.standings.state.BoardPeriods;
import io.standings.state.LiveBoards;
import io.standings.state.Quarantine;
import io.standings.store.redis.RedisReads;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.standings.core.board.Board;
import io.standings.state.BoardRegistry;
import io.standings.core.index.Entry;
import io.standings.core.index.Order;
import io.standings.core.index.RankIndex;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rebuilds the in-memory indexes from Redis: at start-up (before the service reports ready) and when
 * this instance is assigned partitions that another consumer wrote since. The offsets (the partitions' floor and
 * what each board period holds) are read BEFORE the sorted sets, so the indexes are at least as new as the offsets
 * returned with them.
 */
@ApplicationScoped
public class MemoryRebuild {

    private final RedisReads redis;
    private final BoardRegistry boards;
    private final LiveBoards live;
    private final Quarantine quarantine;
    private final BoardCatalog catalog;
    private final PartitionTracker tracker;

    public MemoryRebuild(RedisReads redis, BoardRegistry boards, LiveBoards live, Quarantine quarantine,
            BoardCatalog catalog, PartitionTracker tracker) {
        this.catalog = catalog;
        this.tracker = tracker;
        this.redis = redis;
        this.boards = boards;
        this.live = live;
        this.quarantine = quarantine;
    }

    /**
     * The entries an index can hold. The ingest never writes a non-finite score; one found in Redis (written by
     * another program, or an older version) is left out loudly, so that it can never keep the service from
     * starting.
     */
    private static List<Entry> loadable(String boardPeriod, List<Entry> entries) {
        List<Entry> bad = entries.stream().filter(e -> !Double.isFinite(e.score())).toList();
        if (bad.isEmpty()) {
            return entries;
        }
        Log.errorf("Redis %s holds %d entries with a non-finite score (e.g. '%s'): left out of memory; the next"
                + " reconciliation audit rewrites Redis from memory", boardPeriod, bad.size(), bad.get(0).entity());
        return entries.stream().filter(e -> Double.isFinite(e.score())).toList();
    }

    /** Rebuilds every index and returns the partition offsets ("topic/partition" → last applied) it reflects. */
    public Uni<Map<String, Long>> rebuild() {
        long started = System.nanoTime();
        return redis.storedOffsets(live.indexes().keySet()).invoke(stored -> tracker.slotsRead(stored.byPeriod()))
                .map(RedisReads.StoredOffsets::floor)
                .chain(offsets -> redis.quarantined().chain(quarantined -> redis.periods()
                .call(this::lookUpUnknownBoards).chain(periods -> {
            Map<String, RankIndex> rebuilt = new ConcurrentHashMap<>();
            Map<String, Map<String, Entry>> held = new ConcurrentHashMap<>();
            return Multi.createFrom().iterable(periods)
                    .onItem().transformToUniAndConcatenate(bp -> {
                        Optional<Board> board = boards.find(BoardPeriods.boardOf(bp));
                        if (board.isEmpty()) {
                            Log.warnf("Redis holds '%s' but its board is not defined; not loaded", bp);
                            return Uni.createFrom().voidItem();
                        }
                        Order order = board.get().order();
                        return redis.readPeriod(bp, order)
                                .invoke(entries -> rebuilt.put(bp, LiveBoards.loadIndex(order, loadable(bp, entries))))
                                .chain(() -> redis.readHeld(bp, order))
                                .invoke(entries -> {
                                    if (!entries.isEmpty()) {
                                        held.put(bp, entries);
                                    }
                                })
                                .replaceWithVoid();
                    })
                    .collect().last()
                    // Other instances kept writing their partitions while the sets were read: memory may hold their
                    // states up to these offsets, while it reports the ones read first (until the changelog catches up).
                    .chain(() -> redis.offsets())
                    .invoke(tracker::rebuildReadUpTo)
                    .invoke(() -> {
                        quarantine.replaceAll(new HashSet<>(quarantined), held);
                        live.replaceAll(rebuilt);
                        long entries = rebuilt.values().stream().mapToLong(RankIndex::size).sum();
                        Log.infof("Rebuilt %d board periods (%d entries) from Redis in %d ms", rebuilt.size(), entries,
                                (System.nanoTime() - started) / 1_000_000);
                    })
                    .replaceWith(new HashMap<>(offsets));
        })));
    }

    /**
     * Boards Redis holds periods of that the registry does not know (created on another instance since the last
     * refresh) are looked up in PostgreSQL first: a board left out here would be written later from an empty
     * memory, leaving its old Redis members behind. A PostgreSQL failure fails the rebuild (its caller retries).
     */
    private Uni<Void> lookUpUnknownBoards(Collection<String> periods) {
        Set<String> ids = new HashSet<>();
        periods.forEach(bp -> ids.add(BoardPeriods.boardOf(bp)));
        return catalog.learn(ids);
    }
}
