package io.standings.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.standings.board.Board;
import io.standings.board.BoardRegistry;
import io.standings.ingest.DeadLetterPublisher.DeadLetter;
import io.standings.live.LiveBoards;
import io.standings.live.RedisScoreStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The ingest pipeline, one Kafka poll batch at a time, in partition order:
 *
 * <ol>
 *   <li>parse and validate every record on its own; bad ones become dead letters (never the batch);</li>
 *   <li>fold the valid events into one net change per (board, entity);</li>
 *   <li>write the changes to Redis in one transaction (retried with back-off while Redis is away:
 *       the stream waits rather than skips);</li>
 *   <li>apply them to the in-memory index, which serves every read;</li>
 *   <li>park the dead letters on the DLQ topic;</li>
 *   <li>complete, which lets the connector commit the batch's offsets.</li>
 * </ol>
 *
 * SmallRye delivers the next batch only after this one's Uni completes, so batches never overlap.
 */
@ApplicationScoped
public class ScoreEventConsumer {

    private final EventParser parser;
    private final BoardRegistry boards;
    private final LiveBoards live;
    private final RedisScoreStore redis;
    private final DeadLetterPublisher deadLetters;
    private final Counter applied;
    private final DistributionSummary batchSize;
    private final Timer applyLatency;

    public ScoreEventConsumer(BoardRegistry boards, LiveBoards live, RedisScoreStore redis,
            DeadLetterPublisher deadLetters, MeterRegistry registry,
            @ConfigProperty(name = "standings.ingest.max-record-bytes") int maxRecordBytes) {
        this.parser = new EventParser(maxRecordBytes);
        this.boards = boards;
        this.live = live;
        this.redis = redis;
        this.deadLetters = deadLetters;
        this.applied = Counter.builder("standings.events.applied").description("Valid score events applied").register(registry);
        this.batchSize = DistributionSummary.builder("standings.ingest.batch.size").description("Records per poll batch")
                .register(registry);
        this.applyLatency = Timer.builder("standings.ingest.apply").description("Time to apply one batch to Redis and memory")
                .register(registry);
    }

    @Incoming("score-events")
    public Uni<Void> consume(ConsumerRecords<byte[], byte[]> records) {
        long started = System.nanoTime();
        List<ScoreEvent> events = new ArrayList<>(records.count());
        List<DeadLetter> rejected = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            ParsedRecord parsed = parser.parse(record.key(), record.value(), record.timestamp());
            if (parsed instanceof ParsedRecord.Valid valid && boards.findOrCreate(valid.event().board()).isEmpty()) {
                parsed = new ParsedRecord.Rejected(RejectReason.UNKNOWN_BOARD,
                        "board '" + valid.event().board() + "' does not exist", valid.event().id());
            }
            if (parsed instanceof ParsedRecord.Valid valid) {
                events.add(valid.event());
            } else if (parsed instanceof ParsedRecord.Rejected bad) {
                rejected.add(new DeadLetter(record, bad));
                Log.debugf("Dead-lettering %s-%d@%d: %s (%s)", record.topic(), record.partition(), record.offset(),
                        bad.reason().code(), bad.detail());
            }
        }
        batchSize.record(records.count());
        List<ScoreChange> changes = BatchFolder.fold(events, this::board, live::current);
        return redis.apply(changes)
                .onFailure().invoke(e -> Log.warnf("Redis write failed, retrying: %s", e.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofMillis(100), Duration.ofSeconds(5)).indefinitely()
                .invoke(() -> live.apply(changes, id -> board(id).order()))
                .invoke(() -> live.advance(records.count()))
                .chain(() -> deadLetters.publish(rejected))
                .invoke(() -> {
                    applied.increment(events.size());
                    applyLatency.record(Duration.ofNanos(System.nanoTime() - started));
                });
    }

    private Board board(String id) {
        return boards.find(id).orElseThrow();
    }
}
