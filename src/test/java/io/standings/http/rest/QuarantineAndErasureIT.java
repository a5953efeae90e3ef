package io.standings.http.rest;

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
import io.standings.lifecycle.MemoryRebuild;
import io.standings.testing.RealServices;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Quarantine hides an entity from every rank while events keep changing its score; restore brings it
 * back with that score; erasure removes an entity from every board. Memory and Redis agree throughout,
 * and a rebuild from Redis keeps the quarantine.
 */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class QuarantineAndErasureIT {

    TestRun run;

    @Inject
    RedisDataSource redis;

    @Inject
    MemoryRebuild rebuilder;

    private static io.restassured.specification.RequestSpecification admin() {
        return given().header("X-API-Key", TestRun.ADMIN_KEY);
    }

    private void score(String entity, int value) {
        run.send("q/" + entity, "{\"board\":\"q\",\"entity\":\"" + entity + "\",\"op\":\"incr\",\"value\":" + value + "}");
    }

    private static void ranked(String entity, float score, int rank, int total) {
        given().get("/api/v1/boards/q/entries/{e}", entity).then().statusCode(200)
                .body("score", equalTo(score)).body("rank", equalTo(rank)).body("total", equalTo(total));
    }

    private java.util.List<String> redisOrder() {
        return redis.sortedSet(String.class).zrange(new RedisKeys(run.redisPrefix()).ranks("q", "all"), 0, -1).stream()
                .map(MemberCodec::entity).toList();
    }

    @Test
    void aQuarantinedEntityLeavesTheRanksKeepsScoringAndComesBackWithItsScoreAndAnErasedOneIsGoneEverywhere() {
        TestRun.putBoard("q", "{\"operator\":\"incr\"}");
        score("a", 30);
        score("b", 20);
        score("c", 10);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> ranked("c", 10f, 3, 3));

        admin().post("/api/v1/boards/q/entries/b/quarantine").then().statusCode(200)
                .body("quarantined", equalTo(true)).body("changed", equalTo(true));
        admin().post("/api/v1/boards/q/entries/b/quarantine").then().statusCode(200).body("changed", equalTo(false));
        given().get("/api/v1/boards/q/entries/b").then().statusCode(404);
        ranked("c", 10f, 2, 2);
        assertThat(redisOrder()).containsExactly("a", "c");

        score("b", 5); // changes the held score, not the ranks
        score("c", 1);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> ranked("c", 11f, 2, 2));
        assertThat(redis.hash(String.class).hget(new RedisKeys(run.redisPrefix()).held("q@all"), "b")).startsWith("-25 ");

        rebuilder.rebuild().await().atMost(Duration.ofSeconds(30));
        given().get("/api/v1/boards/q/entries/b").then().statusCode(404);
        ranked("c", 11f, 2, 2);

        admin().delete("/api/v1/boards/q/entries/b/quarantine").then().statusCode(200)
                .body("quarantined", equalTo(false)).body("changed", equalTo(true));
        ranked("b", 25f, 2, 3);
        ranked("c", 11f, 3, 3);
        assertThat(redisOrder()).containsExactly("a", "b", "c");

        admin().delete("/api/v1/entities/a").then().statusCode(200).body("changed", equalTo(true));
        given().get("/api/v1/boards/q/entries/a").then().statusCode(404);
        ranked("b", 25f, 1, 2);
        assertThat(redisOrder()).containsExactly("b", "c");
        assertThat(redis.hash(String.class).hget(new RedisKeys(run.redisPrefix()).members("q", "all"), "a")).isNull();
        admin().delete("/api/v1/entities/a").then().statusCode(200).body("changed", equalTo(false));
    }

    @Test
    void quarantineAndErasureOfUnknownBoardsOrInvalidIdsAreProblemJson404Or400() {
        admin().post("/api/v1/boards/nosuch/entries/x/quarantine").then().statusCode(404)
                .contentType("application/problem+json");
        admin().post("/api/v1/boards/BAD/entries/x/quarantine").then().statusCode(400)
                .contentType("application/problem+json");
        admin().delete("/api/v1/entities/" + "x".repeat(200)).then().statusCode(400)
                .contentType("application/problem+json");
    }
}
