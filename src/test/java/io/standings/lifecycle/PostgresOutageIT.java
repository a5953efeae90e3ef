package io.standings.lifecycle;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.RealServices;
import io.standings.testing.ReferenceBoard;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TcpProxy;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A fault test: PostgreSQL stops for a while during ingest, then comes back. The application's
 * reactive datasource goes through a {@link TcpProxy} (the shared server keeps running); cutting it resets
 * every connection and refuses new ones. Meanwhile events keep being applied and reads keep answering from
 * memory, and readiness reports the checkpoint DOWN; after the restore reconciliation catches up: PostgreSQL
 * equals the reference exactly, the checkpoint offsets cover every record, readiness is UP again.
 */
@QuarkusTest
@TestProfile(PostgresOutageProfile.class)
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = RealServices.PG_PROXY, value = "true"))
class PostgresOutageIT {

    private static final String BOARD = "outage";
    private static final String CHECK = "Standings PostgreSQL checkpoint";

    TestRun run;

    TcpProxy proxy;

    @Inject
    Reconciler reconciler;

    @Test
    void reconciliationCatchesUpAfterPostgresComesBackAndNothingIsLost() throws Exception {
        assertThat(proxy).as("the PostgreSQL proxy of this test").isNotNull();
        TestRun.putBoard(BOARD, "{\"order\":\"desc\",\"ties\":\"competition\",\"operator\":\"incr\"}");
        long seed = System.nanoTime();
        System.out.println("[pg-outage-test] seed " + seed);
        IncrementStream stream = new IncrementStream(run, BOARD, 300, seed).start();
        try {
            // A reconciliation has written the board before the outage.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> run.queryLong("SELECT count(*) FROM reconcile_run WHERE rows > 0") > 0
                            && run.queryLong("SELECT count(*) FROM entity_score s JOIN board_period b ON b.id = s.bp_id WHERE b.board = '"
                                    + BOARD + "'") > 0);
            assertThat(checkStatus()).isEqualTo("UP");

            proxy.cut();
            int producedAtCut = stream.produced();
            System.out.printf("[pg-outage-test] PostgreSQL cut after %d events%n", producedAtCut);
            long cutAt = System.nanoTime();

            // The ingest health group: the checkpoint is DOWN while the runs fail. Readiness stays UP: reads
            // come from memory, and a PostgreSQL outage must not take every replica out of the load balancer.
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                    .until(() -> "DOWN".equals(checkStatus()));
            given().get("/q/health/ready").then().statusCode(200);
            assertThat(reconciler.consecutiveFailures()).isPositive();
            long runsWhileDown = run.queryLong("SELECT count(*) FROM reconcile_run");

            // Ingest goes on: the most frequent entity's score, read from memory, keeps growing; reads answer 200.
            double before = score("p0");
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                    .until(() -> score("p0") > before);
            given().get("/api/v1/boards/{board}", BOARD).then().statusCode(200);
            given().queryParam("limit", 10).get("/api/v1/boards/{board}/top", BOARD).then().statusCode(200);
            given().get("/api/v1/boards/{board}/entries/{entity}/around", BOARD, "p1").then().statusCode(200);
            assertThat(stream.produced()).as("events produced during the outage").isGreaterThan(producedAtCut);

            // Keep it down for several seconds in all (several failed runs, back-off at its cap).
            long left = Duration.ofSeconds(6).toMillis() - (System.nanoTime() - cutAt) / 1_000_000;
            if (left > 0) {
                ServiceProcess.sleep(left);
            }
            assertThat(checkStatus()).as("the checkpoint still DOWN at the end of the outage").isEqualTo("DOWN");
            given().get("/q/health/ready").then().statusCode(200);
            assertThat(run.queryLong("SELECT count(*) FROM reconcile_run")).as("no run completed during the outage")
                    .isEqualTo(runsWhileDown);
            given().get("/api/v1/boards/{board}/entries/{entity}", BOARD, "p0").then().statusCode(200);
            System.out.printf("[pg-outage-test] PostgreSQL restored after %d events, %d failed runs%n",
                    stream.produced(), reconciler.consecutiveFailures());
            proxy.restore();
        } finally {
            proxy.restore();
        }
        int events = stream.stop();
        ReferenceBoard reference = stream.reference();
        System.out.printf("[pg-outage-test] %d events, %d entities%n", events, reference.size());

        // Memory and Redis have everything.
        LiveStateAssertions.assertRedisEquals(run, BOARD, reference, events, Duration.ofSeconds(120));

        // Reconciliation catches up: the checkpoint covers every record, entity_score equals the reference.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(run.queryLong("SELECT coalesce(sum(\"offset\" + 1), 0) FROM ingest_checkpoint"))
                    .as("records covered by the PostgreSQL checkpoint").isEqualTo(events);
            LiveStateAssertions.assertPostgresScoresEqual(run, BOARD, "all", reference);
        });
        LiveStateAssertions.assertPostgresRankingEquals(run, BOARD, "all", reference);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> "UP".equals(checkStatus()));
        assertThat(reconciler.consecutiveFailures()).isZero();

        // The authoritative ranking is served again.
        JsonPath db = given().queryParam("source", "db").queryParam("limit", 1000)
                .get("/api/v1/boards/{board}/ranking", BOARD).then().statusCode(200).extract().jsonPath();
        assertThat(db.getList("entries")).hasSize(Math.min(1000, reference.size()));
        assertThat(db.getString("entries[0].entity")).isEqualTo(reference.ranked().get(0).entity());
        System.out.printf("[pg-outage-test] caught up: %d events, %d entities exact in PostgreSQL%n", events,
                reference.size());
    }

    /** Status of the checkpoint's check in the ingest health group ("UP"/"DOWN"). */
    private static String checkStatus() {
        JsonPath health = given().get("/q/health/group/ingest").then().extract().jsonPath();
        List<Map<String, Object>> checks = health.getList("checks");
        for (Map<String, Object> check : checks) {
            if (CHECK.equals(check.get("name"))) {
                return String.valueOf(check.get("status"));
            }
        }
        throw new AssertionError("no ingest health check named " + CHECK + ": " + checks);
    }

    private static double score(String entity) {
        return given().get("/api/v1/boards/{board}/entries/{entity}", BOARD, entity).then().statusCode(200).extract()
                .jsonPath().getDouble("score");
    }

}
