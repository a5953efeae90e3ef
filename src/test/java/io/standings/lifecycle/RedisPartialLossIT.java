package io.standings.lifecycle;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.standings.core.index.Order;
import io.standings.state.LiveBoards;
import io.standings.store.redis.RedisKeys;
import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.Prometheus;
import io.standings.testing.RealServices;
import io.standings.testing.RedisProbe;
import io.standings.testing.ReferenceBoard;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TestRun;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Redis loses part of its state while its marker survives (as an eviction policy would do it): one key of this
 * run, not all of them.
 *
 * <ul>
 *   <li>A board period's offsets hash (the offsets its slot holds), in the middle of a stream of {@code incr}
 *       events: the next write of that board period is fenced with its offsets missing, which is a Redis loss,
 *       recovered from the PostgreSQL checkpoint and Kafka's replay; memory, Redis and PostgreSQL end at the
 *       reference.</li>
 *   <li>One board period's {@code :ranks} sorted set: nothing in the ingest reads it, so the reconciler's audit must
 *       find the drift (memory vs Redis) and repair it from memory.</li>
 * </ul>
 */
@QuarkusTest
@TestProfile(ManualReconcileProfile.class)
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class RedisPartialLossIT {

    TestRun run;

    @Inject
    RedisRecovery recovery;

    @Inject
    Reconciler reconciler;

    @Inject
    LiveBoards live;

    @Test
    void anEvictedBoardPeriodOffsetsHashIsRecoveredFromTheCheckpointWithNothingLostOrCountedTwice() throws Exception {
        String board = "evicted";
        TestRun.putBoard(board, "{\"order\":\"desc\",\"ties\":\"competition\",\"operator\":\"incr\"}");
        long seed = System.nanoTime();
        System.out.println("[partial-loss-test] seed " + seed);
        RedisKeys keys = new RedisKeys(run.redisPrefix());
        IncrementStream stream = new IncrementStream(run, board, 250, seed).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> live.index(board, "all").map(i -> i.size() > 20).orElse(false));
        ServiceProcess.sleep(1000);
        Reconciler.RunReport checkpoint = reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(checkpoint.leader()).isTrue();
        ServiceProcess.sleep(1000); // events after the checkpoint, to be replayed
        long recoveries = recovery.recoveries();
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            assertThat(redis.send(Request.cmd(Command.DEL).arg(keys.periodOffsets(board + "@all"))).toInteger())
                    .as("offsets deleted").isEqualTo(1);
            assertThat(redis.send(Request.cmd(Command.EXISTS).arg(keys.marker())).toInteger()).as("marker kept").isEqualTo(1);
        }
        System.out.printf("[partial-loss-test] the board period's offsets hash deleted after %d events%n", stream.produced());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> recovery.recoveries() > recoveries);
        ServiceProcess.sleep(1000); // the stream goes on after the recovery
        int events = stream.stop();

        LiveStateAssertions.assertRedisEquals(run, board, stream.reference(), events, Duration.ofSeconds(60));
        LiveStateAssertions.assertMemoryEquals(live, board, stream.reference());
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(Prometheus.sum(metrics, "standings_ingest_fences_total")).as("fences").isGreaterThanOrEqualTo(1);
        Reconciler.RunReport report = reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(report.driftFound()).isZero();
        LiveStateAssertions.assertPostgresRankingEquals(run, board, "all", stream.reference());
        given().get("/q/health/live").then().statusCode(200);
        System.out.printf("[partial-loss-test] %d events, %d entities, %d recoveries: exact%n", events,
                stream.reference().size(), recovery.recoveries());
    }

    @Test
    void aLostRanksKeyIsFoundByTheAuditAndRepairedFromMemory() throws Exception {
        String board = "ranksgone";
        TestRun.putBoard(board, "{\"order\":\"desc\",\"ties\":\"dense\",\"operator\":\"set\"}");
        ReferenceBoard reference = new ReferenceBoard(Order.DESC);
        long base = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            String entity = "e" + i;
            int value = i % 17; // ties
            reference.set(entity, value, base + i);
            records.add(Map.entry(board + "/" + entity, "{\"board\":\"" + board + "\",\"entity\":\"" + entity
                    + "\",\"value\":" + value + ",\"ts\":\"" + Instant.ofEpochMilli(base + i) + "\"}"));
        }
        run.sendAll(records);
        await().atMost(Duration.ofSeconds(30)).until(() -> live.index(board, "all").map(i -> i.size() == 120).orElse(false));
        reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        LiveStateAssertions.assertRedisEquals(run, board, Order.DESC, reference);

        RedisKeys keys = new RedisKeys(run.redisPrefix());
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            assertThat(redis.send(Request.cmd(Command.DEL).arg(keys.ranks(board, "all"))).toInteger()).isEqualTo(1);
        }
        Reconciler.RunReport audit = reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(audit.driftFound()).as("drift found").isEqualTo(1);
        assertThat(audit.driftRepaired()).as("drift repaired").isEqualTo(1);
        LiveStateAssertions.assertRedisEquals(run, board, Order.DESC, reference);
        LiveStateAssertions.assertMemoryEquals(live, board, reference);
        Reconciler.RunReport after = reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(after.driftFound()).as("drift after the repair").isZero();
        LiveStateAssertions.assertPostgresRankingEquals(run, board, "all", reference);
    }
}
