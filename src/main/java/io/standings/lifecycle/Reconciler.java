package io.standings.lifecycle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
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
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
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
 * Reconciliation, every {@code standings.reconcile.interval}, stretched after long runs so that runs take at most
 * {@code standings.reconcile.max-share} of the time ({@link ReconcileSchedule}), on one instance at a time (the
 * holder of the {@link ReconcileLock}), without blocking the event loop:
 *
 * <ol>
 *   <li>snapshot: between two ingest batches (holding the {@link SnapshotGate}) copy every board period out of
 *       memory into arrays, the entities changed since the last run and the partition offsets the copy
 *       reflects; read Redis's counts and sample members in the same window (for the audit);</li>
 *   <li>plan ({@link ReconcilePlanner}) and write ({@link CheckpointWriter}) in one transaction: the changed
 *       entity_score rows, the checkpoint offsets, a new ranking generation of every changed board period,
 *       frozen rankings of periods whose grace is over;</li>
 *   <li>drop generations older than the previous one; release closed periods past their retention;</li>
 *   <li>audit memory vs Redis vs PostgreSQL and repair drift from memory ({@link DriftAudit}); the full checksums
 *       of board periods on their own, slower cadence ({@link ChecksumSchedule}).</li>
 * </ol>
 *
 * When PostgreSQL is away the run fails, the changes stay pending, and runs are retried with back-off. Runs start
 * on a Vert.x timer set for the time the schedule gives; the bean is created at start-up, so that a bad schedule
 * setting stops the service there.
 */
@ApplicationScoped
public class Reconciler {

    /** The shortest wait between two looks at the schedule (while start-up is not over, it is looked at this often). */
    private static final long MIN_WAIT_MILLIS = 100;
    /** The longest: a timer is never set further ahead (a tiny share can put the next run very far). */
    private static final long MAX_WAIT_MILLIS = Duration.ofHours(1).toMillis();

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
    private final ReconcileSchedule schedule;
    private final Vertx vertx;
    /** Held by a run, or by work that must not interleave with one (an erasure). */
    private final AsyncMutex runs = new AsyncMutex();

    private final Timer duration;
    private final Timer snapshotTime;
    private final Counter rows;

    // Guarded by holding `runs`.
    private long syncedEpoch = -1;
    private final Map<String, Set<String>> pending = new HashMap<>();
    private final ChecksumSchedule checksums;

    private volatile int consecutiveFailures;
    private volatile long nextAttemptAt;
    private volatile Instant lastSuccess;
    private volatile String lastFailure;
    private volatile boolean stopped;
    private volatile long timer = -1;

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
            PeriodRules periodRules, Erasures erasures, Vertx vertx, MeterRegistry registry,
            @ConfigProperty(name = "standings.reconcile.enabled") boolean enabled,
            @ConfigProperty(name = "standings.reconcile.snapshot-timeout") Duration snapshotTimeout,
            @ConfigProperty(name = "standings.reconcile.max-backoff") Duration maxBackoff,
            @ConfigProperty(name = "standings.reconcile.interval") Duration interval,
            @ConfigProperty(name = "standings.reconcile.max-share") double maxShare,
            @ConfigProperty(name = "standings.reconcile.checksum-interval") Duration checksumInterval) {
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
        this.vertx = vertx;
        this.schedule = new ReconcileSchedule(interval, maxShare);
        this.checksums = new ChecksumSchedule(checksumInterval);
        this.nextAttemptAt = System.currentTimeMillis() + schedule.intervalMillis();
        this.duration = Timer.builder("standings.reconcile.duration").description("Time of one reconcile run")
                .register(registry);
        this.snapshotTime = Timer.builder("standings.reconcile.snapshot")
                .description("Time the ingest was held for the reconcile snapshot").register(registry);
        this.rows = Counter.builder("standings.reconcile.rows").description("entity_score rows written or deleted")
                .register(registry);
        registry.gauge("standings.reconcile.lag.seconds", this,
                r -> r.lastSuccess == null ? -1 : Duration.between(r.lastSuccess, Instant.now()).toMillis() / 1000.0);
        Gauge.builder("standings.reconcile.next.delay.seconds", schedule, s -> s.nextDelayMillis() / 1000.0)
                .description("Pause planned between the end of the last run and the start of the next").register(registry);
        Gauge.builder("standings.reconcile.share", schedule, ReconcileSchedule::share)
                .description("Share of the time recent runs took (run time over run and pause time, last cycles)")
                .register(registry);
    }

    /** Creates the bean at start-up (its settings are checked there) and sets the first run an interval later. */
    void start(@Observes StartupEvent started) {
        if (enabled) {
            waitFor(nextAttemptAt - System.currentTimeMillis());
        }
    }

    void stop(@Observes ShutdownEvent stopping) {
        stopped = true;
        vertx.cancelTimer(timer);
    }

    private void waitFor(long millis) {
        if (!stopped) {
            timer = vertx.setTimer(Math.min(MAX_WAIT_MILLIS, Math.max(MIN_WAIT_MILLIS, millis)), id -> due());
        }
    }

    /** The timer fired: a run if it is time (one at a time: the next wait starts when it ends). */
    private void due() {
        runIfDue().onFailure().recoverWithNull().subscribe()
                .with(report -> waitFor(nextAttemptAt - System.currentTimeMillis()));
    }

    private Uni<RunReport> runIfDue() {
        if (!isTime() || !startup.isReady()) {
            return Uni.createFrom().nullItem();
        }
        // Looked at again once `runs` is held: a run asked for meanwhile (an erasure's) moved the time of the next.
        return runs.run(() -> isTime() ? attempt() : Uni.createFrom().nullItem());
    }

    private boolean isTime() {
        return System.currentTimeMillis() >= nextAttemptAt;
    }

    /** Runs one reconciliation now (after the one in progress, if any). */
    public Uni<RunReport> reconcileNow() {
        if (!startup.isReady()) {
            // Before the start-up rebuild, memory and the tracker's offsets are not one state yet.
            return Uni.createFrom().item(RunReport.notLeader());
        }
        return runs.run(this::attempt);
    }

    /** One run, timed from when it holds {@code runs}: the schedule counts the time it works, not the time it waits. */
    private Uni<RunReport> attempt() {
        long started = System.currentTimeMillis();
        return lock.held().chain(leader -> leader && settled() ? run() : Uni.createFrom().item(RunReport.notLeader()))
                .invoke(report -> {
                    consecutiveFailures = 0;
                    scheduleNext(started, 0);
                    if (report.leader()) {
                        lastSuccess = Instant.now();
                        lastFailure = null;
                    }
                })
                .onFailure().invoke(e -> {
                    int failures = ++consecutiveFailures;
                    long backoff = Math.min(maxBackoff.toMillis(), 500L << Math.min(10, failures));
                    long delay = scheduleNext(started, backoff);
                    lastFailure = String.valueOf(e.getMessage());
                    Log.warnf("Reconciliation failed (%d in a row), next attempt in %d ms: %s", failures, delay,
                            e.getMessage());
                });
    }

    /**
     * A run of d (a full ranking rewrite of a big board takes seconds of PostgreSQL CPU, on the cores the ingest
     * needs too) is followed by a pause that keeps reconciliation within its share of the time; the next run starts
     * no earlier than the interval after this one started, nor before {@code minPauseMillis} (a back-off) is over.
     *
     * @return the pause planned after this run, in milliseconds
     */
    private long scheduleNext(long started, long minPauseMillis) {
        long ended = System.currentTimeMillis();
        nextAttemptAt = schedule.ran(started, ended, minPauseMillis);
        long pause = schedule.nextDelayMillis();
        Log.debugf("Reconcile schedule: the run took %d ms, the next starts in %d ms (%d ms after this one started;"
                + " interval %d ms, max share %.3f); measured share %.3f", ended - started, pause, nextAttemptAt - started,
                schedule.intervalMillis(), schedule.maxShare(), schedule.share());
        return pause;
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
        // Merging the drained changes and planning walk every changed entity (a million on a busy big board): on a
        // worker thread, not on the event loop whose reply brought the snapshot or the rankings (the ingest's loop may
        // be that one, and a batch would wait behind them).
        return snapshot().emitOn(Infrastructure.getDefaultWorkerPool()).invoke(this::keepPending)
                .chain(snap -> queries.rankings().emitOn(Infrastructure.getDefaultWorkerPool()).chain(rankings -> {
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
                long committedAt = System.currentTimeMillis();
                for (PeriodResult r : results) {
                    written += r.rowsWritten();
                    if (r.fullSync()) {
                        checksums.compared(r.boardPeriod(), committedAt);
                    } else if (r.written()) {
                        checksums.written(r.boardPeriod());
                    }
                }
                rows.increment(written);
                long rowsWritten = written;
                return afterCommit(snap, results, rankings).chain(() -> {
                    checksums.retain(snap.periods.keySet());
                    Map<String, Integer> entries = new HashMap<>();
                    snap.periods.forEach((bp, p) -> {
                        if (boards.find(p.board()).isPresent()) { // the audit skips a deleted board's
                            entries.put(bp, p.size());
                        }
                    });
                    snap.checksums = checksums.due(entries, System.currentTimeMillis());
                    return audit.audit(snap);
                }).chain(drift -> {
                    long auditedAt = System.currentTimeMillis();
                    drift.comparedWhole().forEach(bp -> checksums.compared(bp, auditedAt));
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
