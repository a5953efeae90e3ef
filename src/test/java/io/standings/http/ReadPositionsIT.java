package io.standings.http;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.standings.state.PositionToken;
import io.standings.testing.RealServices;
import io.standings.testing.TestRun;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Positions over HTTP (docs/api.md, "Positions"), through real Kafka, Redis and PostgreSQL: every answer under
 * {@code /api/v1} says which positions memory held; a read naming the position Kafka gave a producer's record
 * (query or header) answers with that record applied, also when it arrives before the record does; a malformed
 * position is a 400 problem, one memory does not reach in {@code standings.read.min-position-wait} a 503 problem
 * with Retry-After.
 */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
@TestProfile(ReadPositionsIT.ShortWait.class)
class ReadPositionsIT {

    static final long WAIT_MILLIS = 300;

    /** A short wait, so that the 503 comes quickly; long enough for a record produced meanwhile to be applied. */
    public static class ShortWait implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("standings.read.min-position-wait", WAIT_MILLIS + "ms");
        }
    }

    /** A position token: partition:offset pairs, comma-separated ("" before any record was applied). */
    private static final Pattern TOKEN = Pattern.compile("(\\d+:\\d+(,\\d+:\\d+)*)?");
    private static final String BOARD = "positions";

    TestRun run;

    private static boolean ingesting;

    /** The board exists and the ingest is running (its consumer has its partitions): a record is applied quickly. */
    @BeforeEach
    void boardAndIngest() {
        if (ingesting) {
            return;
        }
        TestRun.putBoard(BOARD);
        RecordMetadata first = set("warm-up", 1);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/api/v1/boards/{b}/entries/warm-up", BOARD)
                .then().statusCode(200));
        assertThat(held(given().get("/api/v1/boards/{b}", BOARD))).containsKey(first.partition());
        ingesting = true;
    }

    @Test
    void everyAnswerUnderApiV1CarriesThePositionMemoryHolds() {
        RecordMetadata sent = set("carried", 5);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/v1/boards/{b}/entries/carried", BOARD)
                .then().statusCode(200));
        Response[] answers = {
            given().get("/api/v1/boards/{b}", BOARD),
            given().get("/api/v1/boards/{b}/top", BOARD),
            given().get("/api/v1/boards/{b}/entries/carried", BOARD),
            given().get("/api/v1/boards"),
            given().get("/api/v1/boards/{b}/entries/nobody", BOARD),
            given().get("/api/v1/boards/no-such-board"),
            given().get("/api/v1/no-such-resource"),
            given().get("/api/v1/boards/{b}/top?limit=0", BOARD),
        };
        int[] statuses = {200, 200, 200, 200, 404, 404, 404, 400};
        for (int i = 0; i < answers.length; i++) {
            assertThat(answers[i].statusCode()).as("answer %d", i).isEqualTo(statuses[i]);
            Map<Integer, Long> held = held(answers[i]);
            assertThat(held.getOrDefault(sent.partition(), -1L)).as("answer %d (%d) holds the applied record", i, statuses[i])
                    .isGreaterThanOrEqualTo(sent.offset());
        }
    }

    @Test
    void aReadWithMinPositionOfAWriteAnswersWithThatWrite() {
        for (int i = 1; i <= 20; i++) {
            RecordMetadata sent = set("query", i);
            Response read = given().queryParam("minPosition", sent.partition() + ":" + sent.offset())
                    .get("/api/v1/boards/{b}/entries/query", BOARD);
            assertThat(read.statusCode()).as("write %d", i).isEqualTo(200);
            assertThat(read.jsonPath().getDouble("score")).as("the answer holds write %d", i).isEqualTo(i);
            assertThat(held(read).get(sent.partition())).isGreaterThanOrEqualTo(sent.offset());
        }
    }

    @Test
    void aReadWithTheMinPositionHeaderAnswersWithThatWrite() {
        for (int i = 1; i <= 20; i++) {
            RecordMetadata other = set("header-other", -i);
            RecordMetadata sent = set("header", i);
            // several pairs: both must hold
            Response read = given().header(ReadPositions.MIN_POSITION_HEADER, sent.partition() + ":" + sent.offset() + ","
                    + other.partition() + ":" + other.offset()).get("/api/v1/boards/{b}/top?limit=1000", BOARD);
            assertThat(read.statusCode()).as("write %d", i).isEqualTo(200);
            Map<String, Float> scores = new java.util.HashMap<>();
            read.jsonPath().getList("entries", Map.class).forEach(e -> scores.put((String) e.get("entity"),
                    ((Number) e.get("score")).floatValue()));
            assertThat(scores).as("the answer holds writes %d", i).containsEntry("header", (float) i)
                    .containsEntry("header-other", (float) -i);
        }
    }

    /** The read is sent before the record is produced: it waits for it, then answers with it. */
    @Test
    void aReadThatArrivesBeforeTheWriteWaitsForIt() throws Exception {
        for (int i = 1; i <= 5; i++) {
            RecordMetadata before = set("early", i * 10);
            long next = before.offset() + 1; // this test's producer is the only one: the next record of the key's partition
            CompletableFuture<Response> read = CompletableFuture.supplyAsync(() -> given()
                    .queryParam("minPosition", before.partition() + ":" + next).get("/api/v1/boards/{b}/entries/early", BOARD));
            Thread.sleep(100);
            assertThat(read).as("waits for the record").isNotDone();
            RecordMetadata sent = set("early", i * 10 + 1);
            assertThat(sent.partition()).isEqualTo(before.partition());
            assertThat(sent.offset()).isEqualTo(next);
            Response answer = read.get(30, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).as("round %d: %s", i, answer.asString()).isEqualTo(200);
            assertThat(answer.jsonPath().getDouble("score")).isEqualTo(i * 10 + 1);
        }
    }

    /** An admin call may wait for a position too; its body is still read whole once it goes on. */
    @Test
    void aWritingCallThatWaitsKeepsItsBody() throws Exception {
        RecordMetadata before = set("body", 1);
        long next = before.offset() + 1;
        CompletableFuture<Response> put = CompletableFuture.supplyAsync(() -> given()
                .header("X-API-Key", TestRun.ADMIN_KEY).contentType("application/json")
                .body("{\"order\":\"asc\",\"ties\":\"dense\",\"operator\":\"best\"}")
                .queryParam("minPosition", before.partition() + ":" + next).put("/api/v1/boards/{b}", "waited-board"));
        Thread.sleep(100);
        assertThat(put).as("waits for the record").isNotDone();
        assertThat(set("body", 2).offset()).isEqualTo(next);
        Response answer = put.get(30, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(200);
        Response board = given().get("/api/v1/boards/waited-board");
        assertThat(board.jsonPath().getString("order")).isEqualTo("asc");
        assertThat(board.jsonPath().getString("ties")).isEqualTo("dense");
        assertThat(board.jsonPath().getString("operator")).isEqualTo("best");
    }

    @Test
    void aMalformedMinPositionIsA400Problem() {
        String[] malformed = {"", "abc", "0", "0:", ":5", "0:-1", "-1:0", "+0:1", "0:1,", "0:1,,1:2", "0:1.5", "0:1e3",
                "0:\u0663", "2147483648:0", "0:9223372036854775808", "0;1"};
        for (String value : malformed) {
            for (boolean inHeader : new boolean[] {false, true}) {
                if (inHeader && value.isEmpty()) {
                    continue; // an empty header is no header
                }
                var request = given();
                request = inHeader ? request.header(ReadPositions.MIN_POSITION_HEADER, value) : request.queryParam("minPosition", value);
                Response answer = request.get("/api/v1/boards/{b}", BOARD);
                assertThat(answer.statusCode()).as("'%s' (header: %s)", value, inHeader).isEqualTo(400);
                assertThat(answer.contentType()).startsWith(Problem.MEDIA_TYPE);
                assertThat(answer.jsonPath().getInt("status")).isEqualTo(400);
                assertThat(answer.jsonPath().getString("detail")).startsWith("minPosition");
                assertThat(answer.header(ReadPositions.POSITION_HEADER)).matches(TOKEN);
            }
        }
    }

    @Test
    void aPositionMemoryDoesNotReachInTheWaitIsA503ProblemWithRetryAfter() {
        RecordMetadata sent = set("future", 1);
        String[] unreachable = {sent.partition() + ":" + Long.MAX_VALUE, sent.partition() + ":" + (sent.offset() + 1000),
                "0:0,1:0,2:0,7:0"}; // the last: a partition the topic does not have
        for (String position : unreachable) {
            for (boolean inHeader : new boolean[] {false, true}) {
                var request = given();
                request = inHeader ? request.header(ReadPositions.MIN_POSITION_HEADER, position)
                        : request.queryParam("minPosition", position);
                long started = System.nanoTime();
                Response answer = request.get("/api/v1/boards/{b}/entries/future", BOARD);
                long tookMillis = (System.nanoTime() - started) / 1_000_000;
                assertThat(answer.statusCode()).as("%s (header: %s)", position, inHeader).isEqualTo(503);
                assertThat(answer.header("Retry-After")).isEqualTo("1");
                assertThat(answer.contentType()).startsWith(Problem.MEDIA_TYPE);
                assertThat(answer.jsonPath().getInt("status")).isEqualTo(503);
                assertThat(held(answer).get(sent.partition())).as("the 503 says what memory holds")
                        .isGreaterThanOrEqualTo(sent.offset());
                assertThat(tookMillis).as("answered after standings.read.min-position-wait, not before nor long after")
                        .isBetween(WAIT_MILLIS - 50, WAIT_MILLIS + 1_500);
            }
        }
        // The same instance still answers a position it holds at once.
        assertThat(given().queryParam("minPosition", sent.partition() + ":" + sent.offset())
                .get("/api/v1/boards/{b}/entries/future", BOARD).statusCode()).isEqualTo(200);
    }

    private RecordMetadata set(String entity, double value) {
        return run.send(BOARD + "/" + entity, "{\"board\":\"" + BOARD + "\",\"entity\":\"" + entity + "\",\"op\":\"set\",\"value\":"
                + value + "}");
    }

    /** The answer's Standings-Position, parsed; it must be there and well-formed. */
    private static Map<Integer, Long> held(Response answer) {
        String token = answer.header(ReadPositions.POSITION_HEADER);
        assertThat(token).as("%s carries %s", answer.statusLine(), ReadPositions.POSITION_HEADER).isNotNull().matches(TOKEN);
        return token.isEmpty() ? Map.of() : PositionToken.parse(token);
    }
}
