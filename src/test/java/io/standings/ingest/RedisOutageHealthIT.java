package io.standings.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.standings.state.LiveBoards;
import io.standings.lifecycle.ManualReconcileProfile;
import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.RealServices;
import io.standings.testing.RedisFaultProxy;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The health split while Redis is away for this application alone (its Redis path goes through a
 * {@link RedisFaultProxy}, cut and restored): reads stay up (readiness and liveness 200, lookups answered from
 * memory), the ingest health group says events cannot move (503, "Standings ingest" DOWN because Redis is
 * away); once Redis is back the group is UP again and every event produced during the outage is applied exactly
 * once.
 */
@QuarkusTest
@TestProfile(ManualReconcileProfile.class)
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = RealServices.REDIS_PROXY, value = "true"))
class RedisOutageHealthIT {

    private static final String BOARD = "healthsplit";

    TestRun run;

    RedisFaultProxy redis;

    @Inject
    LiveBoards live;

    @Test
    void readsStayUpAndTheIngestWaitsWhileRedisIsAwayThenAppliesEveryEventOnce() {
        assertThat(redis).as("the Redis proxy of this test").isNotNull();
        TestRun.putBoard(BOARD, "{\"order\":\"desc\",\"ties\":\"dense\",\"operator\":\"incr\"}");
        long seed = System.nanoTime();
        System.out.println("[redis-health-test] seed " + seed);
        IncrementStream stream = new IncrementStream(run, BOARD, 200, seed).start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> live.index(BOARD, "all").map(i -> i.size() > 5).orElse(false));
            given().get("/q/health/group/ingest").then().statusCode(200);

            redis.cut();
            int producedAtCut = stream.produced();
            System.out.printf("[redis-health-test] Redis cut after %d events%n", producedAtCut);
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                    .until(() -> given().get("/q/health/group/ingest").statusCode() == 503);
            JsonPath ingest = given().get("/q/health/group/ingest").then().statusCode(503).extract().jsonPath();
            assertThat(ingest.getString("checks.find { it.name == 'Standings ingest' }.status")).isEqualTo("DOWN");
            assertThat(ingest.getString("checks.find { it.name == 'Standings ingest' }.data.redis")).startsWith("away");
            long asOf = live.asOf();

            // Keep Redis away for a few seconds while events keep coming: the reads answer from memory.
            long cutAt = System.nanoTime();
            while (System.nanoTime() - cutAt < Duration.ofSeconds(4).toNanos()) {
                given().get("/q/health/ready").then().statusCode(200);
                given().get("/q/health/live").then().statusCode(200);
                given().get("/q/health/started").then().statusCode(200);
                given().get("/api/v1/boards/{board}/entries/{entity}", BOARD, "p0").then().statusCode(200);
                given().queryParam("limit", 10).get("/api/v1/boards/{board}/top", BOARD).then().statusCode(200);
                given().get("/api/v1/boards/{board}", BOARD).then().statusCode(200);
                assertThat(given().get("/q/health/group/ingest").statusCode()).as("ingest group while cut").isEqualTo(503);
                ServiceProcess.sleep(500);
            }
            assertThat(live.asOf()).as("nothing applied while Redis is away").isEqualTo(asOf);
            assertThat(stream.produced()).as("events produced during the outage").isGreaterThan(producedAtCut);
            System.out.printf("[redis-health-test] Redis restored after %d events%n", stream.produced());
        } finally {
            redis.restore();
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> given().get("/q/health/group/ingest").statusCode() == 200);
        ServiceProcess.sleep(1000);
        int events = stream.stop();

        LiveStateAssertions.assertRedisEquals(run, BOARD, stream.reference(), events, Duration.ofSeconds(60));
        LiveStateAssertions.assertMemoryEquals(live, BOARD, stream.reference());
        Response health = given().get("/q/health/group/ingest");
        assertThat(health.statusCode()).as(health.asString()).isEqualTo(200);
        System.out.printf("[redis-health-test] %d events, %d entities: exact%n", events, stream.reference().size());
    }
}
