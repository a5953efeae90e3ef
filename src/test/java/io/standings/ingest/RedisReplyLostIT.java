package io.standings.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.standings.state.LiveBoards;
import io.standings.lifecycle.ManualReconcileProfile;
import io.standings.lifecycle.Reconciler;
import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.Prometheus;
import io.standings.testing.RealServices;
import io.standings.testing.RedisFaultProxy;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Invariant 1 when Redis's reply to a batch is lost after the script ran: the application's Redis path goes through
 * a {@link RedisFaultProxy} which, once armed, forwards the next batch script to Redis and resets the connection
 * instead of relaying its reply. The ingest retries the batch; the script finds every partition already at the
 * batch's new offsets and answers "already applied" (not a fence, not a second application). In the middle of a
 * stream of {@code incr} events (where a double application would show in every score), twice.
 */
@QuarkusTest
@TestProfile(ManualReconcileProfile.class)
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = RealServices.REDIS_PROXY, value = "true"))
class RedisReplyLostIT {

    private static final String BOARD = "replylost";

    TestRun run;

    RedisFaultProxy redis;

    @Inject
    LiveBoards live;

    @Inject
    Reconciler reconciler;

    @Test
    void aBatchWhoseRedisReplyIsLostIsFoundAppliedOnTheRetryAndCountedOnce() throws Exception {
        assertThat(redis).as("the Redis proxy of this test").isNotNull();
        TestRun.putBoard(BOARD, "{\"order\":\"desc\",\"ties\":\"competition\",\"operator\":\"incr\"}");
        long seed = System.nanoTime();
        System.out.println("[reply-lost-test] seed " + seed);
        IncrementStream stream = new IncrementStream(run, BOARD, 200, seed).start();
        for (int drop = 1; drop <= 2; drop++) {
            int before = redis.repliesDropped();
            await().atMost(Duration.ofSeconds(30)).until(() -> live.index(BOARD, "all").map(i -> i.size() > 0).orElse(false));
            redis.dropNextScriptReply();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> redis.repliesDropped() == before + 1);
            System.out.printf("[reply-lost-test] reply #%d dropped after %d events%n", drop, stream.produced());
            ServiceProcess.sleep(1000); // the stream goes on across the retry
        }
        int events = stream.stop();

        LiveStateAssertions.assertRedisEquals(run, BOARD, stream.reference(), events, Duration.ofSeconds(60));
        LiveStateAssertions.assertMemoryEquals(live, BOARD, stream.reference());
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(Prometheus.sum(metrics, "standings_ingest_replies_lost_total")).as("replies lost, found applied")
                .isEqualTo(2.0);
        assertThat(Prometheus.sum(metrics, "standings_ingest_fences_total")).as("fences").isZero();
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/group/ingest").then().statusCode(200);

        Reconciler.RunReport report = reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(report.driftFound()).isZero();
        LiveStateAssertions.assertPostgresRankingEquals(run, BOARD, "all", stream.reference());
        System.out.printf("[reply-lost-test] %d events, %d entities, %d replies dropped: exact%n", events,
                stream.reference().size(), redis.repliesDropped());
    }
}
