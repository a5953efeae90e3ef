package io.standings.ingest;

import io.standings.state.LiveState;
import io.standings.state.BoardPeriods;
import io.standings.state.ScoreChange;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.standings.core.board.Board;
import io.standings.state.BoardRegistry;
import io.standings.store.postgres.BoardRepository;
import io.standings.core.board.Operation;
import io.standings.core.board.PeriodRules;
import io.standings.ingest.DeadLetterPublisher.DeadLetter;
import io.standings.state.Erasures;
import io.standings.state.LiveBoards;
import io.standings.state.OffsetAdvance;
import io.standings.store.redis.LastBatch;
import io.standings.store.redis.RedisBatches;
import io.standings.state.SnapshotGate;
import io.standings.state.SlotOffsets;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The ingest pipeline, one Kafka poll batch at a time, in partition order ({@link ScoreEventConsumer} hands the
 * batches over; nothing here needs a broker, so tests drive it with batches they build):
 *
 * <ol>
 *   <li>skip records at or below the partition's last applied offset (redeliveries);</li>
 *   <li>parse and validate every record on its own; bad ones become dead letters (never the batch);</li>
 *   <li>fold the valid events into one net change per (board, period, entity);</li>
 *   <li>park the dead letters on the DLQ topic (before the offsets move past them);</li>
 *   <li>write the changes to Redis, one atomic script per board period (one Redis Cluster slot) carrying the
 *       offsets that board period then holds, fenced on the ones it continues from, then the partitions' floor
 *       (retried with back-off while Redis is away: the stream waits, it never skips);</li>
 *   <li>apply the changes to the in-memory index, which serves every read;</li>
 *   <li>publish the changed entities' absolute states to the changelog, for every other instance's memory,
 *       and wait for the broker to have them.</li>
 * </ol>
 *
 * SmallRye delivers the next batch once this one's Uni completes, which is when its Redis script is sent:
 * the next batch is then parsed (on a thread of its own, once per batch) and folded while Redis runs the script,
 * and waits for this batch to be in memory before its own steps 4–6. Redis writes and memory applies never
 * overlap.
 * Kafka's own committed offsets are not used: Redis holds the offsets, in the same write as the scores.
 */
@ApplicationScoped
public class BatchPipeline {

    private final EventParser parser;
    private final BoardRegistry boards;
    private final BoardRepository boardStore;
    private final Changelog changelog;
    private final java.util.Optional<String> haltBeforeChangelogEntity;
    private final java.util.Optional<String> haltBetweenBoardPeriods;
    private final LiveBoards live;
    private final RedisBatches redis;
    private final DeadLetterPublisher deadLetters;
    private final PartitionTracker tracker;
    private final StateKeeper keeper;
    private final SnapshotGate gate;
    private final BatchFolder.Limits limits;
    private final Erasures erasures;
    private final Counter erased;
    private final Counter applied;
    private final Counter repliesLost;
    private final Counter fences;
    private final Counter duplicates;
    private final DistributionSummary batchSize;
    private final Timer applyLatency;
    private final Timer ingestLag;
    private final Counter preparedAheadUsed;
    private final Counter preparedAheadDiscarded;
    private final Counter boardsFoundElsewhere;
    /** The one thread that parses records (the parser keeps a cache of board names, for this thread alone). */
    private final java.util.concurrent.ExecutorService parsing = java.util.concurrent.Executors.newSingleThreadExecutor(
            task -> {
                Thread t = new Thread(task, "standings-parse");
                t.setDaemon(true);
                return t;
            });
    private volatile boolean stopping;
    private volatile Throwable failed;
    private volatile String redisWriteFailure;

    public BatchPipeline(BoardRegistry boards, LiveBoards live, RedisBatches redis,
            DeadLetterPublisher deadLetters, PartitionTracker tracker, StateKeeper keeper, MeterRegistry registry,
            @ConfigProperty(name = "standings.ingest.max-record-bytes") int maxRecordBytes, SnapshotGate gate,
            PeriodRules periodRules,
            @ConfigProperty(name = "standings.ingest.max-future-skew") Duration maxFutureSkew,
            @ConfigProperty(name = "standings.boards.max-live-periods") int maxLivePeriods,
            @ConfigProperty(name = "standings.boards.max-entries") long maxEntries, Erasures erasures,
            BoardRepository boardStore, Changelog changelog,
            @ConfigProperty(name = "standings.fault.halt-before-changelog-entity") java.util.Optional<String> haltBeforeChangelogEntity,
            @ConfigProperty(name = "standings.fault.halt-between-board-periods") java.util.Optional<String> haltBetweenBoardPeriods) {
        this.haltBeforeChangelogEntity = haltBeforeChangelogEntity;
        this.haltBetweenBoardPeriods = haltBetweenBoardPeriods;
        this.boardStore = boardStore;
        this.changelog = changelog;
        this.erasures = erasures;
        this.gate = gate;
        this.parser = new EventParser(maxRecordBytes, maxFutureSkew.toMillis());
        this.limits = new BatchFolder.Limits(periodRules, maxLivePeriods, maxEntries);
        this.boards = boards;
        this.live = live;
        this.redis = redis;
        this.deadLetters = deadLetters;
        this.tracker = tracker;
        this.keeper = keeper;
        this.applied = Counter.builder("standings.events.applied").description("Valid score events applied")
                .register(registry);
        this.erased = Counter.builder("standings.events.erased")
                .description("Replayed events of an entity erased after they were first applied, skipped").register(registry);
        this.repliesLost = Counter.builder("standings.ingest.replies.lost")
                .description("Batches whose Redis reply was lost after the script ran, found applied on the retry")
                .register(registry);
        this.fences = Counter.builder("standings.ingest.fences")
                .description("Batches refused by Redis because another consumer had written their partition since")
                .register(registry);
        this.duplicates = Counter.builder("standings.events.duplicates")
                .description("Redelivered records skipped because their offset was already applied").register(registry);
        this.batchSize = DistributionSummary.builder("standings.ingest.batch.size").description("Records per poll batch")
                .register(registry);
        this.applyLatency = Timer.builder("standings.ingest.apply")
                .description("Time to apply one batch to the DLQ, Redis and memory").register(registry);
        // Kafka's record timestamp (CreateTime: the producer's clock, so only as good as the clocks agree)
        // of each batch's oldest new record, to the moment the batch is visible in memory.
        this.ingestLag = Timer.builder("standings.ingest.lag")
                .description("Record timestamp of a batch's oldest record to the batch applied in memory")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.preparedAheadUsed = Counter.builder("standings.ingest.prepared.ahead").tag("outcome", "used")
                .description("Batches parsed and folded while the previous batch was in Redis").register(registry);
        this.boardsFoundElsewhere = Counter.builder("standings.boards.found.stored")
                .description("Boards an event named that this instance did not know, found in PostgreSQL").register(registry);
        this.preparedAheadDiscarded = Counter.builder("standings.ingest.prepared.ahead").tag("outcome", "discarded")
                .description("Batches parsed and folded while the previous batch was in Redis").register(registry);
    }

    /** On shutdown a failing batch is not retried: it is left unapplied, and its offsets with it. */
    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        parsing.shutdown();
    }

    /**
     * One batch on its way: what was prepared for it, and its progress. {@code done} completes when the
     * batch is over (applied, or given up), after it released the gate.
     */
    private static final class InFlight {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        /** Completes when the batch's Redis script is sent (or the batch ends first): SmallRye may deliver the next. */
        final CompletableFuture<Void> sent = new CompletableFuture<>();
        /** What the batch writes, once prepared: the next batch's fold reads it until memory has it. */
        volatile Prepared prepared;
        /** The gate grant the batch ran under, and whether it ran exactly what it had prepared beforehand. */
        volatile long grant = -1;
        /** {@link SnapshotGate#replicaTurns()} when the batch was granted the gate. */
        volatile long replicaTurns;
        volatile boolean clean;
        /** Set when the batch was prepared and written again (after a Redis-loss recovery). */
        volatile boolean rewritten;
        /** Whether the batch was prepared ahead, while the previous one was in Redis. */
        volatile boolean speculated;
        /** Every record of the batch parsed, in {@link #parseAll} order. */
        volatile ParsedRecord[] parsed;
    }

    /** A batch parsed and folded, with its Redis script built, ready to be written. */
    private record Prepared(int records, int skipped, int valid, List<DeadLetter> rejected, BatchFolder.Folded folded,
            List<OffsetAdvance> offsets, RedisBatches.BatchWrite write, Map<String, Long> nextOffsets,
            long oldestTimestamp, Set<String> unknownBoards, Map<String, Board> boards, int erasedSkipped,
            List<PartitionStates> changelog) {
        List<ScoreChange> changes() {
            return folded.changes();
        }

        /** The offset the batch moves a board period to for a partition, or null when it does not write it. */
        Long writes(String boardPeriod, String field) {
            for (RedisBatches.SlotWrite s : write.slots()) {
                if (s.boardPeriod().equals(boardPeriod)) {
                    return s.offsets().get(field);
                }
            }
            return null;
        }
    }

    private InFlight last;

    /** How long a newly assigned partition may take to catch up through the changelog before memory is rebuilt. */
    private static final Duration CATCH_UP_WAIT = Duration.ofSeconds(2);

    /** How long a look-up of unknown boards may take, and how long look-ups pause after one failed. */
    private static final Duration BOARD_LOOKUP_WAIT = Duration.ofMillis(500);
    private static final long BOARD_LOOKUP_PAUSE_NANOS = Duration.ofSeconds(5).toNanos();
    private volatile long boardLookupsPausedUntil = System.nanoTime();

    /**
     * Takes one poll batch; the Uni completes once the batch's Redis write is on its way (or the batch is over),
     * when the next batch may be delivered.
     */
    public Uni<Void> consume(ConsumerRecords<byte[], byte[]> records) {
        InFlight previous = last;
        InFlight batch = new InFlight();
        last = batch;
        tracker.batchStarted(batch.done);
        io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
        // Parsing needs nothing but the records: it runs on its own thread, beside the event loop that folds and
        // applies the batches before this one, and once per batch however often the batch is prepared.
        parsed(records, context).subscribe().with(parsed -> {
            batch.parsed = parsed;
            proceed(records, previous, batch, context);
        }, failure -> {
            batch.sent.completeExceptionally(failure);
            batch.done.completeExceptionally(failure);
        });
        return Uni.createFrom().completionStage(batch.sent);
    }

    /** The batch's records parsed, in {@link #inOrder} order: on the parsing thread, back on the ingest's context. */
    private Uni<ParsedRecord[]> parsed(ConsumerRecords<byte[], byte[]> records, io.vertx.core.Context context) {
        if (context == null) {
            return Uni.createFrom().item(parseAll(records));
        }
        return Uni.createFrom().completionStage(CompletableFuture.supplyAsync(() -> parseAll(records), parsing))
                .emitOn(task -> context.runOnContext(v -> task.run()));
    }

    /** Every record of the batch parsed on its own; a parser defect sets that record aside, never the batch. */
    private ParsedRecord[] parseAll(ConsumerRecords<byte[], byte[]> records) {
        ParsedRecord[] parsed = new ParsedRecord[records.count()];
        int i = 0;
        for (TopicPartition tp : records.partitions()) {
            for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                ParsedRecord result;
                try {
                    result = parser.parse(record.key(), record.value(), record.timestamp());
                } catch (RuntimeException e) {
                    result = new ParsedRecord.Rejected(RejectReason.UNPROCESSABLE, "the record could not be parsed: " + e,
                            null);
                }
                parsed[i++] = result;
            }
        }
        return parsed;
    }

    private void proceed(ConsumerRecords<byte[], byte[]> records, InFlight previous, InFlight batch,
            io.vertx.core.Context context) {
        // Overlap: while the previous batch's script runs in Redis (it holds the gate until its changes are
        // in memory), this batch is folded on top of the previous batch's pending changes.
        // It is used only if, when this batch gets the gate, the previous batch held it last and applied
        // exactly what it had prepared; otherwise it is prepared again inside the gate.
        Prepared speculative = null;
        if (previous != null && !previous.done.isDone() && keeper.isReady() && !tracker.resuming()
                && !tracker.catchingUp()) {
            Prepared basis = previous.prepared;
            if (basis != null) {
                speculative = gate.outsideReplicaTurns(() -> prepare(records, batch.parsed, basis));
            }
        }
        Prepared ahead = speculative;
        batch.speculated = speculative != null;
        Uni<Void> afterPrevious = previous == null ? Uni.createFrom().voidItem()
                : Uni.createFrom().completionStage(previous.done);
        // Each batch holds the SnapshotGate, so a reconcile snapshot or a Redis-loss recovery sees
        // memory, Redis and offsets between two batches; a lost Redis is restored before the batch, and a
        // batch fenced because Redis lost its offsets is re-run after the recovery (it then skips or
        // applies each record against the checkpoint offsets).
        // A partition newly assigned here catches up through the changelog first (outside the gate, which the
        // changelog's application takes); one that cannot is rebuilt from Redis under the gate (keeper.beforeBatch).
        afterPrevious.chain(() -> caughtUp(context)).chain(() -> gate.run(() -> {
            long grant = gate.grants();
            long replicaTurns = gate.replicaTurns();
            batch.grant = grant;
            batch.replicaTurns = replicaTurns;
            // Usable if every grant since the previous batch's was a replica turn (none changed what this batch folds).
            boolean usable = ahead != null && previous.clean
                    && grant - previous.grant - 1 == replicaTurns - previous.replicaTurns;
            return keeper.ready()
                    .chain(() -> untilDone("state check", keeper::beforeBatch))
                    .map(replaced -> usable && !replaced)
                    .chain(stillUsable -> write(records, batch, stillUsable ? ahead : null)
                            .onFailure(FencedException.class).recoverWithUni(fenced -> {
                                batch.rewritten = true;
                                return untilDone("recovery after a fence", () -> afterFence((FencedException) fenced))
                                        .chain(() -> write(records, batch, null));
                            }));
        })).subscribe().with(ok -> {
            batch.sent.complete(null);
            batch.done.complete(null);
        }, failure -> {
            batch.clean = false;
            if (!stopping) {
                // Every fault of a server is waited out above; what reaches here is a defect. Nothing after this
                // batch is written (offsets stay where Redis has them): liveness turns DOWN, and a restart
                // resumes from the offsets in Redis.
                failed = failure;
                Log.errorf(failure, "An ingest batch failed; the ingest stops and liveness is DOWN until a restart");
            }
            batch.sent.completeExceptionally(failure);
            batch.done.completeExceptionally(failure);
        });
    }

    /** {@link PartitionTracker#awaitCaughtUp}, continuing on the ingest's context (not the changelog's thread). */
    private Uni<Void> caughtUp(io.vertx.core.Context context) {
        if (!tracker.catchingUp()) {
            return Uni.createFrom().voidItem();
        }
        Uni<Void> waited = tracker.awaitCaughtUp(CATCH_UP_WAIT);
        return context == null ? waited : waited.emitOn(task -> context.runOnContext(v -> task.run()));
    }

    /**
     * Runs {@code step} until it succeeds: a server that is away (Redis, PostgreSQL) is waited for with back-off,
     * the batch holding the gate meanwhile, so the stream pauses instead of stopping. Not on shutdown.
     */
    private <T> Uni<T> untilDone(String what, java.util.function.Supplier<Uni<? extends T>> step) {
        return Uni.createFrom().<T>deferred(step)
                .onFailure(e -> !stopping && !(e instanceof FencedException))
                .invoke(e -> Log.warnf("Ingest waits: %s failed, retrying: %s", what, e.getMessage()))
                .onFailure(e -> !stopping && !(e instanceof FencedException)).retry()
                .withBackOff(Duration.ofMillis(100), Duration.ofSeconds(5)).indefinitely();
    }

    /** Why the batch's Redis write fails while it is retried, or null when the last attempt succeeded (health). */
    public String redisWriteFailure() {
        return redisWriteFailure;
    }

    /** The defect that stopped the ingest, or null while it runs (liveness). */
    public Throwable failure() {
        return failed;
    }

    /**
     * Parses and folds a batch: the records not yet applied, against memory, or on top of {@code pending}
     * (the previous batch, whose changes and offsets may not be in memory yet). Touches no shared state but
     * auto-created boards.
     */
    private Prepared prepare(ConsumerRecords<byte[], byte[]> records, ParsedRecord[] parsedRecords, Prepared pending) {
        List<ScoreEvent> events = new ArrayList<>(records.count());
        List<ConsumerRecord<byte[], byte[]>> sources = new ArrayList<>(records.count());
        List<DeadLetter> rejected = new ArrayList<>();
        List<OffsetAdvance> offsets = new ArrayList<>(records.partitions().size());
        Map<String, Long> nextOffsets = new HashMap<>();
        Set<String> unknownBoards = new HashSet<>();
        Map<String, Board> batchBoards = new HashMap<>();
        // Whether a board period may already hold some of these records (a batch cut off between two board
        // periods' writes is replayed: each board period skips what it holds); checked once per partition.
        boolean someHeld = false;
        SlotOffsets slots = tracker.slotOffsets();
        int skipped = 0;
        int erasedSkipped = 0;
        int position = 0;
        long oldestTimestamp = Long.MAX_VALUE;
        for (TopicPartition tp : records.partitions()) {
            String field = BoardPeriods.partition(tp.topic(), tp.partition());
            Long pendingOffset = pending == null ? null : pending.nextOffsets().get(field);
            Long before = pendingOffset != null ? pendingOffset : tracker.lastApplied(tp.topic(), tp.partition());
            someHeld |= slots.mayHold(field, before == null ? 0 : before + 1);
            long last = -1;
            for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                ParsedRecord parsedRecord = parsedRecords[position++];
                if (!tracker.isNew(tp, field, record.offset()) || (before != null && record.offset() <= before)) {
                    skipped++;
                    continue;
                }
                last = record.offset();
                if (record.timestamp() > 0) {
                    oldestTimestamp = Math.min(oldestTimestamp, record.timestamp());
                }
                ParsedRecord parsed = validateAgainstBoard(parsedRecord, unknownBoards, batchBoards);
                if (parsed instanceof ParsedRecord.Valid valid) {
                    if (!erasures.isEmpty() && erasures.covers(valid.event().entity(), field, record.offset())) {
                        erasedSkipped++; // applied once, then erased: a replay must not bring it back
                        continue;
                    }
                    events.add(valid.event());
                    sources.add(record);
                } else if (parsed instanceof ParsedRecord.Rejected bad) {
                    rejected.add(new DeadLetter(record, bad));
                }
            }
            if (last >= 0) {
                offsets.add(new OffsetAdvance(tp.topic(), tp.partition(), before, last));
                nextOffsets.put(field, last);
            }
        }
        LiveState state = live;
        if (pending != null) {
            PendingState overlay = new PendingState(live, pending.folded());
            if (!overlay.isEmpty()) {
                state = overlay;
            }
        }
        int[] held = new int[1];
        BatchFolder.Held alreadyHeld = !someHeld ? null : (i, bp) -> {
            ConsumerRecord<byte[], byte[]> source = sources.get(i);
            boolean holds = slots.holds(bp, BoardPeriods.partition(source.topic(), source.partition()), source.offset());
            if (holds) {
                held[0]++;
            }
            return holds;
        };
        BatchFolder.Folded folded = BatchFolder.fold(events, batchBoards::get, state,
                limits, System.currentTimeMillis(), alreadyHeld);
        skipped += held[0];
        for (BatchFolder.Rejection r : folded.rejected()) {
            ScoreEvent event = events.get(r.event());
            rejected.add(new DeadLetter(sources.get(r.event()), new ParsedRecord.Rejected(r.reason(), r.detail(), event.id())));
        }
        if (Log.isDebugEnabled()) {
            rejected.forEach(d -> Log.debugf("Dead-lettering %s-%d@%d: %s (%s)", d.record().topic(), d.record().partition(),
                    d.record().offset(), d.rejection().reason().code(), d.rejection().detail()));
        }
        // A change's state goes to the changelog partition of the last record it took.
        Map<Integer, List<ScoreChange>> statesOf = new HashMap<>();
        List<ScoreChange> changes = folded.changes();
        for (int i = 0; i < changes.size(); i++) {
            int partition = sources.get(folded.lastEvents()[i]).partition();
            statesOf.computeIfAbsent(partition, k -> new ArrayList<>()).add(changes.get(i));
        }
        List<PartitionStates> changelog = new ArrayList<>(offsets.size());
        Map<String, LastBatch> lastBatches = new HashMap<>();
        for (OffsetAdvance o : offsets) {
            List<ScoreChange> states = statesOf.getOrDefault(o.partition(), List.of());
            changelog.add(new PartitionStates(o.partition(), o.next(), states));
            List<LastBatch.Changed> changed = new ArrayList<>(states.size());
            for (ScoreChange c : states) {
                changed.add(new LastBatch.Changed(BoardPeriods.boardPeriod(c.board(), c.period()), c.entity()));
            }
            lastBatches.put(o.field(), new LastBatch(o.next(), changed));
        }
        RedisBatches.BatchWrite write = redis.prepare(folded.changes(), offsets, id -> batchBoards.get(id).order(),
                lastBatches, (bp, field) -> {
                    Long ahead = pending == null ? null : pending.writes(bp, field);
                    return ahead != null ? ahead : slots.get(bp, field);
                });
        return new Prepared(records.count(), skipped, events.size() - folded.rejected().size(), rejected, folded, offsets,
                write, nextOffsets, oldestTimestamp, unknownBoards, batchBoards, erasedSkipped, changelog);
    }

    /**
     * What a fenced batch does before it is written again. The stored offset says what happened: missing or
     * behind what this batch continues from, Redis lost part of its state (an evicted key, a failover that
     * lost a tail) and is restored from the checkpoint; ahead of it, another consumer wrote the partition
     * (this instance lost it without noticing, or took it over from one that did), and memory re-syncs with
     * Redis. Either way nothing is lost or counted twice: the batch is prepared again against the new state.
     */
    private Uni<Void> afterFence(FencedException fenced) {
        fences.increment();
        return keeper.afterFence(fenced.lostState(), fenced.getMessage());
    }

    /**
     * Writes a batch while holding the gate: dead letters, then the one Redis script, then memory. Uses
     * {@code ahead} when it was prepared on exactly the state the gate hands over, else prepares now.
     */
    private Uni<Void> write(ConsumerRecords<byte[], byte[]> records, InFlight batch, Prepared ahead) {
        long started = System.nanoTime();
        Prepared first = ahead != null ? ahead : prepare(records, batch.parsed, null);
        return boardsStoredElsewhere(first.unknownBoards()).chain(found -> {
            // A board another instance created since the last refresh: its events are prepared again, now valid.
            Prepared p = found ? prepare(records, batch.parsed, null) : first;
            return write(p, batch, p == ahead, started);
        });
    }

    private Uni<Void> write(Prepared p, InFlight batch, boolean usedAhead, long started) {
        batch.prepared = p;
        io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
        return persistAutoCreated()
                .chain(() -> deadLetters.publish(p.rejected()))
                .chain(() -> Uni.createFrom().deferred(() -> {
                    // SmallRye may deliver the next batch once this script is on its way (not before this task ends).
                    if (context != null) {
                        context.runOnContext(v -> batch.sent.complete(null));
                    }
                    return haltBetweenBoardPeriodsIfAsked(p.write()).chain(() -> redis.apply(p.write()));
                })
                        .invoke(() -> redisWriteFailure = null)
                        .onFailure(e -> !stopping).invoke(e -> {
                            redisWriteFailure = String.valueOf(e.getMessage());
                            Log.warnf("Redis write failed, retrying: %s", e.getMessage());
                        })
                        .onFailure(e -> !stopping).retry().withBackOff(Duration.ofMillis(100), Duration.ofSeconds(5))
                        .indefinitely())
                .map(result -> {
                    if (!result.applied()) {
                        throw new FencedException(result.boardPeriod(), result.fencedField(), result.storedOffset(),
                                result.expected());
                    }
                    for (RedisBatches.SlotWrite slot : p.write().slots()) {
                        tracker.slotOffsets().written(slot.boardPeriod(), slot.offsets());
                    }
                    // Counted for the attempt that is applied only: a fenced attempt is prepared and written again.
                    if (usedAhead) {
                        preparedAheadUsed.increment();
                    } else if (batch.speculated) {
                        preparedAheadDiscarded.increment();
                    }
                    duplicates.increment(p.skipped());
                    batchSize.record(p.records());
                    if (result.alreadyApplied()) {
                        repliesLost.increment();
                        Log.infof("A batch's Redis reply was lost after its script ran; found applied on the retry");
                    }
                    erased.increment(p.erasedSkipped());
                    live.apply(p.changes(), id -> p.boards().get(id).order());
                    tracker.advanced(p.offsets());
                    live.advance(tracker.appliedRecords());
                    applied.increment(p.valid());
                    applyLatency.record(Duration.ofNanos(System.nanoTime() - started));
                    if (p.oldestTimestamp() != Long.MAX_VALUE) {
                        ingestLag.record(Math.max(0, System.currentTimeMillis() - p.oldestTimestamp()), TimeUnit.MILLISECONDS);
                    }
                    batch.clean = !batch.rewritten;
                    return null;
                })
                // Every replica gets the batch's states before the next batch is written: so at most the last
                // batch of a partition can be in Redis and not in the changelog, and a new owner republishes it.
                .invoke(() -> haltBeforeChangelogIfAsked(p))
                .chain(() -> untilDone("changelog publish", () -> changelog.publish(p.changelog())));
    }

    /**
     * Fault injection for the crash tests ({@code standings.fault.halt-before-changelog-entity}, off by default): the
     * process halts, as a kill -9 would stop it, right after a batch that changed this entity reached Redis and
     * memory, before it reaches the changelog — the one gap the next owner's republish must close.
     */
    private void haltBeforeChangelogIfAsked(Prepared p) {
        if (haltBeforeChangelogEntity.isEmpty()) {
            return;
        }
        for (ScoreChange c : p.changes()) {
            if (c.entity().equals(haltBeforeChangelogEntity.get())) {
                Log.warnf("Fault injection: halting after a batch that changed '%s' reached Redis, before its changelog"
                        + " write", c.entity());
                Runtime.getRuntime().halt(137);
            }
        }
    }

    /**
     * Fault injection for the crash tests ({@code standings.fault.halt-between-board-periods}, a board id; off by
     * default): a batch that writes several board periods, one of them of that board, has its first board period
     * written alone, and the process halts, as a kill -9 would stop it, before the others: the cut the replay must
     * complete, each board period exactly once.
     */
    private Uni<Void> haltBetweenBoardPeriodsIfAsked(RedisBatches.BatchWrite write) {
        if (haltBetweenBoardPeriods.isEmpty() || write.slots().size() < 2 || write.slots().stream()
                .noneMatch(s -> BoardPeriods.isPeriodOf(s.boardPeriod(), haltBetweenBoardPeriods.get()))) {
            return Uni.createFrom().voidItem();
        }
        RedisBatches.SlotWrite first = write.slots().get(0);
        return redis.apply(new RedisBatches.BatchWrite(List.of(first), List.of())).invoke(() -> {
            Log.warnf("Fault injection: halting after board period %s of a batch, before %s", first.boardPeriod(),
                    write.slots().subList(1, write.slots().size()).stream().map(RedisBatches.SlotWrite::boardPeriod).toList());
            Runtime.getRuntime().halt(137);
        }).replaceWithVoid();
    }

    /** Stores the boards auto-created by this batch's events before their scores are written. */
    private Uni<Void> persistAutoCreated() {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Board b : boards.autoCreated()) {
            chain = chain.chain(() -> boardStore.insertIfAbsent(b)).invoke(() -> boards.stored(b)).replaceWithVoid();
        }
        return chain;
    }

    /**
     * Looks the boards this instance does not know (or auto-created here and has not stored yet) up in PostgreSQL,
     * where an instance that created one stored it before it answered: those found join the registry (replacing a
     * local auto-created default), so their events are applied as that board says instead of dead-lettered. True
     * when any was found. One query per batch that names such boards, waited for at most
     * {@link #BOARD_LOOKUP_WAIT}; when PostgreSQL does not answer, look-ups pause for a few seconds and those
     * events are dead-lettered as unknown_board meanwhile, so the stream never waits on PostgreSQL for long.
     */
    private Uni<Boolean> boardsStoredElsewhere(Set<String> unknown) {
        if (unknown.isEmpty() || System.nanoTime() - boardLookupsPausedUntil < 0) {
            return Uni.createFrom().item(false);
        }
        return Uni.createFrom().deferred(() -> boardStore.findByIds(unknown))
                .ifNoItem().after(BOARD_LOOKUP_WAIT).fail()
                .map(found -> {
                    boards.learned(found);
                    if (!found.isEmpty()) {
                        boardsFoundElsewhere.increment(found.size());
                    }
                    return !found.isEmpty();
                })
                .onFailure().recoverWithItem(e -> {
                    boardLookupsPausedUntil = System.nanoTime() + BOARD_LOOKUP_PAUSE_NANOS;
                    Log.warnf("Could not look up %d unknown boards (e.g. %s) in PostgreSQL: %s; their events are"
                            + " dead-lettered as unknown_board, and look-ups pause for 5 s", unknown.size(),
                            unknown.stream().limit(3).toList(), e.getMessage());
                    return false;
                });
    }

    /** Checks what only the board can tell: that it exists, and that a decaying board gets positive values. */
    private ParsedRecord validateAgainstBoard(ParsedRecord parsed, Set<String> unknownBoards,
            Map<String, Board> batchBoards) {
        if (!(parsed instanceof ParsedRecord.Valid valid)) {
            return parsed;
        }
        ScoreEvent event = valid.event();
        Board board = boards.findOrCreate(event.board()).orElse(null);
        if (board == null || boards.isAutoCreated(board.id())) {
            unknownBoards.add(event.board());
        }
        if (board == null) {
            return boards.autoCreateAtLimit()
                    ? new ParsedRecord.Rejected(RejectReason.BOARD_LIMIT, "board '" + event.board()
                            + "' does not exist and auto-creation stops at standings.boards.max-boards", event.id())
                    : new ParsedRecord.Rejected(RejectReason.UNKNOWN_BOARD, "board '" + event.board() + "' does not exist",
                            event.id());
        }
        // The batch keeps the definition it validated against, whatever a concurrent refresh does meanwhile.
        Board resolved = board;
        board = batchBoards.computeIfAbsent(resolved.id(), k -> resolved);
        Operation op = event.op() != null ? event.op() : board.operator();
        if (board.decay() != null && op != Operation.REMOVE && !(event.value() > 0)) {
            return new ParsedRecord.Rejected(RejectReason.INVALID_VALUE,
                    "board '" + board.id() + "' decays: its values must be positive", event.id());
        }
        return parsed;
    }


    /**
     * Redis refused a board period's write: the offset it holds for a partition is not the one the batch continues
     * from. Nothing of that board period was written (others of the batch may have been: the replay skips them).
     */
    static final class FencedException extends IllegalStateException {
        private final boolean lostState;

        FencedException(String boardPeriod, String field, String stored, Long expected) {
            super(describe(boardPeriod, field, stored, expected));
            this.lostState = lostState(stored, expected);
        }

        /** Missing or behind: Redis lost state. Ahead (or present where none was expected): another writer. */
        static boolean lostState(String stored, Long expected) {
            if (stored == null || stored.isEmpty()) {
                return expected != null;
            }
            return expected != null && Long.parseLong(stored) < expected;
        }

        boolean lostState() {
            return lostState;
        }

        private static String describe(String boardPeriod, String field, String stored, Long expected) {
            return "Fenced: board period " + boardPeriod + " holds partition " + field + " at offset " + (stored == null || stored.isEmpty() ? "none" : stored)
                    + " in Redis, the batch continues from " + (expected == null ? "none" : expected)
                    + (lostState(stored, expected) ? " (Redis lost it)" : " (another consumer wrote it)");
        }
    }
}
