package io.standings.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.standings.core.index.Order;
import io.standings.store.redis.RedisKeys;
import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.Prometheus;
import io.standings.testing.RedisProbe;
import io.standings.testing.ServerLocator;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TestRun;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an asynchronous replica promoted by a Redis Cluster failover can do to a board period: bring back its slot as it
 * stood a moment ago, scores and offsets together, without the last writes its old primary had acknowledged. Here
 * the board period's keys are snapshotted atomically (MULTI/DUMP in its slot) while {@code incr} events stream, and
 * two seconds later put back (MULTI/RESTORE): the slot's lost tail, consistent with itself, the marker untouched. The
 * next write of that board period must find its offsets behind what the service wrote, and Redis is restored from the
 * PostgreSQL checkpoint and Kafka's replay: at the end every score is the sum of its events in Redis, memory and
 * PostgreSQL. Runs against a single Redis and against the cluster.
 */
class LostSlotTailProcessIT {

    private static final String BOARD = "tail";

    private TestRun run;
    private ServiceProcess service;

    @BeforeEach
    void start() {
        run = TestRun.create(ServerLocator.servers());
        run.createTopics(3);
        Map<String, String> env = run.serviceEnvironment();
        env.put("STANDINGS_BOARDS_SEED", BOARD + ":desc:ordinal:incr");
        env.put("STANDINGS_RECONCILE_INTERVAL", "1s");
        env.put("STANDINGS_RECONCILE_MAX_SHARE", "1");
        service = new ServiceProcess("lost-tail", env).start(Duration.ofSeconds(90));
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        if (run != null) {
            run.cleanUp();
        }
    }

    @Test
    void aBoardPeriodBroughtBackWithoutItsLastWritesIsFoundAndRestoredWithNothingLostOrCountedTwice() throws Exception {
        long seed = System.nanoTime();
        System.out.println("[lost-tail-test] seed " + seed);
        RedisKeys keys = new RedisKeys(run.redisPrefix());
        List<String> slotKeys = keys.periodKeys(BOARD + "@all");
        IncrementStream stream = new IncrementStream(run, BOARD, 200, seed).start();
        ServiceProcess.sleep(3_000); // checkpoints exist
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            List<Response> snapshot = atomically(redis, slotKeys.stream().map(k -> Request.cmd(Command.DUMP).arg(k)).toList());
            Map<String, String> heldThen = redis.hgetall(keys.periodOffsets(BOARD + "@all"));
            ServiceProcess.sleep(2_000); // the writes the promoted replica will not have
            List<Request> restore = new ArrayList<>();
            for (int i = 0; i < slotKeys.size(); i++) {
                Response dump = snapshot.get(i);
                restore.add(dump == null ? Request.cmd(Command.DEL).arg(slotKeys.get(i))
                        : Request.cmd(Command.RESTORE).arg(slotKeys.get(i)).arg(0).arg(dump.toBuffer()).arg("REPLACE"));
            }
            Map<String, String> heldBefore = redis.hgetall(keys.periodOffsets(BOARD + "@all"));
            atomically(redis, restore);
            System.out.printf("[lost-tail-test] %s brought back from %s to %s after %d events%n", BOARD + "@all",
                    heldBefore, heldThen, stream.produced());
        }
        ServiceProcess.sleep(3_000); // the stream goes on: the next write is fenced, Redis restored, Kafka replayed
        int events = stream.stop();

        LiveStateAssertions.assertRedisEquals(run, BOARD, stream.reference(), events, Duration.ofSeconds(120));
        LiveStateAssertions.assertServiceAnswers(service, BOARD, stream.reference());
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> LiveStateAssertions.assertPostgresRankingEquals(run, BOARD, "all", stream.reference()));
        String metrics = service.get("/q/metrics").body();
        assertThat(Prometheus.sum(metrics, "standings_ingest_fences_total")).as("fences").isGreaterThanOrEqualTo(1);
        System.out.printf("[lost-tail-test] %d events: exact in Redis, memory and PostgreSQL after the lost tail%n", events);
    }

    /** MULTI ... EXEC of commands on one slot; the answers inside EXEC. */
    private static List<Response> atomically(RedisProbe redis, List<Request> commands) {
        List<Request> tx = new ArrayList<>();
        tx.add(Request.cmd(Command.MULTI));
        tx.addAll(commands);
        tx.add(Request.cmd(Command.EXEC));
        List<Response> answers = redis.batch(tx);
        Response exec = answers.get(answers.size() - 1);
        List<Response> result = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            result.add(exec.get(i));
        }
        return result;
    }
}
