package io.standings.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.restassured.path.json.JsonPath;
import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.ServerLocator;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TcpProxy;
import io.standings.testing.TestRun;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Invariant 1 when a rebalance happens while Redis is away. Two service processes share the consumer group and
 * reach Redis through one {@link TcpProxy}; while {@code incr} events stream in, Redis is cut, then instance b is
 * stopped: a takes b's partitions but cannot read their offsets, so it keeps them paused (its own partitions wait
 * in the batch being retried). a stays ready (reads from memory) and its ingest health group is DOWN with the
 * partitions waiting. Once Redis is back, both sets of partitions are positioned from Redis and resume; Redis ends
 * exactly at the reference and so does a's REST API.
 */
class RedisAwayDuringRebalanceProcessIT {

    private TestRun run;
    private TcpProxy redis;
    private ServiceProcess a;
    private ServiceProcess b;

    @BeforeEach
    void start() {
        run = TestRun.create(ServerLocator.servers());
        run.createTopics(4);
        URI uri = URI.create(run.servers().redisUri());
        redis = new TcpProxy(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort()).start();
        a = new ServiceProcess("redis-away-a", environment(uri)).start(Duration.ofSeconds(90));
        b = new ServiceProcess("redis-away-b", environment(uri)).start(Duration.ofSeconds(90));
    }

    private Map<String, String> environment(URI uri) {
        Map<String, String> env = run.serviceEnvironment();
        String userInfo = uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo() + "@";
        env.put("REDIS_URL", uri.getScheme() + "://" + userInfo + "127.0.0.1:" + redis.port()
                + (uri.getRawPath() == null ? "" : uri.getRawPath()));
        env.put("STANDINGS_BOARDS_SEED", "away:desc:ordinal:incr");
        env.put("STANDINGS_KAFKA_SESSION_TIMEOUT_MS", "6000");
        env.put("STANDINGS_KAFKA_HEARTBEAT_INTERVAL_MS", "1000");
        return env;
    }

    @AfterEach
    void stop() {
        for (ServiceProcess p : new ServiceProcess[] {a, b}) {
            if (p != null) {
                p.close();
            }
        }
        if (redis != null) {
            redis.close();
        }
        if (run != null) {
            run.cleanUp();
        }
    }

    @Test
    void partitionsAssignedWhileRedisIsAwayWaitAndResumeExactlyOnceWhenItIsBack() {
        long seed = System.nanoTime();
        System.out.println("[redis-away-rebalance-test] seed " + seed);
        IncrementStream stream = new IncrementStream(run, "away", 300, seed).start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> JsonPath.from(a.get("/api/v1/boards/away").body())
                    .getLong("entries") > 0 && JsonPath.from(b.get("/api/v1/boards/away").body()).getLong("entries") > 0);
            ServiceProcess.sleep(1500); // both instances applying

            redis.cut();
            System.out.printf("[redis-away-rebalance-test] Redis cut after %d events%n", stream.produced());
            b.close(); // a rebalance while Redis is away: a is assigned b's partitions
            System.out.printf("[redis-away-rebalance-test] stopped b after %d events%n", stream.produced());

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
                HttpResponse<String> r = a.get("/q/health/group/ingest");
                return r.statusCode() == 503 && waitingForRedis(r.body()).contains(run.topic());
            });
            for (int i = 0; i < 6; i++) {
                assertThat(a.get("/q/health/ready").statusCode()).as("a's readiness while Redis is away").isEqualTo(200);
                assertThat(a.get("/q/health/live").statusCode()).as("a's liveness while Redis is away").isEqualTo(200);
                assertThat(a.get("/api/v1/boards/away/entries/p0").statusCode()).as("a read").isEqualTo(200);
                assertThat(a.get("/q/health/group/ingest").statusCode()).as("a's ingest group").isEqualTo(503);
                ServiceProcess.sleep(500);
            }
            System.out.printf("[redis-away-rebalance-test] Redis restored after %d events; waiting: %s%n", stream.produced(),
                    waitingForRedis(a.get("/q/health/group/ingest").body()));
        } finally {
            redis.restore();
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
            HttpResponse<String> r = a.get("/q/health/group/ingest");
            return r.statusCode() == 200 && waitingForRedis(r.body()).equals("[]");
        });
        ServiceProcess.sleep(2000); // the stream goes on with a owning every partition
        int events = stream.stop();

        LiveStateAssertions.assertRedisEquals(run, "away", stream.reference(), events, Duration.ofSeconds(90));
        LiveStateAssertions.assertServiceAnswers(a, "away", stream.reference());
        System.out.printf("[redis-away-rebalance-test] %d events, %d entities: exact%n", events, stream.reference().size());
    }

    private static String waitingForRedis(String health) {
        String waiting = JsonPath.from(health).getString("checks.find { it.name == 'Standings ingest' }.data.partitionsWaitingForRedis");
        return waiting == null ? "" : waiting;
    }
}
