package io.standings.core.board;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.standings.store.redis.RedisKeys;
import io.standings.testing.RealServices;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** Boards as data: definitions over the admin API, periods, decay, and deletion, through the real servers. */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class BoardLifecycleIT {

    TestRun run;

    @Inject
    RedisDataSource redis;

    private static io.restassured.specification.RequestSpecification admin() {
        return given().header("X-API-Key", TestRun.ADMIN_KEY).contentType("application/json");
    }

    @Test
    void anInvalidDefinitionIs400ProblemJson() {
        admin().body("{\"order\":\"sideways\"}").put("/api/v1/boards/bad").then()
                .statusCode(400).contentType("application/problem+json").body("detail", containsString("order"));
        admin().body("{\"order\":\"asc\",\"decayHalfLife\":\"PT1H\"}").put("/api/v1/boards/bad").then()
                .statusCode(400).body("detail", containsString("desc"));
        admin().body("{}").put("/api/v1/boards/Not_Valid").then().statusCode(400);
    }

    @Test
    void eventsLandInThePeriodOfTheirTimestamp() {
        admin().body("{\"period\":\"weekly\",\"timeZone\":\"Europe/Paris\",\"operator\":\"incr\"}")
                .put("/api/v1/boards/weekly").then().statusCode(200)
                .body("period", equalTo("weekly")).body("timeZone", equalTo("Europe/Paris"));
        Instant now = Instant.now();
        Instant lastWeek = now.minus(Duration.ofDays(7));
        run.send("weekly/now", "{\"board\":\"weekly\",\"entity\":\"now\",\"value\":3,\"ts\":\"" + now + "\"}");
        // Produced last week, delivered now: in time for last week's period.
        run.sendProducedAt("weekly/old", "{\"board\":\"weekly\",\"entity\":\"old\",\"value\":5,\"ts\":\"" + lastWeek
                + "\"}", lastWeek.toEpochMilli());

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/v1/boards/weekly/entries/now")
                .then().statusCode(200).body("score", equalTo(3.0f)).body("total", equalTo(1)));
        given().get("/api/v1/boards/weekly/entries/old").then().statusCode(404);

        RedisKeys keys = new RedisKeys(run.redisPrefix());
        String oldWeek = Period.WEEKLY.keyOf(lastWeek.toEpochMilli(), ZoneId.of("Europe/Paris"));
        String thisWeek = Period.WEEKLY.keyOf(now.toEpochMilli(), ZoneId.of("Europe/Paris"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(redis.hash(String.class).hget(keys.members("weekly", oldWeek), "old")).isNotNull();
            assertThat(redis.hash(String.class).hget(keys.members("weekly", thisWeek), "now")).isNotNull();
            assertThat(redis.set(String.class).smembers(keys.periods()))
                    .contains("weekly@" + oldWeek, "weekly@" + thisWeek);
        });
    }

    @Test
    void aTrendingBoardShowsTheDecayedValue() {
        admin().body("{\"operator\":\"incr\",\"decayHalfLife\":\"PT1H\"}").put("/api/v1/boards/trending")
                .then().statusCode(200).body("decayHalfLife", equalTo("PT1H"));
        Instant hourAgo = Instant.now().minus(Duration.ofHours(1));
        run.send("trending/a", "{\"board\":\"trending\",\"entity\":\"a\",\"value\":8,\"ts\":\"" + hourAgo + "\"}");
        run.send("trending/a", "{\"board\":\"trending\",\"entity\":\"a\",\"value\":8,\"ts\":\"" + hourAgo + "\"}");
        run.send("trending/b", "{\"board\":\"trending\",\"entity\":\"b\",\"value\":9,\"ts\":\"" + Instant.now() + "\"}");
        run.send("trending/c", "{\"board\":\"trending\",\"entity\":\"c\",\"value\":0,\"ts\":\"" + Instant.now() + "\"}");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            float a = given().get("/api/v1/boards/trending/entries/a").then().statusCode(200)
                    .body("rank", equalTo(2)).extract().path("score");
            assertThat((double) a).as("16 an hour ago is 8 now").isCloseTo(8.0, within(0.01));
            given().get("/api/v1/boards/trending/entries/b").then().statusCode(200).body("rank", equalTo(1));
        });
        var letters = run.readDeadLetters(1, Duration.ofSeconds(20));
        assertThat(letters).hasSize(1);
        assertThat(new String(letters.get(0).headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8))
                .isEqualTo("invalid_value");
    }

    @Test
    void orderCannotChangeUnderExistingEntriesAndDeleteRemovesEverything() {
        TestRun.putBoard("doomed", "{\"ties\":\"dense\"}");
        run.send("doomed/a", "{\"board\":\"doomed\",\"entity\":\"a\",\"value\":1}");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/v1/boards/doomed/entries/a").then().statusCode(200));

        admin().body("{\"order\":\"asc\"}").put("/api/v1/boards/doomed").then().statusCode(409)
                .contentType("application/problem+json");
        admin().body("{\"ties\":\"competition\"}").put("/api/v1/boards/doomed").then().statusCode(200)
                .body("ties", equalTo("competition"));

        admin().delete("/api/v1/boards/doomed").then().statusCode(204);
        given().get("/api/v1/boards/doomed/entries/a").then().statusCode(404);
        admin().delete("/api/v1/boards/doomed").then().statusCode(404);
        RedisKeys keys = new RedisKeys(run.redisPrefix());
        assertThat(redis.key().exists(keys.ranks("doomed", "all"), keys.members("doomed", "all"))).isZero();
    }
}
