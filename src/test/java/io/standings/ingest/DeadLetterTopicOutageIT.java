package io.standings.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.standings.core.index.Order;
import io.standings.state.LiveBoards;
import io.standings.lifecycle.ManualReconcileProfile;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.Prometheus;
import io.standings.testing.RealServices;
import io.standings.testing.ReferenceBoard;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * Invariant 4 when the dead-letter topic does not take records. The fault, for real on the broker: the run's DLQ
 * topic gets {@code max.message.bytes=16}, so the broker refuses every dead letter (RECORD_TOO_LARGE) until the
 * override is removed. Two other ways were tried on the local Kafka 4.3.1 broker and are no outage there: deleting
 * the topic (with {@code auto.create.topics.enable=true} the producer's next metadata request creates it again, in
 * about 150 ms, with 6 partitions), and {@code min.insync.replicas=2} on the one-replica topic with the DLQ
 * producer's {@code acks=all} (Kafka 4 caps the effective min ISR at the replication factor: the write is taken).
 * A mix of good and bad records is sent meanwhile: the stream waits behind the first bad record (no good record
 * after it is applied, none is skipped), the ingest health group is DOWN and
 * {@code standings_dlq_publish_failures_total} grows; reads and liveness stay up. Once the topic takes records
 * again every bad record is in the DLQ exactly once with its reason, and every good record is applied exactly once.
 */
@QuarkusTest
@TestProfile(ManualReconcileProfile.class)
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class DeadLetterTopicOutageIT {

    private static final String BOARD = "dlqwait";
    private static final long BASE = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();

    TestRun run;

    @Inject
    LiveBoards live;

    private final ReferenceBoard reference = new ReferenceBoard(Order.DESC);
    private int sequence;

    @Test
    void badRecordsWaitForTheDeadLetterTopicAndNothingIsSkippedOrAppliedTwice() throws Exception {
        TestRun.putBoard(BOARD, "{\"order\":\"desc\",\"ties\":\"ordinal\",\"operator\":\"incr\"}");
        good("g0", 5);
        await().atMost(Duration.ofSeconds(30)).until(() -> live.index(BOARD, "all").map(i -> i.size() == 1).orElse(false));

        refuseDeadLetters(true);
        Map<String, String> expectedReasons = new HashMap<>(); // "partition/offset" -> reason
        try {
            good("g1", 3);
            bad(expectedReasons, BOARD + "/x", "{not json", "malformed_json");
            good("g2", 4);
            good("g0", 2);
            bad(expectedReasons, "nosuchboard/e1", "{\"board\":\"nosuchboard\",\"entity\":\"e1\",\"value\":1}", "unknown_board");
            good("g3", 7);
            bad(expectedReasons, null, "{\"board\":\"" + BOARD + "\",\"entity\":\"g4\",\"value\":1}", "missing_key");
            good("g4", 1);
            good("g1", 6);

            // The stream waits: the health group says why, the failures are counted, nothing after the bad record moves.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> given().get("/q/health/group/ingest").statusCode() == 503);
            JsonPath ingest = given().get("/q/health/group/ingest").then().statusCode(503).extract().jsonPath();
            assertThat(ingest.getString("checks.find { it.name == 'Standings ingest' }.data.deadLetterTopic"))
                    .isEqualTo("not taking records (retrying)");
            long asOf = live.asOf();
            double failures = metric("standings_dlq_publish_failures_total");
            assertThat(failures).as("failed DLQ attempts").isPositive();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> metric("standings_dlq_publish_failures_total") > failures);
            assertThat(live.asOf()).as("nothing applied while the DLQ refuses records").isEqualTo(asOf);
            // g1 may have come alone in a batch before the first bad record; nothing behind that record is applied.
            var index = live.index(BOARD, "all").orElseThrow();
            for (String behind : List.of("g2", "g3", "g4")) {
                assertThat(index.ranked(behind)).as("%s, behind a bad record", behind).isEmpty();
            }
            assertThat(index.ranked("g0").orElseThrow().score()).as("g0 before its second event").isEqualTo(5.0);
            given().get("/api/v1/boards/{board}/entries/{entity}", BOARD, "g0").then().statusCode(200);
            given().get("/q/health/ready").then().statusCode(200);
            given().get("/q/health/live").then().statusCode(200);
            assertThat(run.readDeadLetters(1, Duration.ofMillis(500))).as("dead letters while the topic refuses").isEmpty();
        } finally {
            refuseDeadLetters(false);
        }

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> live.index(BOARD, "all").map(i -> i.size() == 5).orElse(false)
                        && given().get("/q/health/group/ingest").statusCode() == 200);
        LiveStateAssertions.assertMemoryEquals(live, BOARD, reference);
        LiveStateAssertions.assertRedisEquals(run, BOARD, Order.DESC, reference);

        List<ConsumerRecord<byte[], byte[]>> letters = run.readDeadLetters(expectedReasons.size(), Duration.ofSeconds(30));
        Map<String, String> actual = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> letter : letters) {
            String where = header(letter, DeadLetterPublisher.PARTITION) + "/" + header(letter, DeadLetterPublisher.OFFSET);
            assertThat(actual.put(where, header(letter, DeadLetterPublisher.REASON))).as("dead letter %s twice", where)
                    .isNull();
            assertThat(header(letter, DeadLetterPublisher.TOPIC)).isEqualTo(run.topic());
        }
        assertThat(actual).as("dead letters: source partition/offset -> reason").isEqualTo(expectedReasons);
    }

    private void good(String entity, int value) {
        long ts = BASE + sequence++;
        reference.incr(entity, value, ts);
        run.send(BOARD + "/" + entity, "{\"board\":\"" + BOARD + "\",\"entity\":\"" + entity + "\",\"op\":\"incr\",\"value\":"
                + value + ",\"ts\":\"" + Instant.ofEpochMilli(ts) + "\"}");
    }

    private void bad(Map<String, String> expected, String key, String value, String reason) {
        RecordMetadata m = run.send(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8));
        expected.put(m.partition() + "/" + m.offset(), reason);
    }

    /**
     * The DLQ topic refuses every record (a maximum message size below any dead letter's), or takes them again. The
     * broker applies a topic's configuration asynchronously, so a probe topic gets the same override right after,
     * and the call returns once the probe refuses a write: the broker applies configuration changes in order, so
     * the DLQ topic refuses by then too (probing the DLQ topic itself would put a record there).
     */
    private void refuseDeadLetters(boolean refuse) throws Exception {
        String probe = run.dlqTopic() + ".probe";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, run.servers().kafkaBootstrap()))) {
            if (refuse) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(probe, 1, (short) 1))).all()
                        .get(30, TimeUnit.SECONDS);
            }
            for (String topic : refuse ? List.of(run.dlqTopic(), probe) : List.of(run.dlqTopic())) {
                AlterConfigOp op = refuse
                        ? new AlterConfigOp(new ConfigEntry("max.message.bytes", "16"), AlterConfigOp.OpType.SET)
                        : new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE);
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(op)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            if (!refuse) {
                admin.deleteTopics(List.of(probe)).all().get(30, TimeUnit.SECONDS);
                return;
            }
        }
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(Map.of(
                "bootstrap.servers", run.servers().kafkaBootstrap(), "acks", "all", "linger.ms", 0),
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                try {
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(probe, new byte[64]))
                            .get(10, TimeUnit.SECONDS);
                    return false;
                } catch (java.util.concurrent.ExecutionException e) {
                    return e.getCause() instanceof org.apache.kafka.common.errors.RecordTooLargeException;
                }
            });
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static double metric(String name) {
        return Prometheus.sum(given().get("/q/metrics").then().statusCode(200).extract().asString(), name);
    }
}
