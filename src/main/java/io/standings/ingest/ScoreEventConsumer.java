package io.standings.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.standings.board.Board;
import io.standings.board.BoardRegistry;
import io.standings.board.Operation;
import io.standings.ingest.DeadLetterPublisher.DeadLetter;
import io.standings.live.LiveBoards;
import io.standings.live.OffsetAdvance;
import io.standings.live.RedisKeys;
import io.standings.live.RedisScoreStore;
import io.standings.live.SnapshotGate;
import io.standings.reconcile.RedisRecovery;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The ingest pipeline, one Kafka poll batch at a time, in partition order:
 *
 * <ol>
 *   <li>skip records at or below the partition's last applied offset (redeliveries);</li>
 *   <li>parse and validate every record on its own; bad ones become dead letters (never the batch);</li>
 *   <li>fold the valid events into one net change per (board, period, entity);</li>
 *   <li>park the dead letters on the DLQ topic (before the offsets move past them);</li>
 *   <li>write the changes and the new partition offsets to Redis in one atomic script, fenced on the
 *       offsets the batch continues from (retried with back-off while Redis is away: the stream waits,
 *       it never skips);</li>
 *   <li>apply the changes to the in-memory index, which serves every read.</li>
 * </ol>
 *
 * SmallRye delivers the next batch only after this one's Uni completes, so batches never overlap.
 * Kafka's own committed offsets are not used: Redis holds the offsets, in the same write as the scores.
 */
@ApplicationScoped
public class ScoreEventConsumer {

    private final EventParser parser;
    private final BoardRegistry boards;
    private final LiveBoards live;
    private final RedisScoreStore redis;
    private final DeadLetterPublisher deadLetters;
    private final PartitionTracker tracker;
    private final IngestStartup startup;
    private final SnapshotGate gate;
    private final RedisRecovery recovery;
    private final Counter applied;
    private final Counter duplicates;
    private final DistributionSummary batchSize;
    private final Timer applyLatency;
    private volatile boolean stopping;

    public ScoreEventConsumer(BoardRegistry boards, LiveBoards live, RedisScoreStore redis,
            DeadLetterPublisher deadLetters, PartitionTracker tracker, IngestStartup startup, MeterRegistry registry,
            @ConfigProperty(name = "standings.ingest.max-record-bytes") int maxRecordBytes, SnapshotGate gate,
            RedisRecovery recovery) {
        this.gate = gate;
        this.recovery = recovery;
        this.parser = new EventParser(maxRecordBytes);
        this.boards = boards;
        this.live = live;
        this.redis = redis;
        this.deadLetters = deadLetters;
        this.tracker = tracker;
        this.startup = startup;
        this.applied = Counter.builder("standings.events.applied").description("Valid score events applied")
                .register(registry);
        this.duplicates = Counter.builder("standings.events.duplicates")
                .description("Redelivered records skipped because their offset was already applied").register(registry);
        this.batchSize = DistributionSummary.builder("standings.ingest.batch.size").description("Records per poll batch")
                .register(registry);
        this.applyLatency = Timer.builder("standings.ingest.apply")
                .description("Time to apply one batch to the DLQ, Redis and memory").register(registry);
    }

    /** On shutdown a failing batch is not retried: it is left unapplied, and its offsets with it. */
    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    @Incoming("score-events")
    public Uni<Void> consume(ConsumerRecords<byte[], byte[]> records) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        tracker.batchStarted(done);
        // Issue 6: each batch holds the SnapshotGate, so a reconcile snapshot or a Redis-loss recovery sees
        // memory, Redis and offsets between two batches; a lost Redis is restored before the batch, and a
        // batch fenced because Redis lost its offsets is re-run after the recovery (it then skips or
        // applies each record against the checkpoint offsets).
        return gate.run(() -> startup.ready()
                .chain(startup::rebuildIfNeeded)
                .chain(recovery::recoverIfLost)
                .chain(() -> process(records).onFailure(FencedException.class).recoverWithUni(fenced -> recovery
                        .recoverIfLost().chain(recovered -> recovered ? process(records) : Uni.createFrom().failure(fenced)))))
                .onTermination().invoke(() -> done.complete(null));
    }

    private Uni<Void> process(ConsumerRecords<byte[], byte[]> records) {
        long started = System.nanoTime();
        List<ScoreEvent> events = new ArrayList<>(records.count());
        List<DeadLetter> rejected = new ArrayList<>();
        Map<TopicPartition, OffsetAdvance> advances = new LinkedHashMap<>();
        int skipped = 0;
        for (TopicPartition tp : records.partitions()) {
            String field = RedisKeys.offsetField(tp.topic(), tp.partition());
            Long before = tracker.lastApplied(tp.topic(), tp.partition());
            long last = -1;
            for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                if (!tracker.isNew(tp, field, record.offset())) {
                    skipped++;
                    continue;
                }
                last = record.offset();
                ParsedRecord parsed = validateAgainstBoard(parser.parse(record.key(), record.value(), record.timestamp()));
                if (parsed instanceof ParsedRecord.Valid valid) {
                    events.add(valid.event());
                } else if (parsed instanceof ParsedRecord.Rejected bad) {
                    rejected.add(new DeadLetter(record, bad));
                    Log.debugf("Dead-lettering %s-%d@%d: %s (%s)", record.topic(), record.partition(), record.offset(),
                            bad.reason().code(), bad.detail());
                }
            }
            if (last >= 0) {
                advances.put(tp, new OffsetAdvance(tp.topic(), tp.partition(), before, last));
            }
        }
        duplicates.increment(skipped);
        batchSize.record(records.count());
        Map<String, Board> batchBoards = new java.util.HashMap<>();
        List<ScoreChange> changes = BatchFolder.fold(events, id -> batchBoards.computeIfAbsent(id, this::board), live::current);
        List<OffsetAdvance> offsets = List.copyOf(advances.values());
        return boards.persistAutoCreated()
                .chain(() -> deadLetters.publish(rejected))
                .chain(() -> redis.apply(changes, offsets, id -> board(id).order())
                        .onFailure(e -> !stopping).invoke(e -> Log.warnf("Redis write failed, retrying: %s", e.getMessage()))
                        .onFailure(e -> !stopping).retry().withBackOff(Duration.ofMillis(100), Duration.ofSeconds(5))
                        .indefinitely())
                .map(result -> {
                    if (!result.applied()) {
                        throw new FencedException(result.fencedField(), result.storedOffset());
                    }
                    live.apply(changes, id -> board(id).order());
                    tracker.advanced(offsets);
                    live.advance(tracker.appliedRecords());
                    applied.increment(events.size());
                    applyLatency.record(Duration.ofNanos(System.nanoTime() - started));
                    return null;
                });
    }

    /** Checks what only the board can tell: that it exists, and that a decaying board gets positive values. */
    private ParsedRecord validateAgainstBoard(ParsedRecord parsed) {
        if (!(parsed instanceof ParsedRecord.Valid valid)) {
            return parsed;
        }
        ScoreEvent event = valid.event();
        Board board = boards.findOrCreate(event.board()).orElse(null);
        if (board == null) {
            return new ParsedRecord.Rejected(RejectReason.UNKNOWN_BOARD, "board '" + event.board() + "' does not exist",
                    event.id());
        }
        Operation op = event.op() != null ? event.op() : board.operator();
        if (board.decay() != null && op != Operation.REMOVE && !(event.value() > 0)) {
            return new ParsedRecord.Rejected(RejectReason.INVALID_VALUE,
                    "board '" + board.id() + "' decays: its values must be positive", event.id());
        }
        return parsed;
    }

    private Board board(String id) {
        return boards.find(id).orElseThrow();
    }

    /**
     * Another consumer has written a partition this instance was applying: it lost the partition without
     * noticing (a zombie). Nothing was written; failing the channel stops this instance's ingest, its
     * health turns DOWN, and a restart resumes from the offsets in Redis.
     */
    static final class FencedException extends IllegalStateException {
        FencedException(String field, String stored) {
            super("Fenced: partition " + field + " was advanced to offset " + stored + " by another consumer");
        }
    }
}
