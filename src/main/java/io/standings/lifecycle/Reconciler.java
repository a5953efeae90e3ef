package io.standings.lifecycle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.standings.core.board.Board;
import io.standings.core.board.PeriodRules;
import io.standings.core.index.RankIndex;
import io.standings.ingest.PartitionTracker;
import io.standings.state.AsyncMutex;
import io.standings.state.BoardRegistry;
import io.standings.state.Erasures;
import io.standings.state.LiveBoards;
import io.standings.state.PeriodSnapshot;
import io.standings.state.Quarantine;
import io.standings.state.QuarantineState;
import io.standings.state.SnapshotGate;
import io.standings.store.postgres.CheckpointWriter;
import io.standings.store.postgres.DriftQueries;
import io.standings.store.postgres.PeriodPlan;
import io.standings.store.postgres.PeriodRanking;
import io.standings.store.postgres.PeriodResult;
import io.standings.store.postgres.ReconcileLock;
import io.standings.store.redis.RedisReads;
import io.standings.store.redis.RedisWrites;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reconciliation, every {@code standings.reconcile.interval}, on one instance at a time (the holder of the
 * {@link ReconcileLock}), without blocking the event loop:
 *
 * <ol>
 *   <li>snapshot: between two ingest batches (holding the {@link SnapshotGate}) copy every board period out of
 *       memory into arrays, the entities changed since the last run and the partition offsets the copy
 *       reflects; read Redis's counts and sample members in the same window (for the audit);</li>
 *   <li>plan ({@link ReconcilePlanner}) and write ({@link CheckpointWriter}) in one transaction: the changed
 *       entity_score rows, the checkpoint offsets, a new ranking generation of every changed board period,
 *       frozen rankings of periods whose grace is over;</li>
 *   <li>drop generations older than the previous one; release closed periods past their retention;</li>
 *   <li>audit memory vs Redis vs PostgreSQL and repair drift from memory ({@link DriftAudit}).</li>
 * </ol>
 *
 * When PostgreSQL is away the run fails, the changes stay pending, and runs are retried with back-off. A run
 * of d is followed by at least {@code standings.reconcile.pause-factor} × d without one (the duty-cycle bound).
 */
@ApplicationScoped
public class Reconciler {

    private final LiveBoards live;
    private final Quarantine quarantine;
    private final PartitionTracker tracker;
    private final BoardRegistry boards;
    private final SnapshotGate gate;
    private final ReconcileLock lock;
    private final CheckpointWriter writer;
    private final DriftQueries queries;
    private final RedisReads redisReads;
    private final RedisWrites redisWrites;
    private final DriftAudit audit;
    private final IngestStartup startup;
    private final PeriodRules periodRules;
    private final Erasures erasures;
    private final boolean enabled;
    private final Duration snapshotTimeout;
    private final Duration maxBackoff;
    private final double pauseFactor;
    /** Held by a run, or by work that must not interleave with one (an erasure). */
    private final AsyncMutex runs = new AsyncMutex();

    private final Timer duration;
    private final Timer snapshotTime;
    private final Counter rows;

    // Guarded by holding `runs`.
    private long syncedEpoch = -1;
    private final Map<String, Set<String>> pending = new HashMap<>();

    private volatile int consecutiveFailures;
    private volatile long nextAttemptAt;
    private volatile Instant lastSuccess;
    private volatile String lastFailure;

    /** What one run did. */
    public record RunReport(boolean leader, int boardPeriods, long entries, long rowsWritten, int rewritten,
            int driftFound, int driftRepaired, long snapshotMs, long writeMs, long durationMs,
            Map<String, Long> offsets) {
        static RunReport notLeader() {
            return new RunReport(false, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of());
        }
    }

    public Reconciler(LiveBoards live, PartitionTracker tracker, BoardRegistry boards, SnapshotGate gate,
            ReconcileLock lock, CheckpointWriter writer, DriftQueries queries, RedisReads redisReads,
            RedisWrites redisWrites, DriftAudit audit, Quarantine quarantine, IngestStartup startup,
            PeriodRules periodRules, Erasures erasures, MeterRegistry registry,
            @ConfigProperty(name = "standings.reconcile.enabled") boolean enabled,
            @ConfigProperty(name = "standings.reconcile.snapshot-timeout") Duration snapshotTimeout,
            @ConfigProperty(name = "standings.reconcile.max-backoff") Duration maxBackoff,
            @ConfigProperty(name = "standings.reconcile.pause-factor", defaultValue = "2") double pauseFactor) {
        this.live = live;
        this.tracker = tracker;
        this.boards = boards;
        this.gate = gate;
        this.lock = lock;
        this.writer = writer;
        this.queries = queries;
        this.redisReads = redisReads;
        this.redisWrites = redisWrites;
        this.audit = audit;
        this.quarantine = quarantine;
        this.startup = startup;
        this.periodRules = periodRules;
        this.erasures = erasures;
        this.enabled = enabled;
        this.snapshotTimeout = snapshotTimeout;
        this.maxBackoff = maxBackoff;
        this.pauseFactor = Math.max(0, pauseFactor);
        this.duration = Timer.builder("standings.reconcile.duration").description("Time of one reconcile run")
                .register(registry);
        this.snapshotTime = Timer.builder("standings.reconcile.snapshot")
                .description("Time the ingest was held for the reconcile snapshot").register(registry);
        this.rows = Counter.builder("standings.reconcile.rows").description("entity_score rows written or deleted")
                .register(registry);
        registry.gauge("standings.reconcile.lag.seconds", this,
                r -> r.lastSuccess == null ? -1 : Duration.between(r.lastSuccess, Instant.now()).toMillis() / 1000.0);
    }

    @Scheduled(every = "${standings.reconcile.interval}", delayed = "${standings.reconcile.interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        if (!enabled || System.currentTimeMillis() < nextAttemptAt) {
            return Uni.createFrom().voidItem();
        }
        return reconcileNow().replaceWithVoid().onFailure().recoverWithNull();
    }

    /** Runs one reconciliation now (after the one in progress, if any). */
    public Uni<RunReport> reconcileNow() {
        if (!startup.isReady()) {
            // Before the start-up rebuild, memory and the tracker's offsets are not one state yet.
            return Uni.createFrom().item(RunReport.notLeader());
        }
        long started = System.currentTimeMillis();
        return runs.run(() -> lock.held().chain(leader -> leader && settled() ? run() : Uni.createFrom().item(RunReport.notLeader())))
                .invoke(report -> {
                    consecutiveFailures = 0;
                    // A run of d ms (a full ranking rewrite of a big board takes seconds of PostgreSQL CPU, on
                    // the cores the ingest needs too) is followed by at least pauseFactor × d ms without one:
                    // reconciliation takes at most 1 / (1 + pauseFactor) of the time, whatever the interval.
                    long now = System.currentTimeMillis();
                    nextAttemptAt = now + (long) (pauseFactor * (now - started));
                    if (report.leader()) {
                        lastSuccess = Instant.now();
                        lastFailure = null;
                    }
                })
                .onFailure().invoke(e -> {
                    int failures = ++consecutiveFailures;
                    long backoff = Math.min(maxBackoff.toMillis(), 500L << Math.min(10, failures));
                    nextAttemptAt = System.currentTimeMillis() + backoff;
                    lastFailure = String.valueOf(e.getMessage());
                    Log.warnf("Reconciliation failed (%d in a row), next attempt in %d ms: %s", failures, backoff,
                            e.getMessage());
                });
    }

    /**
     * Whether memory is one moment to take a checkpoint of: right after a rebuild from Redis it may hold other
     * instances' states newer than the offsets it reports, until the changelog catches up (a replay from such a
     * checkpoint would apply those events twice). The run waits for the next attempt.
     */
    private boolean settled() {
        if (tracker.settled()) {
            return true;
        }
        Log.debugf("Reconciliation waits: memory was rebuilt from Redis and the changelog has not caught up yet");
        return false;
    }

    /** Runs {@code work} with no reconciliation run in progress (and none starting until it ends). */
    public <T> Uni<T> exclusive(Supplier<Uni<? extends T>> work) {
        return runs.run(work);
    }

    private Uni<RunReport> run() {
        long started = System.nanoTime();
        OffsetDateTime startedAt = OffsetDateTime.now();
        // The snapshot drained the changed entities out of memory: keep them pending at once, so that a failure
        // before the commit (PostgreSQL going away right after the leader check, or in the write) leaves them for
        // the next run; merged any later, a failure in between would lose them, and PostgreSQL would keep their
        // old scores until the audit happened to notice.
        return snapshot().invoke(this::keepPending).chain(snap -> queries.rankings().chain(rankings -> {
            List<PeriodPlan> plans = ReconcilePlanner.plan(snap.periods.values(), snap.epoch != syncedEpoch, pending,
                    rankings, id -> boards.find(id).orElse(null), periodRules, System.currentTimeMillis());
            long writeStarted = System.nanoTime();
            return writer.write(plans, snap.offsets, snap.quarantine).chain(results -> {
                long writeMs = (System.nanoTime() - writeStarted) / 1_000_000;
                // Committed: what was pending is in PostgreSQL now, and no replay can start before these offsets.
                syncedEpoch = snap.epoch;
                erasures.prune(snap.offsets);
                pending.clear();
                long written = 0;
                for (PeriodResult r : results) {
                    written += r.rowsWritten();
                    if (r.written()) {
                        snap.written.add(r.boardPeriod());
                        if (r.fullSync()) {
                            snap.fullySynced.add(r.boardPeriod());
                        }
                    }
                }
                rows.increment(written);
                long rowsWritten = written;
                return afterCommit(snap, results, rankings).chain(() -> audit.audit(snap)).chain(drift -> {
                    logPhases(snap, results, writeMs);
                    long durationMs = (System.nanoTime() - started) / 1_000_000;
                    duration.record(Duration.ofNanos(System.nanoTime() - started));
                    int rewritten = (int) results.stream().filter(r -> r.generation() > 0).count();
                    long entries = snap.periods.values().stream().mapToLong(PeriodSnapshot::size).sum();
                    RunReport report = new RunReport(true, snap.periods.size(), entries, rowsWritten, rewritten,
                            drift.found(), drift.repaired(), snap.copyNanos / 1_000_000, writeMs, durationMs, snap.offsets);
                    if (drift.found() > 0) {
                        Log.warnf("Reconciliation found drift in %d board periods, repaired %d", drift.found(),
                                drift.repaired());
                    }
                    Log.debugf("Reconciled: %s", report);
                    return writer.insertRun(startedAt, rewritten, rowsWritten, drift.found(), drift.repaired(), durationMs,
                            report.snapshotMs()).replaceWith(report);
                });
            });
        }));
    }

    private static void logPhases(ReconcileSnapshot snap, List<PeriodResult> results, long writeMs) {
        if (Log.isDebugEnabled()) {
            StringBuilder phases = new StringBuilder();
            for (PeriodResult r : results) {
                phases.append(String.format(" %s(stage %d ms, then at once: scores %d ms, ranking %d ms; %d rows)",
                        r.boardPeriod(), r.stageNanos() / 1_000_000, r.scoresNanos() / 1_000_000,
                        r.rankingNanos() / 1_000_000, r.rowsWritten()));
            }
            Log.debugf("Reconcile phases: snapshot %d ms, write %d ms [%s ]", snap.copyNanos / 1_000_000, writeMs, phases);
        }
    }

    // --- 1. Snapshot ---------------------------------------------------------------------------------

    private Uni<ReconcileSnapshot> snapshot() {
        return gate.acquire(snapshotTimeout).chain(() -> Uni.createFrom().item(this::copy)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(snap -> readRedis(snap).replaceWith(snap))
                .onTermination().invoke(gate::release));
    }

    /** Runs between two batches (the gate is held): memory, changes and offsets are one moment. */
    private ReconcileSnapshot copy() {
        long t0 = System.nanoTime();
        ReconcileSnapshot snap = new ReconcileSnapshot();
        snap.epoch = live.epoch();
        snap.changed = live.drainChanged();
        snap.offsets = tracker.knownOffsets();
        snap.quarantine = new QuarantineState(quarantine.quarantinedCopy(), quarantine.heldCopy());
        for (Map.Entry<String, RankIndex> e : live.indexes().entrySet()) {
            snap.periods.put(e.getKey(), PeriodSnapshot.copy(e.getKey(), e.getValue()));
        }
        snap.copyNanos = System.nanoTime() - t0;
        snapshotTime.record(Duration.ofNanos(snap.copyNanos));
        return snap;
    }

    /** Redis counts and sample members, read atomically while the gate is held (so Redis equals memory). */
    private Uni<Void> readRedis(ReconcileSnapshot snap) {
        Map<String, int[]> samples = new LinkedHashMap<>();
        snap.periods.forEach((bp, p) -> samples.put(bp,
                p.samples().stream().mapToInt(PeriodSnapshot.Sample::position).toArray()));
        return redisReads.auditView(samples).invoke(view -> snap.redis = view)
                .onFailure().invoke(e -> Log.warnf("Could not read Redis for the audit: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Merges the changes drained by the snapshot into the pending set (cleared only after a commit). */
    private void keepPending(ReconcileSnapshot snap) {
        snap.changed.forEach((bp, entities) -> pending.computeIfAbsent(bp, b -> new HashSet<>()).addAll(entities));
    }

    // --- 3. After the commit -------------------------------------------------------------------------

    private Uni<Void> afterCommit(ReconcileSnapshot snap, List<PeriodResult> results, Map<String, PeriodRanking> rankings) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (PeriodResult r : results) {
            if (r.generation() > 1) {
                // Best effort: a generation left behind (a reader held the table past the lock timeout) goes next time.
                chain = chain.chain(() -> writer.dropOldGenerations(r.bpId(), r.generation())
                        .onFailure().invoke(e -> Log.debugf("Old generations of %s stay until the next run: %s",
                                r.boardPeriod(), e.getMessage()))
                        .onFailure().recoverWithItem(0L).replaceWithVoid());
            }
        }
        long now = System.currentTimeMillis();
        for (PeriodSnapshot p : snap.periods.values()) {
            Board board = boards.find(p.board()).orElse(null);
            PeriodRanking current = rankings.get(p.boardPeriod());
            if (board == null || current == null || current.closedAt() == null) {
                continue;
            }
            if (periodRules.released(PeriodRules.endMillis(board, p.period()), now)) {
                chain = chain.chain(() -> gate.run(() -> {
                    live.releasePeriod(p.boardPeriod());
                    tracker.slotOffsets().removed(p.boardPeriod());
                    return redisWrites.releasePeriod(p.boardPeriod());
                })).chain(() -> writer.markReleased(p.board(), p.period()))
                        .invoke(() -> Log.infof("Released closed period %s from memory and Redis", p.boardPeriod()));
            }
        }
        return chain;
    }

    // --- State for health ------------------------------------------------------------------------------

    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    public Instant lastSuccess() {
        return lastSuccess;
    }

    public String lastFailure() {
        return lastFailure;
    }
}
