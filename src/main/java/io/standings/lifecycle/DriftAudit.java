package io.standings.lifecycle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.standings.core.index.RankIndex;
import io.standings.state.BoardRegistry;
import io.standings.state.LiveBoards;
import io.standings.state.PeriodSnapshot;
import io.standings.state.SnapshotGate;
import io.standings.store.postgres.CheckpointWriter;
import io.standings.store.postgres.DriftQueries;
import io.standings.store.postgres.PeriodPlan;
import io.standings.store.postgres.PeriodRanking;
import io.standings.store.postgres.RankedRow;
import io.standings.store.redis.MemberCodec;
import io.standings.store.redis.RedisReads;
import io.standings.store.redis.RedisWrites;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The reconciler's audit, after its checkpoint: memory vs Redis (counts and sample members read in the
 * snapshot's window, so they must be equal) and memory vs PostgreSQL (entity_score count, the ranking's
 * entries and the sampled ranks of every board period; an order-independent checksum of the board periods the
 * reconciler chose for this run, {@link ReconcileSnapshot#checksums}).
 * Drift is logged, counted and repaired from memory: a Redis board period rewritten under the gate, a
 * PostgreSQL one fully re-synced from the same snapshot and re-ranked. Released periods are never repaired.
 */
@ApplicationScoped
public class DriftAudit {

    /**
     * What an audit found and repaired.
     *
     * @param comparedWhole the board periods PostgreSQL now matches memory's snapshot for, row by row: checksummed
     *        (and equal, or repaired), or fully re-synced by a repair
     */
    record Drift(int found, int repaired, Set<String> comparedWhole) {
        static final Drift NONE = new Drift(0, 0, Set.of());
    }

    private final DriftQueries queries;
    private final CheckpointWriter writer;
    private final RedisWrites redisWrites;
    private final LiveBoards live;
    private final BoardRegistry boards;
    private final SnapshotGate gate;
    private final RedisRecovery recovery;
    private final Counter driftRedis;
    private final Counter driftPostgres;
    private final Counter repaired;
    private final Counter checksums;

    public DriftAudit(DriftQueries queries, CheckpointWriter writer, RedisWrites redisWrites, LiveBoards live,
            BoardRegistry boards, SnapshotGate gate, RedisRecovery recovery, MeterRegistry registry) {
        this.queries = queries;
        this.writer = writer;
        this.redisWrites = redisWrites;
        this.live = live;
        this.boards = boards;
        this.gate = gate;
        this.recovery = recovery;
        this.driftRedis = Counter.builder("standings.reconcile.drift").tag("store", "redis")
                .description("Board periods found to differ from memory").register(registry);
        this.driftPostgres = Counter.builder("standings.reconcile.drift").tag("store", "postgresql")
                .description("Board periods found to differ from memory").register(registry);
        this.repaired = Counter.builder("standings.reconcile.repaired").description("Drifted board periods repaired")
                .register(registry);
        this.checksums = Counter.builder("standings.reconcile.checksums")
                .description("Board periods whose full checksum was compared with PostgreSQL").register(registry);
    }

    Uni<Drift> audit(ReconcileSnapshot snap) {
        if (snap.redis != null && !snap.redis.marker()) {
            // Not drift: Redis lost everything; the recovery restores it from the checkpoint just written.
            return recovery.requestCheck().replaceWith(Drift.NONE);
        }
        Set<String> redisDrift = new HashSet<>();
        if (snap.redisComparable()) {
            for (PeriodSnapshot p : snap.periods.values()) {
                RedisReads.PeriodView v = snap.redis.periods().get(p.boardPeriod());
                if (snap.redisComparable(v) && !sameInRedis(p, v)) {
                    redisDrift.add(p.boardPeriod());
                    Log.warnf("Drift: Redis %s holds %d entries (members %d), memory %d; repairing from memory",
                            p.boardPeriod(), v.ranked(), v.members(), p.size());
                }
            }
        }
        Set<String> comparedWhole = new HashSet<>(); // one board period at a time: no two writers
        return queries.scoreCounts().chain(counts -> queries.rankings().chain(rankings -> Multi.createFrom()
                .iterable(snap.periods.values())
                .onItem().transformToUniAndConcatenate(p -> auditPostgres(p, counts, rankings.get(p.boardPeriod()), snap,
                        comparedWhole))
                .collect().asList()))
                .chain(pgResults -> {
                    List<PeriodPlan> pgRepairs = new ArrayList<>();
                    pgResults.stream().filter(Objects::nonNull).forEach(bp -> pgRepairs.add(PeriodPlan.repair(snap.periods.get(bp))));
                    driftRedis.increment(redisDrift.size());
                    driftPostgres.increment(pgRepairs.size());
                    int found = redisDrift.size() + pgRepairs.size();
                    int[] fixed = new int[1];
                    Uni<Void> repairs = Uni.createFrom().voidItem();
                    for (String bp : redisDrift) {
                        repairs = repairs.chain(() -> repairRedis(bp)).invoke(() -> fixed[0]++);
                    }
                    if (!pgRepairs.isEmpty()) {
                        // The same snapshot and offsets again: PostgreSQL becomes exactly what memory was then.
                        repairs = repairs.chain(() -> writer.write(pgRepairs, snap.offsets, snap.quarantine))
                                .invoke(() -> fixed[0] += pgRepairs.size()).replaceWithVoid();
                    }
                    return repairs.invoke(() -> repaired.increment(fixed[0])).map(x -> {
                        pgRepairs.forEach(plan -> comparedWhole.add(plan.snapshot().boardPeriod()));
                        return new Drift(found, fixed[0], comparedWhole);
                    });
                });
    }

    private static boolean sameInRedis(PeriodSnapshot p, RedisReads.PeriodView v) {
        if (v.ranked() != p.size() || v.members() != p.size()) {
            return false;
        }
        List<PeriodSnapshot.Sample> samples = p.samples();
        for (int k = 0; k < samples.size(); k++) {
            int pos = samples.get(k).position();
            if (!MemberCodec.member(p.reachedAt(pos), p.entity(pos)).equals(v.sampleMembers().get(k))) {
                return false;
            }
        }
        return true;
    }

    /** The board period's name if PostgreSQL differs from the snapshot, else null. */
    private Uni<String> auditPostgres(PeriodSnapshot p, Map<String, Long> counts, PeriodRanking current,
            ReconcileSnapshot snap, Set<String> comparedWhole) {
        long count = counts.getOrDefault(p.boardPeriod(), 0L);
        if (boards.find(p.board()).isEmpty() || (current != null && current.releasedAt() != null)) {
            // A released period's frozen ranking is never repaired from memory either (ReconcilePlanner says why).
            return Uni.createFrom().nullItem();
        }
        if (count != p.size() || current == null || current.entries() != p.size()) {
            Log.warnf("Drift: PostgreSQL %s holds %d scores and %s ranked, memory %d; repairing", p.boardPeriod(), count,
                    current == null ? "none" : current.entries(), p.size());
            return Uni.createFrom().item(p.boardPeriod());
        }
        List<PeriodSnapshot.Sample> samples = p.samples();
        Long[] ordinals = samples.stream().map(PeriodSnapshot.Sample::ordinalRank).toArray(Long[]::new);
        // Memory's checksum (a worker thread) and PostgreSQL's are computed at the same time.
        Uni<String> checksum = snap.checksums.contains(p.boardPeriod())
                ? Uni.combine().all().unis(
                        Uni.createFrom().item(p::checksum).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                                .map(Long::toUnsignedString),
                        queries.checksum(current.bpId()))
                        .with((mine, theirs) -> mine.equals(theirs) ? null : "checksum " + mine + " vs " + theirs)
                        .invoke(() -> {
                            checksums.increment();
                            comparedWhole.add(p.boardPeriod());
                            Log.debugf("Audit: checksum of %s (%d entries) compared with PostgreSQL", p.boardPeriod(),
                                    p.size());
                        })
                : Uni.createFrom().nullItem();
        return checksum.chain(checksumDrift -> queries.sampleRanks(current.bpId(), current.generation(), ordinals)
                .map(rows -> {
                    String why = checksumDrift;
                    for (int k = 0; why == null && k < samples.size(); k++) {
                        PeriodSnapshot.Sample s = samples.get(k);
                        RankedRow r = rows.get(s.ordinalRank());
                        if (r == null || !r.entity().equals(p.entity(s.position())) || r.score() != p.score(s.position())
                                || r.reachedAt() != p.reachedAt(s.position()) || r.competitionRank() != s.competitionRank()
                                || r.denseRank() != s.denseRank()) {
                            why = "rank " + s.ordinalRank() + " differs";
                        }
                    }
                    if (why != null) {
                        Log.warnf("Drift: PostgreSQL %s: %s; repairing", p.boardPeriod(), why);
                        return p.boardPeriod();
                    }
                    return null;
                }));
    }

    /** Rewrites one board period in Redis from memory, between two batches. */
    private Uni<Void> repairRedis(String boardPeriod) {
        return gate.run(() -> {
            RankIndex index = live.indexes().get(boardPeriod);
            return index == null ? Uni.createFrom().voidItem() : redisWrites.writePeriod(PeriodSnapshot.copy(boardPeriod, index));
        }).invoke(() -> Log.infof("Repaired %s in Redis from memory", boardPeriod));
    }
}
