package io.standings.reconcile;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.standings.board.Board;
import io.standings.board.BoardRegistry;
import io.standings.board.PeriodRules;
import io.standings.index.RankIndex;
import io.standings.ingest.PartitionTracker;
import io.standings.live.Erasures;
import io.standings.live.LiveBoards;
import io.standings.live.Quarantine;
import io.standings.live.MemberCodec;
import io.standings.live.RedisKeys;
import io.standings.live.RedisStateWriter;
import io.standings.live.SnapshotGate;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.redis.client.ResponseType;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reconciliation, every {@code standings.reconcile.interval}, on one instance at a time (the
 * holder of a PostgreSQL advisory lock on a dedicated connection), without blocking the event loop:
 *
 * <ol>
 *   <li>snapshot: between two ingest batches (holding the {@link SnapshotGate}) copy every board period
 *       out of memory into arrays, the entities changed since the last run and the partition offsets the
 *       copy reflects; read Redis's counts and sample members in the same window (for the audit);</li>
 *   <li>one transaction: upsert the changed entity_score rows and delete the gone ones (bulk, unnest),
 *       write the checkpoint offsets, rewrite the ranking of every changed board period into a new
 *       generation with ROW_NUMBER/RANK/DENSE_RANK and switch readers to it (one UPDATE), freeze the
 *       ranking of periods that ended;</li>
 *   <li>drop generations older than the previous one; release closed periods past their retention;</li>
 *   <li>audit memory vs Redis vs PostgreSQL (counts, checksum, sampled ranks); repair drift from memory.</li>
 * </ol>
 *
 * When PostgreSQL is away the run fails, the changes stay pending, and runs are retried with back-off.
 */
@ApplicationScoped
public class Reconciler {

    private static final String LOCK_SQL = "SELECT pg_try_advisory_lock(hashtext('standings.reconcile:' || current_schema()))";

    private final LiveBoards live;
    private final Quarantine quarantine;
    private final PartitionTracker tracker;
    private final BoardRegistry boards;
    private final SnapshotGate gate;
    private final Checkpoints checkpoints;
    private final RedisStateWriter redis;
    private final RedisRecovery recovery;
    private final jakarta.enterprise.inject.Instance<io.standings.ingest.IngestStartup> startup;
    private final boolean enabled;
    private final Duration snapshotTimeout;
    private final Duration maxBackoff;
    private final PeriodRules periodRules;
    private final Erasures erasures;
    private final SnapshotGate runs = new SnapshotGate();

    private final Timer duration;
    private final Timer snapshotTime;
    private final Counter rows;
    private final Counter driftRedis;
    private final Counter driftPostgres;
    private final Counter repaired;

    // Guarded by holding `runs`.
    private long syncedEpoch = -1;
    private final Map<String, Set<String>> pending = new HashMap<>();
    private final Set<String> repairNext = new HashSet<>();
    private SqlConnection lockConnection;

    private volatile int consecutiveFailures;
    private volatile long nextAttemptAt;
    /** After a run that took d, the schedule waits at least pauseFactor × d (the duty-cycle bound). */
    private final double pauseFactor;
    private volatile Instant lastSuccess;
    private volatile String lastFailure;
    private volatile RunReport lastReport;

    /** What one run did. */
    public record RunReport(boolean leader, int boardPeriods, long entries, long rowsWritten, int rewritten,
            int driftFound, int driftRepaired, long snapshotMs, long writeMs, long durationMs,
            Map<String, Long> offsets) {
        static RunReport notLeader() {
            return new RunReport(false, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of());
        }
    }

    /** Everything copied between two batches. */
    static final class Snapshot {
        long epoch;
        Map<String, Set<String>> changed;
        Map<String, Long> offsets;
        final Map<String, PeriodSnapshot> periods = new LinkedHashMap<>();
        /** Redis as read in the same window: per board period {ZCARD, HLEN, members at the sample positions}. */
        Map<String, Object[]> redis = Map.of();
        boolean redisMarker = true;
        boolean redisComparable;
        /** Board periods written this run: their checksums are compared too. */
        final Set<String> written = new HashSet<>();
        /**
         * Board periods fully re-synced this run: every row was written from (or compared with) this snapshot
         * and the others deleted, so no checksum (it could only re-check that write); counts and sampled
         * ranks are still compared.
         */
        final Set<String> fullySynced = new HashSet<>();
        /** The quarantine in the same moment: it goes into the checkpoint with the scores. */
        Checkpoints.QuarantineState quarantine = Checkpoints.QuarantineState.EMPTY;
        long copyNanos;
    }

    public Reconciler(LiveBoards live, PartitionTracker tracker, BoardRegistry boards, SnapshotGate gate,
            Checkpoints checkpoints, RedisStateWriter redis, RedisRecovery recovery, Quarantine quarantine,
            MeterRegistry registry,
            jakarta.enterprise.inject.Instance<io.standings.ingest.IngestStartup> startup,
            @ConfigProperty(name = "standings.reconcile.enabled") boolean enabled,
            @ConfigProperty(name = "standings.reconcile.snapshot-timeout") Duration snapshotTimeout,
            @ConfigProperty(name = "standings.reconcile.max-backoff") Duration maxBackoff,
            @ConfigProperty(name = "standings.reconcile.pause-factor", defaultValue = "2") double pauseFactor,
            PeriodRules periodRules, Erasures erasures) {
        this.erasures = erasures;
        this.live = live;
        this.quarantine = quarantine;
        this.tracker = tracker;
        this.boards = boards;
        this.gate = gate;
        this.checkpoints = checkpoints;
        this.redis = redis;
        this.recovery = recovery;
        this.startup = startup;
        this.enabled = enabled;
        this.snapshotTimeout = snapshotTimeout;
        this.maxBackoff = maxBackoff;
        this.pauseFactor = Math.max(0, pauseFactor);
        this.periodRules = periodRules;
        this.duration = Timer.builder("standings.reconcile.duration").description("Time of one reconcile run")
                .register(registry);
        this.snapshotTime = Timer.builder("standings.reconcile.snapshot")
                .description("Time the ingest was held for the reconcile snapshot").register(registry);
        this.rows = Counter.builder("standings.reconcile.rows").description("entity_score rows written or deleted")
                .register(registry);
        this.driftRedis = Counter.builder("standings.reconcile.drift").tag("store", "redis")
                .description("Board periods found to differ from memory").register(registry);
        this.driftPostgres = Counter.builder("standings.reconcile.drift").tag("store", "postgresql")
                .description("Board periods found to differ from memory").register(registry);
        this.repaired = Counter.builder("standings.reconcile.repaired").description("Drifted board periods repaired")
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
        if (startup.get().call().getStatus() != org.eclipse.microprofile.health.HealthCheckResponse.Status.UP) {
            // Before the start-up rebuild, memory and the tracker's offsets are not one state yet.
            return Uni.createFrom().item(RunReport.notLeader());
        }
        long started = System.currentTimeMillis();
        return runs.run(() -> leader().chain(leader -> leader ? run() : Uni.createFrom().item(RunReport.notLeader())))
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
                        lastReport = report;
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

    /** Runs {@code work} with no reconciliation run in progress (and none starting until it ends). */
    public <T> Uni<T> exclusive(java.util.function.Supplier<Uni<? extends T>> work) {
        return runs.run(work);
    }

    /** Holds the advisory lock on a dedicated connection; re-checks the connection every run. */
    private Uni<Boolean> leader() {
        if (lockConnection != null) {
            return lockConnection.query("SELECT 1").execute().replaceWith(true).onFailure().recoverWithUni(e -> {
                closeLockConnection();
                return leader();
            });
        }
        // The dedicated connection gets a statement_timeout too: a stuck statement fails instead of hanging.
        return checkpoints.pool().getConnection().chain(c -> c.query("SET statement_timeout = "
                + checkpoints.statementTimeoutMs()).execute().chain(() -> c.query(LOCK_SQL).execute())
                .map(rowSet -> rowSet.iterator().next().getBoolean(0))
                .invoke(got -> {
                    if (got) {
                        lockConnection = c;
                        Log.infof("This instance now leads reconciliation");
                    } else {
                        c.closeAndForget();
                    }
                })
                .onFailure().invoke(e -> c.closeAndForget()));
    }

    private void closeLockConnection() {
        if (lockConnection != null) {
            lockConnection.closeAndForget();
            lockConnection = null;
        }
    }

    private Uni<RunReport> run() {
        long started = System.nanoTime();
        OffsetDateTime startedAt = OffsetDateTime.now();
        // The snapshot drained the changed entities out of memory: keep them pending at once, so that a failure
        // before the commit (PostgreSQL going away right after the leader check, in currents() or the write)
        // leaves them for the next run; merged any later, a failure in between would lose them, and PostgreSQL
        // would keep their old scores until the audit happened to notice.
        return snapshot().invoke(this::keepPending).chain(snap -> checkpoints.currents().chain(currents -> {
            List<Checkpoints.PeriodWrite> writes = plan(snap, currents);
            long writeStarted = System.nanoTime();
            return checkpoints.write(writes, snap.offsets, snap.quarantine).chain(written -> {
                long writeMs = (System.nanoTime() - writeStarted) / 1_000_000;
                // Committed: what was pending is in PostgreSQL now, and no replay can start before these offsets.
                syncedEpoch = snap.epoch;
                erasures.prune(snap.offsets);
                pending.clear();
                for (Checkpoints.PeriodWrite w : writes) {
                    if (w.rowsWritten > 0 || w.generation > 0) {
                        snap.written.add(w.snapshot.boardPeriod);
                        if (w.fullSync) {
                            snap.fullySynced.add(w.snapshot.boardPeriod);
                        }
                    }
                    if (w.fullSync) {
                        repairNext.remove(w.snapshot.boardPeriod);
                    }
                }
                rows.increment(written);
                long afterCommitStarted = System.nanoTime();
                long[] auditStarted = new long[1];
                return afterCommit(snap, writes, currents).invoke(() -> auditStarted[0] = System.nanoTime())
                        .chain(() -> audit(snap))
                        .chain(drift -> {
                            if (Log.isDebugEnabled()) {
                                StringBuilder phases = new StringBuilder();
                                for (Checkpoints.PeriodWrite w : writes) {
                                    phases.append(String.format(" %s(stage %d ms, then at once: scores %d ms, ranking %d ms;"
                                            + " %d rows)", w.snapshot.boardPeriod, w.stageNanos / 1_000_000,
                                            w.scoresNanos / 1_000_000, w.rankingNanos / 1_000_000, w.rowsWritten));
                                }
                                Log.debugf("Reconcile phases: snapshot %d ms, write %d ms [%s ], old generations %d ms,"
                                        + " audit %d ms", snap.copyNanos / 1_000_000, writeMs, phases,
                                        (auditStarted[0] - afterCommitStarted) / 1_000_000,
                                        (System.nanoTime() - auditStarted[0]) / 1_000_000);
                            }
                            long durationMs = (System.nanoTime() - started) / 1_000_000;
                            duration.record(Duration.ofNanos(System.nanoTime() - started));
                            int rewritten = (int) writes.stream().filter(w -> w.generation > 0).count();
                            long entries = snap.periods.values().stream().mapToLong(PeriodSnapshot::size).sum();
                            RunReport report = new RunReport(true, snap.periods.size(), entries, written, rewritten,
                                    drift[0], drift[1], snap.copyNanos / 1_000_000, writeMs, durationMs, snap.offsets);
                            if (drift[0] > 0) {
                                Log.warnf("Reconciliation found drift in %d board periods, repaired %d", drift[0], drift[1]);
                            }
                            Log.debugf("Reconciled: %s", report);
                            return checkpoints.insertRun(startedAt, rewritten, written, drift[0], drift[1], durationMs,
                                    report.snapshotMs()).replaceWith(report);
                        });
            });
        }));
    }

    // --- 1. Snapshot ---------------------------------------------------------------------------------

    private Uni<Snapshot> snapshot() {
        return gate.acquire(snapshotTimeout).chain(() -> Uni.createFrom().item(this::copy)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(snap -> readRedis(snap).replaceWith(snap))
                .onTermination().invoke(gate::release));
    }

    /** Runs between two batches (the gate is held): memory, changes and offsets are one moment. */
    private Snapshot copy() {
        long t0 = System.nanoTime();
        Snapshot snap = new Snapshot();
        snap.epoch = live.epoch();
        snap.changed = live.drainChanged();
        snap.offsets = tracker.knownOffsets();
        snap.quarantine = new Checkpoints.QuarantineState(quarantine.quarantinedCopy(), quarantine.heldCopy());
        for (Map.Entry<String, RankIndex> e : live.indexes().entrySet()) {
            snap.periods.put(e.getKey(), PeriodSnapshot.copy(e.getKey(), e.getValue()));
        }
        snap.copyNanos = System.nanoTime() - t0;
        snapshotTime.record(Duration.ofNanos(snap.copyNanos));
        return snap;
    }

    /** Redis counts and sample members, read atomically while the gate is held (so Redis equals memory). */
    private Uni<Void> readRedis(Snapshot snap) {
        RedisKeys keys = redis.keys();
        List<Request> reads = new ArrayList<>();
        reads.add(Request.cmd(Command.EXISTS).arg(keys.marker()));
        reads.add(Request.cmd(Command.HGETALL).arg(keys.offsets()));
        for (PeriodSnapshot p : snap.periods.values()) {
            reads.add(Request.cmd(Command.ZCARD).arg(keys.ranks(p.boardPeriod)));
            reads.add(Request.cmd(Command.HLEN).arg(keys.members(p.boardPeriod)));
            for (long pos : p.samplePositions) {
                reads.add(Request.cmd(Command.ZRANGE).arg(keys.ranks(p.boardPeriod)).arg(pos).arg(pos));
            }
        }
        return redis.readAtomically(reads).invoke(answers -> {
            snap.redisMarker = answers.get(0).toInteger() == 1;
            Response offsets = answers.get(1);
            Map<String, Long> redisOffsets = new HashMap<>();
            if (offsets != null) {
                for (String field : offsets.getKeys()) {
                    redisOffsets.put(field, offsets.get(field).toLong());
                }
            }
            // Memory and Redis are only comparable when this instance has applied everything Redis holds
            // (with several instances, others write partitions this memory has not seen): else no Redis audit.
            snap.redisComparable = redisOffsets.equals(snap.offsets);
            Map<String, Object[]> view = new HashMap<>();
            int i = 2;
            for (PeriodSnapshot p : snap.periods.values()) {
                Object[] v = new Object[2 + p.samplePositions.length];
                v[0] = answers.get(i++).toLong();
                v[1] = answers.get(i++).toLong();
                for (int k = 0; k < p.samplePositions.length; k++) {
                    Response r = answers.get(i++);
                    v[2 + k] = r != null && r.size() > 0 ? (r.type() == ResponseType.MULTI ? r.get(0).toString() : r.toString())
                            : null;
                }
                view.put(p.boardPeriod, v);
            }
            snap.redis = view;
        }).onFailure().invoke(e -> Log.warnf("Could not read Redis for the audit: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    // --- 2. Plan and write ---------------------------------------------------------------------------

    /** Merges the changes drained by the snapshot into the pending set (cleared only after a commit). */
    private void keepPending(Snapshot snap) {
        snap.changed.forEach((bp, entities) -> pending.computeIfAbsent(bp, b -> new HashSet<>()).addAll(entities));
    }

    private List<Checkpoints.PeriodWrite> plan(Snapshot snap, Map<String, Checkpoints.Current> currents) {
        boolean fullSync = snap.epoch != syncedEpoch;
        long now = System.currentTimeMillis();
        List<Checkpoints.PeriodWrite> writes = new ArrayList<>();
        for (PeriodSnapshot p : snap.periods.values()) {
            Board board = boards.find(p.board).orElse(null);
            if (board == null) {
                continue;
            }
            Checkpoints.Current current = currents.get(p.boardPeriod);
            if (current != null && current.releasedAt() != null) {
                // A released period's frozen ranking never changes; the ingest takes no event for it, so memory
                // holding it again is a defect: say so, and leave PostgreSQL as it is.
                Log.errorf("Memory holds %s, released at %s: not written; its frozen ranking stays as it is",
                        p.boardPeriod, current.releasedAt());
                continue;
            }
            Checkpoints.PeriodWrite w = new Checkpoints.PeriodWrite(p);
            w.fullSync = fullSync || repairNext.contains(p.boardPeriod) || current == null;
            if (!w.fullSync) {
                Set<String> changed = pending.getOrDefault(p.boardPeriod, Set.of());
                if (!changed.isEmpty()) {
                    int[] positions = new int[changed.size()];
                    int found = 0;
                    Set<String> seen = new HashSet<>();
                    for (int i = 0; i < p.size && found < positions.length; i++) {
                        String entity = p.entity(i);
                        if (changed.contains(entity)) {
                            positions[found++] = i;
                            seen.add(entity);
                        }
                    }
                    w.upserts = java.util.Arrays.copyOf(positions, found);
                    List<String> gone = new ArrayList<>();
                    for (String e : changed) {
                        if (!seen.contains(e)) {
                            gone.add(e);
                        }
                    }
                    w.deletes = gone.toArray(new String[0]);
                } else {
                    w.upserts = new int[0];
                }
            }
            w.noCurrent = current == null;
            w.close = periodRules.closed(PeriodRules.endMillis(board, p.period), now)
                    && (current == null || current.closedAt() == null);
            if (w.fullSync || w.upserts.length > 0 || w.deletes.length > 0 || w.close) {
                writes.add(w);
            }
        }
        return writes;
    }

    // --- 3. After the commit -------------------------------------------------------------------------

    private Uni<Void> afterCommit(Snapshot snap, List<Checkpoints.PeriodWrite> writes,
            Map<String, Checkpoints.Current> currents) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Checkpoints.PeriodWrite w : writes) {
            if (w.generation > 1) {
                // Best effort: a generation left behind (a reader held the table past the lock timeout) goes next time.
                chain = chain.chain(() -> checkpoints.dropOldGenerations(w.bpId, w.generation)
                        .onFailure().invoke(e -> Log.debugf("Old generations of %s stay until the next run: %s",
                                w.snapshot.boardPeriod, e.getMessage()))
                        .onFailure().recoverWithItem(0L).replaceWithVoid());
            }
        }
        long now = System.currentTimeMillis();
        for (PeriodSnapshot p : snap.periods.values()) {
            Board board = boards.find(p.board).orElse(null);
            Checkpoints.Current current = currents.get(p.boardPeriod);
            if (board == null || current == null || current.closedAt() == null) {
                continue;
            }
            if (periodRules.released(PeriodRules.endMillis(board, p.period), now)) {
                chain = chain.chain(() -> gate.run(() -> {
                    live.releasePeriod(p.boardPeriod);
                    return redis.releasePeriod(p.boardPeriod);
                })).chain(() -> checkpoints.markReleased(p.board, p.period))
                        .invoke(() -> Log.infof("Released closed period %s from memory and Redis", p.boardPeriod));
            }
        }
        return chain;
    }

    // --- 4. Audit and repair ---------------------------------------------------------------------------

    /** Returns {drift found, drift repaired}. */
    private Uni<int[]> audit(Snapshot snap) {
        int[] drift = new int[2];
        if (!snap.redisMarker) {
            // Not drift: Redis lost everything; the recovery restores it from the checkpoint just written.
            return recovery.requestCheck().replaceWith(drift);
        }
        Set<String> redisDrift = new HashSet<>();
        for (PeriodSnapshot p : snap.periods.values()) {
            Object[] v = snap.redis.get(p.boardPeriod);
            if (v == null || !snap.redisComparable) {
                continue;
            }
            boolean same = (Long) v[0] == p.size && (Long) v[1] == p.size;
            for (int k = 0; same && k < p.samplePositions.length; k++) {
                int pos = (int) p.samplePositions[k];
                same = MemberCodec.member(p.reachedAt[pos], p.entity(pos)).equals(v[2 + k]);
            }
            if (!same) {
                redisDrift.add(p.boardPeriod);
                Log.warnf("Drift: Redis %s holds %s entries (members %s), memory %d; repairing from memory",
                        p.boardPeriod, v[0], v[1], p.size);
            }
        }
        return checkpoints.scoreCounts().chain(counts -> checkpoints.currents().chain(currents -> Multi.createFrom()
                .iterable(snap.periods.values())
                .onItem().transformToUniAndConcatenate(p -> auditPostgres(p, counts, currents.get(p.boardPeriod), snap))
                .collect().asList()))
                .chain(pgResults -> {
                    Set<String> pgDrift = new HashSet<>();
                    pgResults.forEach(bp -> {
                        if (bp != null) {
                            pgDrift.add(bp);
                        }
                    });
                    drift[0] = redisDrift.size() + pgDrift.size();
                    driftRedis.increment(redisDrift.size());
                    driftPostgres.increment(pgDrift.size());
                    Uni<Void> repairs = Uni.createFrom().voidItem();
                    for (String bp : redisDrift) {
                        repairs = repairs.chain(() -> repairRedis(bp)).invoke(() -> drift[1]++);
                    }
                    if (!pgDrift.isEmpty()) {
                        List<Checkpoints.PeriodWrite> writes = new ArrayList<>();
                        for (String bp : pgDrift) {
                            Checkpoints.PeriodWrite w = new Checkpoints.PeriodWrite(snap.periods.get(bp));
                            w.fullSync = true;
                            w.forceRewrite = true;
                            writes.add(w);
                        }
                        // The same snapshot and offsets again: PostgreSQL becomes exactly what memory was then.
                        repairs = repairs.chain(() -> checkpoints.write(writes, snap.offsets, snap.quarantine))
                                .invoke(() -> drift[1] += writes.size()).replaceWithVoid();
                    }
                    return repairs.invoke(() -> repaired.increment(drift[1])).replaceWith(drift);
                });
    }

    /** The board period's name if PostgreSQL differs from the snapshot, else null. */
    private Uni<String> auditPostgres(PeriodSnapshot p, Map<String, Long> counts, Checkpoints.Current current,
            Snapshot snap) {
        long count = counts.getOrDefault(p.boardPeriod, 0L);
        if (boards.find(p.board).isEmpty() || (current != null && current.releasedAt() != null)) {
            // A released period's frozen ranking is never repaired from memory either (plan() says why).
            return Uni.createFrom().nullItem();
        }
        if (count != p.size || current == null || current.entries() != p.size) {
            Log.warnf("Drift: PostgreSQL %s holds %d scores and %s ranked, memory %d; repairing", p.boardPeriod, count,
                    current == null ? "none" : current.entries(), p.size);
            return Uni.createFrom().item(p.boardPeriod);
        }
        Long[] ordinals = new Long[p.samplePositions.length];
        for (int k = 0; k < ordinals.length; k++) {
            ordinals[k] = p.samplePositions[k] + 1;
        }
        // Memory's checksum (a worker thread) and PostgreSQL's are computed at the same time.
        Uni<String> checksum = snap.written.contains(p.boardPeriod) && !snap.fullySynced.contains(p.boardPeriod)
                ? Uni.combine().all().unis(
                        Uni.createFrom().item(p::checksum).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                                .map(Long::toUnsignedString),
                        checkpoints.checksum(current.bpId()))
                        .with((mine, theirs) -> mine.equals(theirs) ? null : "checksum " + mine + " vs " + theirs)
                : Uni.createFrom().nullItem();
        if (Log.isDebugEnabled()) {
            long t0 = System.nanoTime();
            checksum = checksum.invoke(() -> Log.debugf("Audit checksum of %s: %d ms", p.boardPeriod,
                    (System.nanoTime() - t0) / 1_000_000));
        }
        return checksum.chain(checksumDrift -> checkpoints.sampleRanks(current.bpId(), current.generation(), ordinals)
                .map(rows -> {
                    String why = checksumDrift;
                    for (int k = 0; why == null && k < ordinals.length; k++) {
                        int pos = (int) p.samplePositions[k];
                        Row r = rows.get(ordinals[k]);
                        if (r == null || !r.getString("entity").equals(p.entity(pos))
                                || r.getDouble("score") != p.scores[pos] || r.getLong("reached_at") != p.reachedAt[pos]
                                || r.getLong("competition_rank") != p.sampleCompetition[k]
                                || r.getLong("dense_rank") != p.sampleDense[k]) {
                            why = "rank " + ordinals[k] + " differs";
                        }
                    }
                    if (why != null) {
                        Log.warnf("Drift: PostgreSQL %s: %s; repairing", p.boardPeriod, why);
                        return p.boardPeriod;
                    }
                    return null;
                }));
    }

    /** Rewrites one board period in Redis from memory, between two batches. */
    private Uni<Void> repairRedis(String boardPeriod) {
        return gate.run(() -> {
            RankIndex index = live.indexes().get(boardPeriod);
            if (index == null) {
                return Uni.createFrom().voidItem();
            }
            PeriodSnapshot p = PeriodSnapshot.copy(boardPeriod, index);
            return redis.writePeriod(boardPeriod, p.order, p.entityArray(), p.scores, p.reachedAt, p.size);
        }).invoke(() -> Log.infof("Repaired %s in Redis from memory", boardPeriod));
    }

    // --- State for health and tests ----------------------------------------------------------------------

    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    public Instant lastSuccess() {
        return lastSuccess;
    }

    public String lastFailure() {
        return lastFailure;
    }

    public RunReport lastReport() {
        return lastReport;
    }
}
