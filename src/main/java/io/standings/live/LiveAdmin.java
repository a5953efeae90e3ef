package io.standings.live;

import io.smallrye.mutiny.Uni;
import io.standings.board.Board;
import io.standings.index.Entry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Admin changes to the live state — quarantine, restore, erasure — applied to Redis and then to memory,
 * in the same {@link WriteLane} as the ingest, so they never interleave with a batch.
 */
@ApplicationScoped
public class LiveAdmin {

    /** What an admin change did. */
    public record Outcome(boolean changed, Set<String> periods) {
    }

    private final WriteLane lane;
    private final LiveBoards live;
    private final RedisScoreStore redis;

    public LiveAdmin(WriteLane lane, LiveBoards live, RedisScoreStore redis) {
        this.lane = lane;
        this.live = live;
        this.redis = redis;
    }

    /** Hides the entity from every rank of the board, keeping its scores; events keep changing them. */
    public Uni<Outcome> quarantine(Board board, String entity) {
        return lane.submit(() -> {
            if (live.quarantineState().isQuarantined(board.id(), entity)) {
                return Uni.createFrom().item(new Outcome(false, Set.of()));
            }
            Map<String, Entry> entries = live.entriesOf(board.id(), entity);
            return redis.setQuarantined(board.id(), entity, entries, board.order(), true)
                    .invoke(() -> live.quarantine(board.id(), entity, entries))
                    .map(x -> new Outcome(true, new TreeSet<>(entries.keySet())));
        });
    }

    /** Puts a quarantined entity back into the ranks with its current scores. */
    public Uni<Outcome> restore(Board board, String entity) {
        return lane.submit(() -> {
            if (!live.quarantineState().isQuarantined(board.id(), entity)) {
                return Uni.createFrom().item(new Outcome(false, Set.of()));
            }
            Map<String, Entry> held = live.heldEntriesOf(board.id(), entity);
            return redis.setQuarantined(board.id(), entity, held, board.order(), false)
                    .invoke(() -> live.restore(board.id(), entity, held, board.order()))
                    .map(x -> new Outcome(true, new TreeSet<>(held.keySet())));
        });
    }

    public boolean isQuarantined(String board, String entity) {
        return live.quarantineState().isQuarantined(board, entity);
    }

    /** Removes the entity from every board, in memory and Redis (PostgreSQL follows at the next reconciliation). */
    public Uni<Outcome> erase(String entity) {
        return lane.submit(() -> {
            Map<String, Entry> ranked = live.rankedEverywhere(entity);
            List<String> heldPeriods = new ArrayList<>(live.quarantineState().periodsHolding(entity));
            Set<String> boards = new TreeSet<>();
            ranked.keySet().forEach(bp -> boards.add(bp.substring(0, bp.indexOf('@'))));
            heldPeriods.forEach(bp -> boards.add(bp.substring(0, bp.indexOf('@'))));
            boards.addAll(live.quarantineState().boardsOf(entity));
            if (boards.isEmpty()) {
                return Uni.createFrom().item(new Outcome(false, Set.of()));
            }
            Set<String> periods = new TreeSet<>(ranked.keySet());
            periods.addAll(heldPeriods);
            return redis.erase(entity, ranked, heldPeriods, new ArrayList<>(boards))
                    .invoke(() -> live.erase(entity, ranked, heldPeriods))
                    .map(x -> new Outcome(true, periods));
        });
    }
}
