package io.standings.lifecycle;

import io.standings.state.BoardPeriods;
import io.standings.store.postgres.CheckpointReader;
import io.standings.store.postgres.ErasureStore;
import io.standings.state.QuarantineState;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.standings.core.board.Board;
import io.standings.state.BoardRegistry;
import io.standings.core.index.Entry;
import io.standings.core.index.RankIndex;
import io.standings.ingest.PartitionTracker;
import io.standings.state.Erasures;
import io.standings.state.LiveBoards;
import io.standings.state.Quarantine;
import io.standings.store.redis.RedisReads;
import io.standings.store.redis.RedisWrites;
import io.standings.state.SnapshotGate;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import io.smallrye.health.api.HealthGroup;

/**
 * Invariant 3: no data loss when Redis loses everything. Redis holds a marker key while it holds the
 * state it was given; when the marker is gone (a restart without persistence, FLUSHALL), Standings
 * restores Redis from the PostgreSQL checkpoint (entity_score + ingest_checkpoint, one consistent read),
 * resets memory to the same checkpoint, makes the ingest continue from the checkpoint offsets + 1 and
 * replays Kafka from there ({@link PartitionTracker#resetTo}). The whole recovery runs while holding the {@link SnapshotGate}, i.e. between
 * two ingest batches; the ingest health group is DOWN meanwhile (reads keep being served from memory).
 *
 * <p>Checked before every ingest batch (inside the gate), when a batch is fenced, and every
 * {@code standings.recovery.check-interval} so that an idle stream notices too. docs/reconciliation.md.
 */
@ApplicationScoped
@HealthGroup("ingest")
@Default
public class RedisRecovery implements HealthCheck {

    private final RedisReads redisReads;
    private final RedisWrites redis;
    private final CheckpointReader checkpoints;
    private final ErasureStore erasureStore;
    private final LiveBoards live;
    private final Quarantine quarantine;
    private final PartitionTracker tracker;
    private final BoardRegistry boards;
    private final SnapshotGate gate;
    private final Erasures erasures;
    private final BoardCatalog catalog;
    private volatile boolean armed;
    private volatile boolean recovering;
    private final AtomicLong recoveries = new AtomicLong();

    public RedisRecovery(RedisReads redisReads, RedisWrites redis, CheckpointReader checkpoints, ErasureStore erasureStore,
            LiveBoards live, Quarantine quarantine, PartitionTracker tracker, BoardRegistry boards, SnapshotGate gate,
            Erasures erasures, BoardCatalog catalog) {
        this.catalog = catalog;
        this.erasures = erasures;
        this.redisReads = redisReads;
        this.erasureStore = erasureStore;
        this.redis = redis;
        this.quarantine = quarantine;
        this.checkpoints = checkpoints;
        this.live = live;
        this.tracker = tracker;
        this.boards = boards;
        this.gate = gate;
    }

    /**
     * At start-up, before memory is rebuilt from Redis. A Redis without the marker is not trusted: it may have
     * lost everything while Standings was down, or hold half of a restore that was killed (scores without the
     * offsets they reflect). With a PostgreSQL checkpoint it is restored from it, whatever it holds. Without one,
     * state it holds was written by ingest batches, each with its offsets, and is kept.
     */
    public Uni<Void> restoreIfEmpty() {
        return redisReads.evictionPolicy().invoke(policy -> {
            if (policy != null && policy.startsWith("allkeys-")) {
                Log.errorf("Redis runs with maxmemory-policy %s: it may evict Standings' keys (which have no expiry)."
                        + " Standings then restores from PostgreSQL and replays Kafka, but set noeviction (or a volatile-*"
                        + " policy) and give Redis the memory it needs.", policy);
            }
        }).chain(() -> redisReads.markerExists()).chain(marker -> {
            if (marker) {
                return Uni.createFrom().voidItem();
            }
            return checkpoints.readCheckpoint().map(this::asRestorable).chain(cp -> {
                if (!cp.offsets().isEmpty() || !cp.periods().isEmpty()) {
                    return restoreRedis(cp).invoke(() -> Log.warnf(
                            "Redis had no marker at start-up: restored %d board periods from the PostgreSQL checkpoint",
                            cp.periods().size()));
                }
                return redis.setMarker(); // a fresh start, or batches' state with its offsets
            });
        }).invoke(() -> armed = true);
    }

    /** Loads the erasure tombstones (start-up, before anything is restored or replayed). */
    public Uni<Void> loadErasures() {
        return erasureStore.erasures().invoke(erasures::replaceAll).replaceWithVoid();
    }

    /** Runs a recovery if Redis lost its state; the caller holds the gate. True if it recovered. */
    public Uni<Boolean> recoverIfLost() {
        if (!armed) {
            return Uni.createFrom().item(false);
        }
        return redisReads.markerExists().chain(marker -> marker ? Uni.createFrom().item(false)
                : recover().replaceWith(true));
    }

    /**
     * Runs a recovery although the marker is there: Redis lost part of its state (the offsets a batch continues
     * from are gone or went back, as when an eviction policy dropped keys). The caller holds the gate.
     */
    public Uni<Void> recoverNow(String why) {
        Log.errorf("Redis lost part of its state (%s): restoring it from the PostgreSQL checkpoint. Redis must run"
                + " with maxmemory-policy noeviction (or a volatile-* policy): Standings' keys have no expiry.", why);
        return recover();
    }

    @Scheduled(every = "${standings.recovery.check-interval}", delayed = "${standings.recovery.check-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> check() {
        if (!armed) {
            return Uni.createFrom().voidItem();
        }
        return redisReads.markerExists().chain(marker -> {
            if (marker) {
                return Uni.createFrom().voidItem();
            }
            recovering = true; // readiness DOWN at once, even while waiting for the batch in flight
            return gate.run(this::recoverIfLost).replaceWithVoid();
        }).onFailure().invoke(e -> Log.debugf("Redis check failed: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Checks the marker now (the reconciler saw it missing). */
    public Uni<Void> requestCheck() {
        return check();
    }

    private Uni<Void> recover() {
        recovering = true;
        long started = System.nanoTime();
        Log.warnf("Redis lost its state (marker %s is gone): restoring from the PostgreSQL checkpoint",
                redisReads.keys().marker());
        return checkpoints.readCheckpoint().map(this::asRestorable)
                .onFailure().invoke(e -> Log.warnf("Cannot read the checkpoint yet, retrying: %s", e.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5)).indefinitely()
                .chain(cp -> restoreRedis(cp).replaceWith(cp))
                .chain(cp -> {
                    resetMemory(cp);
                    Map<String, Map<String, Long>> slots = new HashMap<>();
                    restoredPeriods(cp).forEach(bp -> slots.put(bp, cp.offsets()));
                    tracker.slotOffsets().replaceAll(slots);
                    return tracker.resetTo(cp.offsets());
                })
                .invoke(() -> {
                    recoveries.incrementAndGet();
                    recovering = false;
                    Log.warnf("Recovered from the Redis loss in %d ms; replaying Kafka from the checkpoint offsets",
                            (System.nanoTime() - started) / 1_000_000);
                })
                .onFailure().invoke(e -> Log.errorf(e, "Recovery from the Redis loss failed; will retry"));
    }

    /**
     * The checkpoint as it must be restored now: without the entities erased since it was written (the erasure
     * deletes their rows too, but one whose PostgreSQL part has not committed yet must hold as well), and every
     * entry placed by the quarantine marks as they are now (a quarantine or restore since the checkpoint moves
     * an entity between ranked and held; its events after the checkpoint are replayed onto that placement).
     */
    private CheckpointReader.Checkpoint asRestorable(CheckpointReader.Checkpoint cp) {
        java.util.Set<String> marks = new java.util.HashSet<>();
        cp.quarantine().quarantined().forEach(mark -> {
            if (!erasures.isErased(mark.substring(mark.indexOf('/') + 1))) {
                marks.add(mark);
            }
        });
        Map<String, List<Entry>> ranked = new java.util.LinkedHashMap<>();
        Map<String, Map<String, Entry>> held = new HashMap<>();
        java.util.function.BiConsumer<String, Entry> place = (bp, e) -> {
            if (erasures.isErased(e.entity())) {
                return;
            }
            if (marks.contains(Quarantine.member(BoardPeriods.boardOf(bp), e.entity()))) {
                held.computeIfAbsent(bp, k -> new HashMap<>()).put(e.entity(), e);
            } else {
                ranked.computeIfAbsent(bp, k -> new ArrayList<>()).add(e);
            }
        };
        cp.periods().forEach((bp, rows) -> {
            ranked.computeIfAbsent(bp, k -> new ArrayList<>());
            rows.forEach(e -> place.accept(bp, e));
        });
        cp.quarantine().held().forEach((bp, entries) -> entries.values().forEach(e -> place.accept(bp, e)));
        return new CheckpointReader.Checkpoint(cp.offsets(), ranked, new QuarantineState(marks, held));
    }

    /** Wipes the prefix, then writes every board period, the offsets and last the marker. */
    private Uni<Void> restoreRedis(CheckpointReader.Checkpoint cp) {
        java.util.Set<String> checkpointBoards = new java.util.HashSet<>();
        cp.periods().keySet().forEach(bp -> checkpointBoards.add(BoardPeriods.boardOf(bp)));
        cp.quarantine().held().keySet().forEach(bp -> checkpointBoards.add(BoardPeriods.boardOf(bp)));
        // Boards created on another instance since the last refresh: known before the wipe, or their
        // checkpointed scores would be left out of Redis and memory.
        return catalog.learn(checkpointBoards).chain(redis::wipe)
                .chain(() -> Multi.createFrom().iterable(cp.periods().entrySet()).onItem().transformToUniAndConcatenate(e -> {
                    Board board = boards.find(BoardPeriods.boardOf(e.getKey())).orElse(null);
                    if (board == null) {
                        return Uni.createFrom().voidItem();
                    }
                    return redis.writePeriod(e.getKey(), board.order(), e.getValue());
                }).collect().last())
                .chain(() -> redis.writeQuarantine(cp.quarantine().quarantined(), cp.quarantine().held(),
                        bp -> boards.find(BoardPeriods.boardOf(bp)).map(Board::order).orElse(null)))
                .chain(() -> redis.writeOffsets(cp.offsets(), restoredPeriods(cp)))
                .chain(redis::setMarker);
    }

    /** The board periods a restore writes: each holds every partition at the checkpoint's offsets. */
    private static java.util.Set<String> restoredPeriods(CheckpointReader.Checkpoint cp) {
        java.util.Set<String> periods = new java.util.LinkedHashSet<>(cp.periods().keySet());
        periods.addAll(cp.quarantine().held().keySet());
        return periods;
    }

    private void resetMemory(CheckpointReader.Checkpoint cp) {
        Map<String, RankIndex> indexes = new HashMap<>();
        cp.periods().forEach((bp, rows) -> {
            Board board = boards.find(BoardPeriods.boardOf(bp)).orElse(null);
            if (board == null) {
                return;
            }
            indexes.put(bp, LiveBoards.loadIndex(board.order(), rows));
        });
        live.replaceAll(indexes);
        // The quarantine goes back to the checkpoint too: held scores replayed from Kafka otherwise count twice.
        quarantine.replaceAll(cp.quarantine().quarantined(), cp.quarantine().held());
    }

    public long recoveries() {
        return recoveries.get();
    }

    public boolean recovering() {
        return recovering;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("Standings Redis state").status(!recovering)
                .withData("state", recovering ? "restoring from the PostgreSQL checkpoint" : "intact")
                .withData("recoveries", recoveries.get()).build();
    }
}
