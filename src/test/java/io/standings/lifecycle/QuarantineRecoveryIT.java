package io.standings.lifecycle;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import io.standings.core.index.Entry;
import io.standings.state.Quarantine;
import io.standings.store.redis.RedisKeys;
import io.standings.testing.RealServices;
import io.standings.testing.RedisProbe;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A quarantined entity survives a Redis loss (invariant 3): its mark and its held score are in the PostgreSQL
 * checkpoint, the restore puts them back into Redis and memory, and the events replayed from the checkpoint
 * are counted once. Reconciliation runs only when asked, so the checkpoint is exactly where the test puts it.
 */
@QuarkusTest
@TestProfile(ManualReconcileProfile.class)
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class QuarantineRecoveryIT {

    TestRun run;

    @Inject
    Reconciler reconciler;

    @Inject
    RedisRecovery recovery;

    @Inject
    Quarantine quarantine;

    private long ts = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();

    @Test
    void aQuarantinedEntitysHeldScoreIsRestoredAndNotCountedTwice() throws Exception {
        TestRun.putBoard("qloss", "{\"order\":\"desc\",\"ties\":\"competition\",\"operator\":\"incr\"}");
        incr("honest", 3);
        incr("cheat", 5);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/api/v1/boards/qloss/entries/cheat")
                .then().statusCode(200).body("score", equalTo(5.0f)));
        admin().post("/api/v1/boards/qloss/entries/cheat/quarantine").then().statusCode(200);
        incr("cheat", 3); // held: 8
        awaitHeld(8);
        reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        try (Connection c = run.jdbc(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT score FROM held_score WHERE board = 'qloss' AND entity = 'cheat'")) {
            assertThat(r.next()).as("held score in the checkpoint").isTrue();
            assertThat(r.getDouble(1)).isEqualTo(8.0);
        }
        incr("cheat", 2); // held: 10, after the checkpoint
        incr("honest", 1);
        awaitHeld(10);
        long before = recovery.recoveries();

        run.flushRedis();
        await().atMost(Duration.ofSeconds(60)).until(() -> recovery.recoveries() > before);
        // Replayed from the checkpoint: +2 on the held 8 once, +1 for honest once.
        awaitHeld(10);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/api/v1/boards/qloss/entries/honest")
                .then().statusCode(200).body("score", equalTo(4.0f)));
        given().get("/api/v1/boards/qloss/entries/cheat").then().statusCode(404);
        RedisKeys keys = new RedisKeys(run.redisPrefix());
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            assertThat(redis.smembers(keys.quarantine())).contains("qloss/cheat");
            assertThat(redis.hgetall(keys.held("qloss@all"))).containsKey("cheat");
        }
        // Restored: back in the ranks with the score counted once.
        admin().delete("/api/v1/boards/qloss/entries/cheat/quarantine").then().statusCode(200);
        given().get("/api/v1/boards/qloss/entries/cheat").then().statusCode(200)
                .body("score", equalTo(10.0f)).body("rank", equalTo(1));
    }

    private void awaitHeld(double score) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Entry held = quarantine.held("qloss@all", "cheat");
            assertThat(held).as("held entry of cheat").isNotNull();
            assertThat(held.score()).isEqualTo(score);
        });
    }

    private void incr(String entity, int times) {
        for (int i = 0; i < times; i++) {
            ts += 1000;
            run.send("qloss/" + entity, "{\"board\":\"qloss\",\"entity\":\"" + entity + "\",\"op\":\"incr\",\"value\":1,\"ts\":\""
                    + Instant.ofEpochMilli(ts) + "\"}");
        }
        run.flush();
    }

    private static RequestSpecification admin() {
        return given().header("X-API-Key", TestRun.ADMIN_KEY);
    }
}
