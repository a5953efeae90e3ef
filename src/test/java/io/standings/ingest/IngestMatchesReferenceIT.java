package io.standings.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.standings.core.board.Board;
import io.standings.state.BoardRegistry;
import io.standings.core.index.Order;
import io.standings.core.index.RankIndex;
import io.standings.core.index.Ranked;
import io.standings.state.LiveBoards;
import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.RealServices;
import io.standings.testing.ReferenceBoard;
import io.standings.testing.TestRun;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

/**
 * Invariants 1, 2, 4 and 6 over 100,000 events through the real broker: Zipf-distributed entities on
 * three boards (desc/incr with competition ranks, asc/best with dense ranks, desc/set with removals),
 * deliberate ties in score and in time, and about 1% malformed records of several kinds. Every entity's
 * score and ordinal, competition and dense rank must equal a reference computed here from the same
 * events; Redis must order every board exactly as the index; the DLQ must hold exactly the bad records.
 */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class IngestMatchesReferenceIT {

    private static final int EVENTS = 100_000;
    private static final int ENTITIES = 5_000;

    TestRun run;

    @Inject
    LiveBoards live;

    @Inject
    BoardRegistry boards;

    @Test
    void everyRankOfEveryEntityMatchesTheReference() throws Exception {
        TestRun.putBoard("score", "{\"order\":\"desc\",\"ties\":\"competition\",\"operator\":\"incr\"}");
        TestRun.putBoard("laps", "{\"order\":\"asc\",\"ties\":\"dense\",\"operator\":\"best\"}");
        TestRun.putBoard("level", "{\"order\":\"desc\",\"ties\":\"ordinal\",\"operator\":\"set\"}");
        Map<String, ReferenceBoard> reference = Map.of("score", new ReferenceBoard(Order.DESC),
                "laps", new ReferenceBoard(Order.ASC), "level", new ReferenceBoard(Order.DESC));

        long seed = System.nanoTime();
        System.out.println("[reference-test] seed " + seed);
        Random r = new Random(seed);
        long base = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();
        List<Future<RecordMetadata>> malformed = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            long ts = base + i / 50; // 50 events share each millisecond: ties in time too
            if (r.nextInt(100) == 0) {
                String[] bad = malformedRecord(r, i);
                malformed.add(run.sendAsync(bad[0], bad[1]));
                continue;
            }
            String entity = "e" + IncrementStream.zipf(r, ENTITIES);
            String json;
            switch (r.nextInt(3)) {
                case 0 -> {
                    int value = 1 + r.nextInt(3);
                    boolean set = r.nextInt(20) == 0;
                    json = event("score", entity, set ? "set" : "incr", value, ts);
                    if (set) {
                        reference.get("score").set(entity, value, ts);
                    } else {
                        reference.get("score").incr(entity, value, ts);
                    }
                }
                case 1 -> {
                    int value = 50 + r.nextInt(30);
                    json = event("laps", entity, null, value, ts); // the board's operator: best
                    reference.get("laps").best(entity, value, ts);
                }
                default -> {
                    if (r.nextInt(50) == 0) {
                        json = "{\"board\":\"level\",\"entity\":\"" + entity + "\",\"op\":\"remove\",\"ts\":\"" + Instant.ofEpochMilli(ts) + "\"}";
                        reference.get("level").remove(entity);
                    } else {
                        double value = 1 + r.nextInt(20) / 2.0;
                        json = event("level", entity, "set", value, ts);
                        reference.get("level").set(entity, value, ts);
                    }
                }
            }
            String board = json.substring(10, json.indexOf('"', 10));
            run.sendAsync(board + "/" + entity, json);
        }
        run.flush();
        Set<String> badPositions = new HashSet<>();
        for (Future<RecordMetadata> f : malformed) {
            RecordMetadata m = f.get();
            badPositions.add(m.partition() + "@" + m.offset());
        }

        LiveStateAssertions.awaitOffsets(run, EVENTS, Duration.ofSeconds(180));

        for (Map.Entry<String, ReferenceBoard> e : reference.entrySet()) {
            String boardId = e.getKey();
            Board board = boards.find(boardId).orElseThrow();
            List<ReferenceBoard.Row> expected = e.getValue().ranked();
            RankIndex index = live.index(boardId, "all").orElseThrow();
            assertThat(index.size()).as("entries on %s", boardId).isEqualTo(expected.size());
            for (ReferenceBoard.Row row : expected) {
                Ranked ranked = index.ranked(row.entity()).orElseThrow();
                assertThat(ranked).as("%s on %s", row.entity(), boardId).isEqualTo(new Ranked(row.entity(), row.score(),
                        row.reachedAt(), row.ordinal(), row.competition(), row.dense()));
            }
            LiveStateAssertions.assertRedisEquals(run, boardId, board.order(), e.getValue());
            // And over HTTP, with the board's tie policy, for a sample.
            for (int i = 0; i < expected.size(); i += Math.max(1, expected.size() / 50)) {
                ReferenceBoard.Row row = expected.get(i);
                JsonPath body = given().get("/api/v1/boards/{b}/entries/{e}", boardId, row.entity())
                        .then().statusCode(200).extract().jsonPath();
                long expectedRank = switch (board.ties()) {
                    case ORDINAL -> row.ordinal();
                    case COMPETITION -> row.competition();
                    case DENSE -> row.dense();
                };
                assertThat(body.getDouble("score")).isEqualTo(row.score());
                assertThat(body.getLong("rank")).as("rank of %s on %s", row.entity(), boardId).isEqualTo(expectedRank);
                assertThat(body.getLong("ordinalRank")).isEqualTo(row.ordinal());
            }
        }

        List<ConsumerRecord<byte[], byte[]>> letters = run.readDeadLetters(badPositions.size(), Duration.ofSeconds(60));
        Set<String> lettered = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> letter : letters) {
            lettered.add(header(letter, "dead-letter-partition") + "@" + header(letter, "dead-letter-offset"));
        }
        assertThat(letters).hasSize(badPositions.size());
        assertThat(lettered).isEqualTo(badPositions);
        System.out.printf("[reference-test] %d events, %d malformed, boards: %s%n", EVENTS, badPositions.size(),
                reference.entrySet().stream().map(x -> x.getKey() + "=" + x.getValue().size()).toList());
    }

    private static String event(String board, String entity, String op, double value, long ts) {
        return "{\"board\":\"" + board + "\",\"entity\":\"" + entity + "\"" + (op == null ? "" : ",\"op\":\"" + op + "\"")
                + ",\"value\":" + value + ",\"ts\":\"" + Instant.ofEpochMilli(ts) + "\"}";
    }

    /** {key, value} of a record the service must dead-letter. */
    private static String[] malformedRecord(Random r, int i) {
        return switch (r.nextInt(8)) {
            case 0 -> new String[] {"score/x", "{\"board\":\"score\",\"entity\":\"x\",\"value\":"};
            case 1 -> new String[] {"score/x", "{\"board\":\"score\",\"entity\":\"x\",\"value\":1e999}"};
            case 2 -> new String[] {"nope/x", "{\"board\":\"nope\",\"entity\":\"x\",\"value\":1}"};
            case 3 -> new String[] {"score/x", "{\"board\":\"score\",\"entity\":\"x\",\"value\":\"12\"}"};
            case 4 -> new String[] {"score/" + "y".repeat(200), "{\"board\":\"score\",\"entity\":\"" + "y".repeat(200) + "\",\"value\":1}"};
            case 5 -> new String[] {"score/x", "{\"board\":\"score\",\"entity\":\"x\",\"op\":\"double\",\"value\":1}"};
            case 6 -> new String[] {null, "{\"board\":\"score\",\"entity\":\"x\",\"value\":1}"};
            default -> new String[] {"score/x", new String(new byte[] {(byte) 0xff, (byte) 0xfe, 0x41}, StandardCharsets.ISO_8859_1)};
        };
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
