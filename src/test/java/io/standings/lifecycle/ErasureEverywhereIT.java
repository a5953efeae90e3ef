package io.standings.lifecycle;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.standings.state.LiveBoards;
import io.standings.store.redis.MemberCodec;
import io.standings.store.redis.RedisKeys;
import io.standings.testing.RealServices;
import io.standings.testing.RedisProbe;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * Erasure removes an entity from every place it lives — memory, Redis (ranked and held), and every PostgreSQL
 * row: the checkpoint's scores and held scores, its quarantine marks, the current ranking generation, the one
 * kept for paging, a closed period's frozen ranking and a released period's archive — and a Redis loss right
 * after it does not bring it back, although Kafka still holds events of it newer than the checkpoint (its
 * tombstone, kept while the checkpoint is before the erasure, skips them). Only events produced after the
 * erasure add it again; the tombstone goes with the checkpoint the erasure runs.
 */
@QuarkusTest
@TestProfile(ManualReconcileProfile.class)
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class ErasureEverywhereIT {

    TestRun run;

    @Inject
    Reconciler reconciler;

    @Inject
    RedisRecovery recovery;

    @Inject
    LiveBoards live;

    private static io.restassured.specification.RequestSpecification admin() {
        return given().header("X-API-Key", TestRun.ADMIN_KEY);
    }

    @Test
    void anErasedEntityIsGoneFromEveryStoreAndGenerationAndARedisLossDoesNotBringItBack() throws Exception {
        TestRun.putBoard("gall", "{\"order\":\"desc\",\"ties\":\"competition\",\"operator\":\"incr\"}");
        TestRun.putBoard("gday", "{\"order\":\"desc\",\"ties\":\"dense\",\"operator\":\"incr\",\"period\":\"daily\"}");
        String twoDaysAgo = LocalDate.now(ZoneOffset.UTC).minusDays(2).toString();
        long then = LocalDate.now(ZoneOffset.UTC).minusDays(2).atTime(12, 0).toInstant(ZoneOffset.UTC).toEpochMilli();
        int produced = 0;
        for (String entity : new String[] {"victim", "other", "third"}) {
            run.send("gall/" + entity, event("gall", entity, 10, null));
            // Produced two days ago, read now: in time for its (now closed) period.
            run.sendProducedAt("gday/" + entity, event("gday", entity, 5, Instant.ofEpochMilli(then)), then);
            produced += 2;
        }
        run.send("gday/victim", event("gday", "victim", 7, null));
        TestRun.putBoard("gq", "{\"operator\":\"incr\"}");
        run.send("gq/victim", event("gq", "victim", 4, null));
        run.send("gq/other", event("gq", "other", 2, null));
        produced += 3;
        awaitApplied(produced);
        admin().post("/api/v1/boards/gq/entries/victim/quarantine").then().statusCode(200);

        // Generation 1 of every board period; the period of two days ago is frozen.
        reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(run.queryLong("SELECT count(*) FROM ranking_current WHERE board = 'gday' AND period = '" + twoDaysAgo
                + "' AND closed_at IS NOT NULL")).as("frozen").isEqualTo(1);
        // Generation 2 of gall: generation 1 stays for readers paging through it.
        run.send("gall/other", event("gall", "other", 1, null));
        produced++;
        awaitApplied(produced);
        reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(run.queryLong("SELECT count(DISTINCT r.generation) FROM ranking r JOIN ranking_current c ON c.bp_id = r.bp_id"
                + " WHERE c.board = 'gall'")).as("generations of gall").isEqualTo(2);
        // The closed period as its release leaves it in PostgreSQL: an archive (memory and Redis let it go).
        run.execute("UPDATE ranking_current SET released_at = now() WHERE board = 'gday' AND period = '" + twoDaysAgo + "'");
        // gall's two generations, the frozen (now released) period and today's period of gday.
        assertThat(run.queryLong("SELECT count(*) FROM ranking WHERE entity = 'victim'")).as("rankings holding victim").isEqualTo(4);
        assertThat(run.queryLong("SELECT count(*) FROM entity_score WHERE entity = 'victim'")).isEqualTo(3);
        assertThat(run.queryLong("SELECT count(*) FROM held_score WHERE entity = 'victim'")).isEqualTo(1);
        assertThat(run.queryLong("SELECT count(*) FROM quarantine_mark WHERE entity = 'victim'")).isEqualTo(1);
        long gallEntries = run.queryLong("SELECT entries FROM ranking_current WHERE board = 'gall'");

        // Events of victim newer than the checkpoint, applied before the erasure: a replay would meet them.
        run.send("gall/victim", event("gall", "victim", 100, null));
        produced++;
        awaitApplied(produced);
        given().get("/api/v1/boards/gall/entries/victim").then().statusCode(200).body("score", equalTo(110f));

        // The erasure's own checkpoint fails (its table is away): every store is erased, the call answers 503,
        // and the tombstone stays, since the checkpoint is still before the erasure.
        run.execute("ALTER TABLE ingest_checkpoint RENAME TO ingest_checkpoint_away");
        admin().delete("/api/v1/entities/victim").then().statusCode(503).header("Retry-After", "5")
                .contentType("application/problem+json");
        assertGone();
        assertThat(run.queryLong("SELECT entries FROM ranking_current WHERE board = 'gall'")).isEqualTo(gallEntries - 1);
        assertThat(run.queryLong("SELECT count(*) FROM erasure WHERE entity = 'victim'")).as("tombstone").isEqualTo(1);

        // A Redis loss then: restored from the checkpoint before the erasure, Kafka replayed from it past victim's
        // newer event, which the tombstone skips: victim stays gone.
        long before = recovery.recoveries();
        run.flushRedis();
        await().atMost(Duration.ofSeconds(30)).until(recovery::recovering); // and retries: the checkpoint is away
        run.execute("ALTER TABLE ingest_checkpoint_away RENAME TO ingest_checkpoint");
        await().atMost(Duration.ofSeconds(60)).until(() -> recovery.recoveries() > before);
        awaitApplied(produced);
        assertGone();
        given().get("/api/v1/boards/gall/entries/other").then().statusCode(200).body("score", equalTo(11f));

        // Called again it completes: the checkpoint passes the erasure and drops the tombstone.
        admin().delete("/api/v1/entities/victim").then().statusCode(200).body("changed", equalTo(false));
        assertThat(run.queryLong("SELECT count(*) FROM erasure")).as("tombstones").isZero();

        // Produced after the erasure: the entity is back with that event alone.
        run.send("gall/victim", event("gall", "victim", 3, null));
        produced++;
        awaitApplied(produced);
        given().get("/api/v1/boards/gall/entries/victim").then().statusCode(200).body("score", equalTo(3f));
        reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(run.queryLong("SELECT count(*) FROM entity_score WHERE entity = 'victim'")).isEqualTo(1);
    }

    private void assertGone() throws Exception {
        given().get("/api/v1/boards/gall/entries/victim").then().statusCode(404);
        given().get("/api/v1/boards/gday/entries/victim").then().statusCode(404);
        live.indexes().forEach((bp, index) -> assertThat(index.get("victim")).as("memory %s", bp).isEmpty());
        assertThat(live.entries("gday", LocalDate.now(ZoneOffset.UTC).toString())).isZero();
        assertThat(live.entries("gq", "all")).isEqualTo(1);
        RedisKeys keys = new RedisKeys(run.redisPrefix());
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            for (String bp : redis.smembers(keys.periods())) {
                assertThat(redis.zrange(keys.ranks(bp))).as("Redis %s", bp)
                        .noneMatch(m -> MemberCodec.entity(m.member()).equals("victim"));
                assertThat(redis.hgetall(keys.members(bp))).as("Redis %s members", bp).doesNotContainKey("victim");
                assertThat(redis.hgetall(keys.held(bp))).as("Redis %s held", bp).doesNotContainKey("victim");
            }
            assertThat(redis.smembers(keys.quarantine())).noneMatch(m -> m.endsWith("/victim"));
        }
        for (String table : new String[] {"entity_score", "held_score", "quarantine_mark", "ranking"}) {
            assertThat(run.queryLong("SELECT count(*) FROM " + table + " WHERE entity = 'victim'")).as(table).isZero();
        }
    }

    private void awaitApplied(int records) {
        io.standings.testing.LiveStateAssertions.awaitOffsets(run, records, Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(30)).until(() -> live.asOf() >= records);
    }

    private static String event(String board, String entity, int value, Instant ts) {
        return "{\"board\":\"" + board + "\",\"entity\":\"" + entity + "\",\"op\":\"incr\",\"value\":" + value
                + (ts == null ? "" : ",\"ts\":\"" + ts + "\"") + "}";
    }
}
