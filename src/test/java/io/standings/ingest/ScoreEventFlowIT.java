package io.standings.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.standings.store.redis.MemberCodec;
import io.standings.store.redis.RedisKeys;
import io.standings.testing.RealServices;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

/**
 * The first slice end to end, through a real Kafka broker, Redis and PostgreSQL: events produced to the
 * score-events topic become ranks over REST and scores in the Redis sorted set; bad records land on the
 * DLQ with their reason and origin, and the records after them are still applied.
 */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class ScoreEventFlowIT {

    TestRun run;

    @Inject
    RedisDataSource redis;

    @Test
    void anEventBecomesARankInMemoryAndInRedis() {
        TestRun.putBoard("flow");
        run.send("flow/player-42", "{\"id\":\"e-1\",\"board\":\"flow\",\"entity\":\"player-42\",\"op\":\"set\",\"value\":100}");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given()
                .get("/api/v1/boards/flow/entries/player-42")
                .then().statusCode(200)
                .body("entity", equalTo("player-42"))
                .body("score", equalTo(100.0f))
                .body("rank", equalTo(1))
                .body("ordinalRank", equalTo(1))
                .body("total", equalTo(1)));

        RedisKeys keys = new RedisKeys(run.redisPrefix());
        String member = redis.hash(String.class).hget(keys.members("flow", "all"), "player-42");
        assertThat(member).endsWith("player-42");
        assertThat(redis.sortedSet(String.class).zscore(keys.ranks("flow", "all"), member))
                .as("desc boards store the negated score, so ZRANK is the rank").hasValue(-100.0);

        // The batch's lag (record timestamp -> applied) is measured: at least this one batch, under a minute.
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        double batches = metric(metrics, "standings_ingest_lag_seconds_count");
        assertThat(batches).isGreaterThanOrEqualTo(1);
        assertThat(metric(metrics, "standings_ingest_lag_seconds_max")).isGreaterThanOrEqualTo(0).isLessThan(60);
    }

    private static double metric(String exposition, String name) {
        return exposition.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not exposed"));
    }

    @Test
    void operatorsAndTiesRankAsTheContractSays() {
        // Three players on board "ops": set, then incr, best and a tie broken by who got there first.
        TestRun.putBoard("ops");
        run.send("ops/a", "{\"board\":\"ops\",\"entity\":\"a\",\"op\":\"set\",\"value\":10,\"ts\":\"2026-11-21T10:00:00Z\"}");
        run.send("ops/b", "{\"board\":\"ops\",\"entity\":\"b\",\"op\":\"incr\",\"value\":4,\"ts\":\"2026-11-21T10:00:01Z\"}");
        run.send("ops/b", "{\"board\":\"ops\",\"entity\":\"b\",\"op\":\"incr\",\"value\":6,\"ts\":\"2026-11-21T10:00:02Z\"}");
        run.send("ops/c", "{\"board\":\"ops\",\"entity\":\"c\",\"op\":\"best\",\"value\":30,\"ts\":\"2026-11-21T10:00:03Z\"}");
        run.send("ops/c", "{\"board\":\"ops\",\"entity\":\"c\",\"op\":\"best\",\"value\":20,\"ts\":\"2026-11-21T10:00:04Z\"}");
        run.send("ops/d", "{\"board\":\"ops\",\"entity\":\"d\",\"op\":\"set\",\"value\":1,\"ts\":\"2026-11-21T10:00:05Z\"}");
        run.send("ops/d", "{\"board\":\"ops\",\"entity\":\"d\",\"op\":\"remove\",\"ts\":\"2026-11-21T10:00:06Z\"}");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            entry("ops", "c", 30.0f, 1);
            entry("ops", "a", 10.0f, 2); // a reached 10 before b did
            entry("ops", "b", 10.0f, 3);
            given().get("/api/v1/boards/ops/entries/d").then().statusCode(404);
        });
        RedisKeys keys = new RedisKeys(run.redisPrefix());
        String ranks = keys.ranks("ops", "all");
        assertThat(redis.sortedSet(String.class).zcard(ranks)).isEqualTo(3);
        assertThat(redis.sortedSet(String.class).zrange(ranks, 0, -1)).as("Redis orders ties as the index does")
                .extracting(MemberCodec::entity).containsExactly("c", "a", "b");
        assertThat(redis.hash(String.class).hget(keys.members("ops", "all"), "d")).isNull();
    }

    @Test
    void badRecordsGoToTheDeadLetterTopicAndTheStreamGoesOn() {
        TestRun.putBoard("dlq");
        // value -> reason; all keyed dlq/x (one partition, interleaved with valid records) but the last two.
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("{not json", "malformed_json");
        bad.put("{\"board\":\"dlq\",\"entity\":\"x\",\"value\":1e999}", "invalid_value");
        bad.put("{\"board\":\"dlq\",\"entity\":\"x\"}", "missing_field");
        bad.put("{\"board\":\"dlq\",\"entity\":\"x\",\"value\":\"ten\"}", "wrong_type");
        bad.put("{\"board\":\"dlq\",\"entity\":\"x\",\"value\":1,\"op\":\"multiply\"}", "invalid_op");
        bad.put("{\"board\":\"dlq\",\"entity\":\"y\",\"value\":1}", "key_mismatch");
        Map<String, String> keyOf = new LinkedHashMap<>();
        bad.keySet().forEach(v -> keyOf.put(v, "dlq/x"));
        String unknownBoard = "{\"board\":\"nosuchboard\",\"entity\":\"x\",\"value\":1}";
        bad.put(unknownBoard, "unknown_board");
        keyOf.put(unknownBoard, "nosuchboard/x");
        String keyless = "{\"board\":\"dlq\",\"entity\":\"x\",\"value\":1,\"id\":\"keyless\"}";
        bad.put(keyless, "missing_key");
        keyOf.put(keyless, null);

        Map<String, String> expected = new LinkedHashMap<>(); // "partition@offset" -> reason
        for (Map.Entry<String, String> e : bad.entrySet()) {
            RecordMetadata sent = run.send(keyOf.get(e.getKey()), e.getKey());
            expected.put(sent.partition() + "@" + sent.offset(), e.getValue());
            run.send("dlq/x", "{\"board\":\"dlq\",\"entity\":\"x\",\"op\":\"incr\",\"value\":1}");
        }

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> entry("dlq", "x", (float) bad.size(), 1));

        List<ConsumerRecord<byte[], byte[]>> letters = run.readDeadLetters(bad.size(), Duration.ofSeconds(30));
        assertThat(letters).hasSize(bad.size());
        Map<String, String> actual = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> letter : letters) {
            actual.put(header(letter, "dead-letter-partition") + "@" + header(letter, "dead-letter-offset"),
                    header(letter, "dead-letter-reason"));
            assertThat(header(letter, "dead-letter-topic")).isEqualTo(run.topic());
            assertThat(header(letter, "dead-letter-cause")).isNotBlank();
            String reason = header(letter, "dead-letter-reason");
            String original = bad.entrySet().stream().filter(e -> e.getValue().equals(reason)).findFirst().orElseThrow().getKey();
            assertThat(new String(letter.value(), StandardCharsets.UTF_8)).as("the value goes to the DLQ unchanged")
                    .isEqualTo(original);
            String key = keyOf.get(original);
            assertThat(letter.key() == null ? null : new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo(key);
        }
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void aBoardAnotherInstanceStoredIsUsedByItsFirstEventsOnEveryPartitionNotDeadLettered() throws Exception {
        // Another instance created it: stored in PostgreSQL, not yet in this instance's cache (refreshed every 30 s).
        run.execute("INSERT INTO " + run.schema() + ".board (id, sort_order, ties, operator) "
                + "VALUES ('elsewhere', 'desc', 'competition', 'incr')");
        Map<String, Integer> sums = new LinkedHashMap<>();
        for (int i = 0; i < 120; i++) {
            String entity = "p" + (i % 40);
            int value = 1 + i % 7;
            sums.merge(entity, value, Integer::sum);
            run.send("elsewhere/" + entity, "{\"board\":\"elsewhere\",\"entity\":\"" + entity + "\",\"value\":" + value + "}");
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/v1/boards/elsewhere")
                .then().statusCode(200).body("entries", equalTo(sums.size())));
        for (Map.Entry<String, Integer> e : sums.entrySet()) {
            given().get("/api/v1/boards/elsewhere/entries/{e}", e.getKey()).then().statusCode(200)
                    .body("score", equalTo((float) e.getValue()));
        }
        List<String> letters = run.readDeadLetters(1, Duration.ofSeconds(2)).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).filter(v -> v.contains("elsewhere")).toList();
        assertThat(letters).as("no event of the board went to the DLQ").isEmpty();
    }

    private static void entry(String board, String entity, float score, int rank) {
        given().get("/api/v1/boards/{b}/entries/{e}", board, entity)
                .then().statusCode(200)
                .body("score", equalTo(score))
                .body("rank", equalTo(rank));
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        assertThat(header).as("header " + name).isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }
}
