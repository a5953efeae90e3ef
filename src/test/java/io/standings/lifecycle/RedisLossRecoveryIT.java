package io.standings.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.standings.core.index.RankIndex;
import io.standings.core.index.Ranked;
import io.standings.state.LiveBoards;
import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.RealServices;
import io.standings.testing.ReferenceBoard;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Invariant 3: Redis loses everything (FLUSHALL of this run's keys) twice in the middle of a stream of
 * {@code incr} events; Standings restores Redis from the PostgreSQL checkpoint, resets memory to it and
 * replays Kafka. Afterwards every entity's score and rank equal the reference in memory, Redis and
 * PostgreSQL: nothing lost, nothing counted twice.
 */
@QuarkusTest
@TestProfile(FastReconcileProfile.class)
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class RedisLossRecoveryIT {

    TestRun run;

    @Inject
    RedisRecovery recovery;

    @Inject
    Reconciler reconciler;

    @Inject
    LiveBoards live;

    @Test
    void noEventLostOrDoubleCountedWhenRedisIsFlushedMidStream() throws Exception {
        TestRun.putBoard("flush", "{\"order\":\"desc\",\"ties\":\"competition\",\"operator\":\"incr\"}");
        long seed = System.nanoTime();
        System.out.println("[redis-loss-test] seed " + seed);
        IncrementStream stream = new IncrementStream(run, "flush", 300, seed).start();
        ServiceProcess.sleep(3000);
        run.flushRedis();
        System.out.printf("[redis-loss-test] flushed after %d events%n", stream.produced());
        ServiceProcess.sleep(3000);
        run.flushRedis();
        System.out.printf("[redis-loss-test] flushed again after %d events%n", stream.produced());
        ServiceProcess.sleep(2500);
        int events = stream.stop();

        LiveStateAssertions.assertRedisEquals(run, "flush", stream.reference(), events, Duration.ofSeconds(120));
        assertThat(recovery.recoveries()).as("recoveries").isGreaterThanOrEqualTo(2);
        RankIndex index = live.index("flush", "all").orElseThrow();
        ReferenceBoard reference = stream.reference();
        assertThat(index.size()).isEqualTo(reference.size());
        for (ReferenceBoard.Row row : reference.ranked()) {
            assertThat(index.ranked(row.entity()).orElseThrow()).as(row.entity()).isEqualTo(new Ranked(row.entity(),
                    row.score(), row.reachedAt(), row.ordinal(), row.competition(), row.dense()));
        }
        Reconciler.RunReport report = reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(report.driftFound()).isZero();
        LiveStateAssertions.assertPostgresRankingEquals(run, "flush", "all", reference);
        System.out.printf("[redis-loss-test] %d events, %d entities, %d recoveries: exact%n", events, reference.size(),
                recovery.recoveries());
    }
}
