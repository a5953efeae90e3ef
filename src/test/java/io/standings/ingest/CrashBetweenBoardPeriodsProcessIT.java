package io.standings.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.standings.store.redis.RedisKeys;
import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.RedisProbe;
import io.standings.testing.ServerLocator;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TestRun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A batch that writes two board periods (on a Redis Cluster: two slots, usually on two primaries) is cut off between
 * them: the owner halts, as a kill -9 would stop it, after the first board period's script and before the second's
 * (fault injection {@code STANDINGS_FAULT_HALT_BETWEEN_BOARD_PERIODS}). Redis then holds one board period ahead of the
 * partition's floor. Another instance takes the partition over and replays from the floor, each board period
 * skipping what it holds; a third instance, a pure replica, learns the cut batch's first half only from the new
 * owner's republish. At the end every entity's score is exactly the sum of its events, in Redis, in every instance's
 * memory and in PostgreSQL.
 */
class CrashBetweenBoardPeriodsProcessIT {

    private static final List<String> BOARDS = List.of("cut-a", "cut-b");

    private TestRun run;
    private final List<ServiceProcess> instances = new ArrayList<>();

    @BeforeEach
    void start() {
        run = TestRun.create(ServerLocator.servers());
        run.createTopics(1); // one partition: every batch carries both boards
    }

    @AfterEach
    void stop() {
        instances.forEach(ServiceProcess::close);
        if (run != null) {
            run.cleanUp();
        }
    }

    private ServiceProcess launch(String name, Map<String, String> extra) {
        Map<String, String> env = run.serviceEnvironment();
        env.put("STANDINGS_BOARDS_SEED", "cut-0:desc:ordinal:incr,cut-a:desc:ordinal:incr,cut-b:desc:ordinal:incr");
        env.put("STANDINGS_RECONCILE_INTERVAL", "1s");
        env.put("STANDINGS_RECONCILE_MAX_SHARE", "1");
        env.putAll(extra);
        ServiceProcess p = new ServiceProcess(name, env);
        instances.add(p);
        return p;
    }

    @Test
    void aBatchCutBetweenTwoBoardPeriodsIsCompletedByTheReplayEachBoardPeriodExactlyOnce() throws Exception {
        long seed = System.nanoTime();
        System.out.println("[cut-test] seed " + seed);
        ServiceProcess owner = launch("cut-owner", Map.of("STANDINGS_FAULT_HALT_BETWEEN_BOARD_PERIODS", "cut-a"))
                .start(Duration.ofSeconds(90));
        ServiceProcess heir = launch("cut-heir", Map.of()).start(Duration.ofSeconds(90));
        ServiceProcess replica = launch("cut-replica", Map.of()).start(Duration.ofSeconds(90));
        ServiceProcess.sleep(3000); // the group settles: the owner keeps the one partition

        RedisKeys keys = new RedisKeys(run.redisPrefix());
        // A first batch of one board period only, complete everywhere: the cut batch then continues from a floor that
        // the replicas hold, and its first half reaches them only as a republish at that floor.
        run.send("cut-0/first", "{\"board\":\"cut-0\",\"entity\":\"first\",\"op\":\"incr\",\"value\":1}");
        LiveStateAssertions.awaitOffsets(run, 1, Duration.ofSeconds(30));
        ServiceProcess.sleep(1000); // the replicas take it from the changelog
        IncrementStream a = new IncrementStream(run, "cut-a", 120, seed).start();
        IncrementStream b = new IncrementStream(run, "cut-b", 120, seed + 1).start();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> !owner.isAlive());
        String field = run.topic() + "/0";
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            long floor = Long.parseLong(redis.hgetall(keys.offsets()).getOrDefault(field, "-1"));
            long ahead = BOARDS.stream().mapToLong(board -> Long.parseLong(
                    redis.hgetall(keys.periodOffsets(board + "@all")).getOrDefault(field, "-1"))).max().orElseThrow();
            System.out.printf("[cut-test] owner halted after %d events: floor %d, a board period at %d%n",
                    a.produced() + b.produced(), floor, ahead);
            for (String board : BOARDS) {
                String last = redis.hgetall(keys.periodLastBatch(board + "@all")).get(field);
                System.out.printf("[cut-test] %s holds %s; its last batch changed %d entities%n", board,
                        redis.hgetall(keys.periodOffsets(board + "@all")), last == null ? 0 : last.lines().count() - 1);
            }
            assertThat(ahead).as("one board period holds the cut batch, past the floor").isGreaterThan(floor);
        }
        ServiceProcess.sleep(3000); // the heir takes the partition over and the stream goes on
        int events = 1 + a.stop() + b.stop();

        LiveStateAssertions.awaitOffsets(run, events, Duration.ofSeconds(120));
        for (String board : BOARDS) {
            var reference = (board.equals("cut-a") ? a : b).reference();
            LiveStateAssertions.assertRedisEquals(run, board, io.standings.core.index.Order.DESC, reference);
            for (ServiceProcess instance : List.of(heir, replica)) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> LiveStateAssertions.assertServiceAnswers(instance, board, reference));
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> LiveStateAssertions.assertPostgresRankingEquals(run, board, "all", reference));
        }
        System.out.printf("[cut-test] %d events: exact in Redis, in the heir's and the replica's memory and in PostgreSQL%n",
                events);
    }
}
