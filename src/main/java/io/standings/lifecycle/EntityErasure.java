package io.standings.lifecycle;

import io.standings.store.postgres.ErasureStore;

import io.smallrye.mutiny.Uni;
import io.standings.ingest.PartitionTracker;
import io.standings.state.Erasures;
import io.standings.lifecycle.LiveAdmin;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Erasure of an entity from every place it lives (privacy): memory and Redis between two batches, then in one
 * PostgreSQL transaction its checkpoint rows, quarantine marks and every ranking generation — current, kept
 * for paging, frozen and released — with a tombstone that keeps a Redis-loss replay from bringing it back
 * ({@link Erasures}). No reconciliation runs meanwhile, so no snapshot taken before the erasure is written
 * after it; one runs right after it, so that the checkpoint is past the erasure. Idempotent: an erasure that
 * failed half-way (PostgreSQL away) is completed by calling it again.
 */
@ApplicationScoped
public class EntityErasure {

    /** What an erasure found: whether the entity was anywhere, and the live board periods it was in. */
    public record Outcome(boolean changed, Set<String> periods) {
    }

    private final LiveAdmin admin;
    private final Reconciler reconciler;
    private final ErasureStore store;
    private final PartitionTracker tracker;

    public EntityErasure(LiveAdmin admin, Reconciler reconciler, ErasureStore store, PartitionTracker tracker) {
        this.admin = admin;
        this.reconciler = reconciler;
        this.store = store;
        this.tracker = tracker;
    }

    public Uni<Outcome> erase(String entity) {
        // The tombstone's position is the one read under the gate, with memory and Redis erased: events of the
        // entity applied after it are new ones, which a replay must apply again.
        AtomicReference<Map<String, Long>> position = new AtomicReference<>();
        return reconciler.exclusive(() -> admin.erase(entity, () -> {
            position.set(tracker.knownOffsets());
            return position.get();
        }).chain(live -> store.erase(entity, position.get())
                        .map(rows -> new Outcome(live.changed() || rows > 0, live.periods()))))
                // A checkpoint past the erasure, so that no Redis-loss replay starts before it: a replay across it
                // would judge the events before it without the entity, and the board periods' limits of entries
                // and periods could then take an event that was refused while the entity held its place.
                .call(() -> reconciler.reconcileNow());
    }
}
