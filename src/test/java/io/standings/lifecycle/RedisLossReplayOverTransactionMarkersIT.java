package io.standings.lifecycle;

import io.standings.state.BoardPeriods;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.standings.core.index.Order;
import io.standings.state.LiveBoards;
import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.RealServices;
import io.standings.testing.ReferenceBoard;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Invariant 3 when the replay does not start on a record: the board's events come from a <em>transactional</em>
 * producer, so every committed transaction leaves a commit marker after its records in each partition it wrote.
 * A reconciliation writes the checkpoint once everything is applied, so the offset after each partition's
 * checkpoint offset is a marker (checked: the log end is exactly checkpoint + 2). More transactions follow, then
 * this run's Redis keys are flushed: the recovery seeks to checkpoint + 1, where Kafka delivers no record, and the
 * first record it does deliver must be accepted (a resume that waited for exactly checkpoint + 1 would stall the
 * partition forever). Afterwards memory, Redis and PostgreSQL equal the reference: nothing lost, nothing counted
 * twice. Committed transactions only: the ingest consumer reads with Kafka's default isolation.level
 * (read_uncommitted), so the records of an aborted transaction would be applied (docs/architecture.md).
 */
@QuarkusTest
@TestProfile(ManualReconcileProfile.class)
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class RedisLossReplayOverTransactionMarkersIT {

    private static final String BOARD = "txn";
    private static final long BASE = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();

    TestRun run;

    @Inject
    RedisRecovery recovery;

    @Inject
    Reconciler reconciler;

    @Inject
    LiveBoards live;

    private final ReferenceBoard reference = new ReferenceBoard(Order.DESC);
    /** Last data record per partition ("topic/partition" → offset): what Redis's offsets hash must end at. */
    private final Map<String, Long> lastData = new HashMap<>();
    private int sequence;

    @Test
    void aRedisLossReplayStartingOnATransactionMarkerLosesNothingCountsNothingTwiceAndNothingAborted() throws Exception {
        TestRun.putBoard(BOARD, "{\"order\":\"desc\",\"ties\":\"competition\",\"operator\":\"incr\"}");
        long seed = System.nanoTime();
        System.out.println("[txn-marker-test] seed " + seed);
        Random random = new Random(seed);
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer()) {
            producer.initTransactions();
            for (int t = 0; t < 8; t++) {
                commitTransaction(producer, random, 60);
            }
            LiveStateAssertions.awaitOffsets(run, lastData, Duration.ofSeconds(60));
            Reconciler.RunReport first = reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
            assertThat(first.offsets()).as("the checkpoint's offsets").isEqualTo(lastData);
            Map<String, Long> checkpoint = Map.copyOf(lastData);
            // The record after every checkpoint offset is a commit marker: the log ends right after it.
            Map<TopicPartition, Long> ends = endOffsets();
            checkpoint.forEach((field, offset) -> assertThat(ends.get(partitionOf(field)))
                    .as("log end of %s (checkpoint + marker)", field).isEqualTo(offset + 2));

            for (int t = 0; t < 8; t++) {
                commitTransaction(producer, random, 60);
                abortTransaction(producer, random, 30); // read_committed: never applied, first time or replayed
            }
            LiveStateAssertions.awaitOffsets(run, lastData, Duration.ofSeconds(60));
            long recoveries = recovery.recoveries();
            run.flushRedis();
            System.out.printf("[txn-marker-test] flushed after %d events; checkpoint %s%n", sequence, checkpoint);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> recovery.recoveries() > recoveries);

            // The replay reaches the end of every partition, and the stream goes on after it.
            LiveStateAssertions.awaitOffsets(run, lastData, Duration.ofSeconds(60));
            for (int t = 0; t < 4; t++) {
                commitTransaction(producer, random, 60);
            }
        }
        LiveStateAssertions.awaitOffsets(run, lastData, Duration.ofSeconds(60));
        LiveStateAssertions.assertRedisEquals(run, BOARD, Order.DESC, reference);
        LiveStateAssertions.assertMemoryEquals(live, BOARD, reference);
        Reconciler.RunReport report = reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(report.driftFound()).isZero();
        assertThat(report.offsets()).isEqualTo(lastData);
        LiveStateAssertions.assertPostgresRankingEquals(run, BOARD, "all", reference);
        System.out.printf("[txn-marker-test] %d events in transactions, %d entities: exact%n", sequence, reference.size());
    }

    /** Sends {@code n} incr events in one transaction and commits it; the reference takes them once committed. */
    private void commitTransaction(KafkaProducer<byte[], byte[]> producer, Random random, int n) throws Exception {
        producer.beginTransaction();
        List<Future<RecordMetadata>> sent = new ArrayList<>(n);
        List<Object[]> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String entity = "p" + IncrementStream.zipf(random, 150);
            int value = 1 + random.nextInt(5);
            long ts = BASE + sequence++;
            events.add(new Object[] {entity, value, ts});
            String json = "{\"board\":\"" + BOARD + "\",\"entity\":\"" + entity + "\",\"op\":\"incr\",\"value\":" + value
                    + ",\"ts\":\"" + Instant.ofEpochMilli(ts) + "\"}";
            sent.add(producer.send(new ProducerRecord<>(run.topic(), (BOARD + "/" + entity).getBytes(StandardCharsets.UTF_8),
                    json.getBytes(StandardCharsets.UTF_8))));
        }
        producer.commitTransaction();
        for (Future<RecordMetadata> f : sent) {
            RecordMetadata m = f.get();
            lastData.merge(BoardPeriods.partition(m.topic(), m.partition()), m.offset(), Math::max);
        }
        for (Object[] e : events) {
            reference.incr((String) e[0], (Integer) e[1], (Long) e[2]);
        }
    }

    /** Sends {@code n} incr events in one transaction and aborts it: none of them may count. */
    private void abortTransaction(KafkaProducer<byte[], byte[]> producer, Random random, int n) throws Exception {
        producer.beginTransaction();
        for (int i = 0; i < n; i++) {
            String entity = "p" + IncrementStream.zipf(random, 150);
            String json = "{\"board\":\"" + BOARD + "\",\"entity\":\"" + entity + "\",\"op\":\"incr\",\"value\":1000}";
            producer.send(new ProducerRecord<>(run.topic(), (BOARD + "/" + entity).getBytes(StandardCharsets.UTF_8),
                    json.getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
        producer.abortTransaction();
    }

    private KafkaProducer<byte[], byte[]> transactionalProducer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, run.servers().kafkaBootstrap(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-txn-" + UUID.randomUUID(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private TopicPartition partitionOf(String field) {
        int slash = field.lastIndexOf('/');
        return new TopicPartition(field.substring(0, slash), Integer.parseInt(field.substring(slash + 1)));
    }

    private Map<TopicPartition, Long> endOffsets() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, run.servers().kafkaBootstrap(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            c.partitionsFor(run.topic()).forEach(p -> partitions.add(new TopicPartition(run.topic(), p.partition())));
            return c.endOffsets(partitions);
        }
    }
}
