package io.standings.lifecycle;

import io.standings.ingest.PartitionTracker;

import io.standings.ingest.AdminChange;
import io.standings.ingest.AdminChangePublisher;
import io.standings.state.BoardPeriods;
import io.standings.state.Erasures;
import io.standings.state.LiveBoards;
import io.standings.state.SnapshotGate;
import io.standings.store.postgres.QuarantineMarks;
import io.standings.store.redis.RedisWrites;

import io.smallrye.mutiny.Uni;
import io.standings.core.board.Board;
import io.standings.state.BoardRegistry;
import io.standings.core.index.Entry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Admin changes to the live state — quarantine, restore, erasure — applied to PostgreSQL's durable record
 * (quarantine marks, erasure tombstones), then Redis, then memory, holding the same {@link SnapshotGate} as
 * each ingest batch, so they never interleave with a batch (nor with a reconciliation snapshot). A failed
 * call changes nothing that a retry would not complete.
 */
@ApplicationScoped
public class LiveAdmin {

    /** What an admin change did. */
    public record Outcome(boolean changed, Set<String> periods) {
    }

    /** A board definition change that would reinterpret the board's entries. */
    public static final class ConflictException extends IllegalStateException {
        ConflictException(String message) {
            super(message);
        }
    }

    private final SnapshotGate gate;
    private final LiveBoards live;
    private final RedisWrites redis;
    private final BoardRegistry boards;
    private final BoardCatalog catalog;
    private final Erasures erasures;
    private final QuarantineMarks marks;

    private final AdminChangePublisher control;

    private final PartitionTracker tracker;

    public LiveAdmin(SnapshotGate gate, LiveBoards live, RedisWrites redis, BoardRegistry boards, BoardCatalog catalog,
            Erasures erasures, QuarantineMarks marks, AdminChangePublisher control, PartitionTracker tracker) {
        this.tracker = tracker;
        this.control = control;
        this.erasures = erasures;
        this.marks = marks;
        this.gate = gate;
        this.live = live;
        this.redis = redis;
        this.boards = boards;
        this.catalog = catalog;
    }

    /**
     * Creates or updates a board. Order, period, time zone and decay cannot change while the board has
     * entries ({@link ConflictException}): they would change what the stored scores mean.
     */
    public Uni<Board> putBoard(Board board) {
        return gate.run(() -> {
            Board existing = boards.find(board.id()).orElse(null);
            if (existing != null && existing.changesDataMeaning(board) && live.hasEntries(board.id())) {
                return Uni.createFrom().failure(new ConflictException("Board '" + board.id()
                        + "' has entries: its order, period, time zone and decay cannot change; delete it first"));
            }
            return catalog.put(board).invoke(() -> live.notifyChanged(Set.of(board.id())));
        }).call(() -> control.publish(AdminChange.boardPut(board.id())));
    }

    /** Deletes a board with every period of it, in PostgreSQL, Redis and memory; false if it did not exist. */
    public Uni<Boolean> deleteBoard(String id) {
        return gate.run(() -> {
            if (boards.find(id).isEmpty()) {
                return Uni.createFrom().item(false);
            }
            return catalog.delete(id)
                    .chain(() -> redis.deleteBoard(id))
                    .invoke(() -> {
                        live.removeBoard(id);
                        tracker.slotOffsets().removedBoard(id);
                        live.notifyChanged(Set.of(id));
                    })
                    .replaceWith(true);
        }).call(deleted -> deleted ? control.publish(AdminChange.boardDeleted(id)) : Uni.createFrom().voidItem());
    }

    /** Hides the entity from every rank of the board, keeping its scores; events keep changing them. */
    public Uni<Outcome> quarantine(Board board, String entity) {
        return gate.run(() -> {
            if (live.quarantineState().isQuarantined(board.id(), entity)) {
                return Uni.createFrom().item(new Outcome(false, Set.of()));
            }
            Map<String, Entry> entries = live.entriesOf(board.id(), entity);
            return marks.mark(board.id(), entity)
                    .chain(() -> redis.setQuarantined(board.id(), entity, entries, board.order(), true)
                            .onFailure().call(() -> marks.unmark(board.id(), entity).onFailure().recoverWithNull()))
                    .invoke(() -> {
                        live.quarantine(board.id(), entity, entries);
                        live.notifyChanged(Set.of(board.id()));
                    })
                    .map(x -> new Outcome(true, new TreeSet<>(entries.keySet())));
        }).call(() -> control.publish(AdminChange.quarantine(board.id(), entity, true)));
    }

    /** Puts a quarantined entity back into the ranks with its current scores. */
    public Uni<Outcome> restore(Board board, String entity) {
        return gate.run(() -> {
            if (!live.quarantineState().isQuarantined(board.id(), entity)) {
                return Uni.createFrom().item(new Outcome(false, Set.of()));
            }
            Map<String, Entry> held = live.heldEntriesOf(board.id(), entity);
            return marks.unmark(board.id(), entity)
                    .chain(() -> redis.setQuarantined(board.id(), entity, held, board.order(), false)
                            .onFailure().call(() -> marks.mark(board.id(), entity).onFailure().recoverWithNull()))
                    .invoke(() -> {
                        live.restore(board.id(), entity, held, board.order());
                        live.notifyChanged(Set.of(board.id()));
                    })
                    .map(x -> new Outcome(true, new TreeSet<>(held.keySet())));
        }).call(() -> control.publish(AdminChange.quarantine(board.id(), entity, false)));
    }

    public boolean isQuarantined(String board, String entity) {
        return live.quarantineState().isQuarantined(board, entity);
    }

    /**
     * Removes the entity from every board, in memory and Redis, between two batches, and records its tombstone
     * at the position the live state has reached ({@code position}, read under the gate), so that no replay
     * brings it back. PostgreSQL is the caller's part ({@code reconcile.EntityErasure}).
     */
    public Uni<Outcome> erase(String entity, java.util.function.Supplier<Map<String, Long>> position) {
        java.util.concurrent.atomic.AtomicReference<Map<String, Long>> at = new java.util.concurrent.atomic.AtomicReference<>();
        return gate.<Outcome>run(() -> {
            at.set(position.get());
            erasures.put(entity, at.get());
            Map<String, Entry> ranked = live.rankedEverywhere(entity);
            List<String> heldPeriods = new ArrayList<>(live.quarantineState().periodsHolding(entity));
            Set<String> boards = new TreeSet<>();
            ranked.keySet().forEach(bp -> boards.add(BoardPeriods.boardOf(bp)));
            heldPeriods.forEach(bp -> boards.add(BoardPeriods.boardOf(bp)));
            boards.addAll(live.quarantineState().boardsOf(entity));
            if (boards.isEmpty()) {
                return Uni.createFrom().item(new Outcome(false, Set.of()));
            }
            Set<String> periods = new TreeSet<>(ranked.keySet());
            periods.addAll(heldPeriods);
            return redis.erase(entity, ranked, heldPeriods, new ArrayList<>(boards))
                    .invoke(() -> {
                        live.erase(entity, ranked, heldPeriods);
                        live.notifyChanged(boards);
                    })
                    .map(x -> new Outcome(true, periods));
        }).call(() -> control.publish(AdminChange.erased(entity, at.get())));
    }

    /**
     * Applies to memory an admin change another instance made (it changed PostgreSQL and Redis), holding the gate:
     * so every instance's memory takes it between two batches. A change already in memory changes nothing.
     */
    public Uni<Void> applyReplicated(AdminChange change) {
        return switch (change.kind()) {
            // PostgreSQL away: the periodic refresh (standings.boards.refresh-interval) brings the definition later.
            case BOARD_PUT -> catalog.reloadOne(change.board()).invoke(() -> live.notifyChanged(Set.of(change.board())))
                    .onFailure().invoke(e -> io.quarkus.logging.Log.warnf("Could not read board '%s' changed on another"
                            + " instance from PostgreSQL (%s); the next refresh reads it", change.board(), e.getMessage()))
                    .onFailure().recoverWithNull();
            case BOARD_DELETED -> gate.run(() -> {
                boards.remove(change.board());
                live.removeBoard(change.board());
                tracker.slotOffsets().removedBoard(change.board());
                live.notifyChanged(Set.of(change.board()));
                return Uni.createFrom().voidItem();
            });
            case QUARANTINED -> gate.run(() -> {
                if (!live.quarantineState().isQuarantined(change.board(), change.entity())) {
                    live.quarantine(change.board(), change.entity(), live.entriesOf(change.board(), change.entity()));
                    live.notifyChanged(Set.of(change.board()));
                }
                return Uni.createFrom().voidItem();
            });
            case RESTORED -> gate.run(() -> {
                Board board = boards.find(change.board()).orElse(null);
                if (board != null && live.quarantineState().isQuarantined(change.board(), change.entity())) {
                    live.restore(change.board(), change.entity(), live.heldEntriesOf(change.board(), change.entity()),
                            board.order());
                    live.notifyChanged(Set.of(change.board()));
                }
                return Uni.createFrom().voidItem();
            });
            case ERASED -> gate.run(() -> {
                erasures.put(change.entity(), change.position());
                Map<String, Entry> ranked = live.rankedEverywhere(change.entity());
                List<String> heldPeriods = new ArrayList<>(live.quarantineState().periodsHolding(change.entity()));
                Set<String> touched = new TreeSet<>(live.quarantineState().boardsOf(change.entity()));
                ranked.keySet().forEach(bp -> touched.add(BoardPeriods.boardOf(bp)));
                heldPeriods.forEach(bp -> touched.add(BoardPeriods.boardOf(bp)));
                live.erase(change.entity(), ranked, heldPeriods);
                live.notifyChanged(touched);
                return Uni.createFrom().voidItem();
            });
        };
    }
}
