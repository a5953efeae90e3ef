package io.standings.lifecycle;

import io.standings.state.BoardPeriods;
import static io.restassured.RestAssured.given;
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
import io.standings.testing.Prometheus;
import io.standings.testing.RealServices;
import io.standings.testing.ReferenceBoard;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Invariant 3 where Kafka itself lost data: after a checkpoint, more events are applied, then the head of every
 * partition is deleted ({@code Admin.deleteRecords}, what retention does) up to an offset beyond the checkpoint,
 * and this run's Redis keys are flushed. The recovery restores the checkpoint and cannot replay the deleted records
 * after it: the loss must be loud and exact ({@code standings_replay_records_lost_total} = the number of deleted
 * records the checkpoint did not hold), the ingest must go on, and the state must equal the reference minus the
 * effect of exactly those records, in memory, Redis and PostgreSQL.
 */
@QuarkusTest
@TestProfile(ManualReconcileProfile.class)
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class ReplayRecordsDeletedBeforeRecoveryIT {

    private static final String BOARD = "gone";
    private static final long BASE = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();

    TestRun run;

    @Inject
    RedisRecovery recovery;

    @Inject
    Reconciler reconciler;

    @Inject
    LiveBoards live;

    /** One produced event and where it landed. */
    private record Event(String entity, int value, long ts, int partition, long offset) {
    }

    private final List<Event> events = new ArrayList<>();
    private int sequence;

    @Test
    void recordsDeletedBeforeTheReplayAreCountedExactlyAndNothingElseIsLostOrCountedTwice() throws Exception {
        TestRun.putBoard(BOARD, "{\"order\":\"desc\",\"ties\":\"competition\",\"operator\":\"incr\"}");
        long seed = System.nanoTime();
        System.out.println("[deleted-records-test] seed " + seed);
        Random random = new Random(seed);

        produce(random, 600);
        LiveStateAssertions.awaitOffsets(run, lastOffsets(), Duration.ofSeconds(60));
        Map<String, Long> checkpoint = reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60)).offsets();
        assertThat(checkpoint).isEqualTo(lastOffsets());

        produce(random, 600);
        LiveStateAssertions.awaitOffsets(run, lastOffsets(), Duration.ofSeconds(60));

        // Retention takes the head of each partition: everything up to the checkpoint and half of what followed.
        Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
        Map<Integer, Long> deleteBefore = new HashMap<>();
        long lost = 0;
        for (Map.Entry<String, Long> e : checkpoint.entrySet()) {
            int partition = Integer.parseInt(e.getKey().substring(e.getKey().lastIndexOf('/') + 1));
            long after = lastOffsets().get(e.getKey()) - e.getValue(); // records applied since the checkpoint
            long before = e.getValue() + 1 + after / 2;
            deleteBefore.put(partition, before);
            delete.put(new TopicPartition(run.topic(), partition), RecordsToDelete.beforeOffset(before));
            lost += before - (e.getValue() + 1);
        }
        assertThat(lost).as("records deleted that the checkpoint does not hold").isPositive();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, run.servers().kafkaBootstrap()))) {
            admin.deleteRecords(delete).all().get(30, TimeUnit.SECONDS);
        }
        double lostBefore = metric("standings_replay_records_lost_total");
        assertThat(lostBefore).as("records lost before the deletion").isZero();
        long recoveries = recovery.recoveries();
        run.flushRedis();
        System.out.printf("[deleted-records-test] checkpoint %s, deleted before %s (%d records lost), flushed%n",
                checkpoint, deleteBefore, lost);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> recovery.recoveries() > recoveries);

        // The ingest goes on past the hole.
        produce(random, 300);
        LiveStateAssertions.awaitOffsets(run, lastOffsets(), Duration.ofSeconds(60));

        assertThat(metric("standings_replay_records_lost_total") - lostBefore).as("standings_replay_records_lost_total")
                .isEqualTo((double) lost);
        ReferenceBoard expected = new ReferenceBoard(Order.DESC);
        for (Event e : events) {
            String field = BoardPeriods.partition(run.topic(), e.partition());
            boolean deleted = checkpoint.containsKey(field) && e.offset() > checkpoint.get(field)
                    && e.offset() < deleteBefore.get(e.partition());
            if (!deleted) {
                expected.incr(e.entity(), e.value(), e.ts());
            }
        }
        LiveStateAssertions.assertRedisEquals(run, BOARD, Order.DESC, expected);
        LiveStateAssertions.assertMemoryEquals(live, BOARD, expected);
        Reconciler.RunReport report = reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(report.driftFound()).isZero();
        LiveStateAssertions.assertPostgresRankingEquals(run, BOARD, "all", expected);
        given().get("/q/health/live").then().statusCode(200);
        System.out.printf("[deleted-records-test] %d events, %d lost to deletion, %d entities: exact%n", events.size(), lost,
                expected.size());
    }

    private void produce(Random random, int n) {
        List<Object[]> batch = new ArrayList<>(n);
        List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String entity = "p" + IncrementStream.zipf(random, 150);
            int value = 1 + random.nextInt(5);
            long ts = BASE + sequence++;
            batch.add(new Object[] {entity, value, ts});
            sent.add(run.sendAsync(BOARD + "/" + entity, "{\"board\":\"" + BOARD + "\",\"entity\":\"" + entity
                    + "\",\"op\":\"incr\",\"value\":" + value + ",\"ts\":\"" + Instant.ofEpochMilli(ts) + "\"}"));
        }
        run.flush();
        try {
            for (int i = 0; i < n; i++) {
                RecordMetadata m = sent.get(i).get(30, TimeUnit.SECONDS);
                Object[] e = batch.get(i);
                events.add(new Event((String) e[0], (Integer) e[1], (Long) e[2], m.partition(), m.offset()));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, Long> lastOffsets() {
        Map<String, Long> last = new HashMap<>();
        events.forEach(e -> last.merge(BoardPeriods.partition(run.topic(), e.partition()), e.offset(), Math::max));
        return last;
    }

    private static double metric(String name) {
        return Prometheus.sum(given().get("/q/metrics").then().statusCode(200).extract().asString(), name);
    }
}
