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
 * Invariant 1 when rebalances happen while Redis is away. Two service processes share the consumer group and
 * reach Redis through one {@link TcpProxy}; while {@code incr} events stream in, Redis is cut, then instance b is
 * stopped: a takes b's partitions but cannot read their offsets, so it keeps them paused (its own partitions wait
 * in the batch being retried). a stays ready (reads from memory) and its ingest health group is DOWN with the
 * partitions waiting. Then b starts again, still without Redis: a hands partitions over while its batch waits, b
 * keeps them paused and is not ready. Once Redis is back, every partition is positioned from Redis and resumes on
 * both instances (a's stale batch and b's first one are sorted out by the fence); b stops again, and Redis ends
 * exactly at the reference and so does the survivor a's REST API.
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

            // A second rebalance while Redis is away: b starts again (it cannot load its memory, so it is not
            // ready) and joins; a hands partitions over while its own batch still waits for Redis (the revocation
            // waits for that batch up to 30 s, then lets go), and b cannot position what it is assigned either.
            b.launch();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> waitingForRedis(b.get("/q/health/group/ingest").body()).contains(run.topic()));
            System.out.printf("[redis-away-rebalance-test] b assigned %s while Redis is away, after %d events%n",
                    waitingForRedis(b.get("/q/health/group/ingest").body()), stream.produced());
            assertThat(b.get("/q/health/ready").statusCode()).as("b's readiness before its memory is loaded").isEqualTo(503);
            assertThat(a.get("/q/health/ready").statusCode()).as("a's readiness").isEqualTo(200);
            assertThat(a.get("/q/health/group/ingest").statusCode()).as("a's ingest group").isEqualTo(503);
            System.out.printf("[redis-away-rebalance-test] Redis restored after %d events%n", stream.produced());
        } finally {
            redis.restore();
        }
        b.awaitReady(Duration.ofSeconds(60));
        // The "Standings ingest" check, not the whole group: the group's checkpoint check stays DOWN until the
        // reconciler's back-off after its failed runs has passed (the runs failed on Redis, not on PostgreSQL).
        for (ServiceProcess p : new ServiceProcess[] {a, b}) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
                String body = p.get("/q/health/group/ingest").body();
                return "UP".equals(ingestCheck(body)) && waitingForRedis(body).equals("[]");
            });
        }
        ServiceProcess.sleep(2000); // both instances apply again
        b.close(); // a owns every partition again, and rebuilds its memory from Redis before its next batch
        ServiceProcess.sleep(2000);
        int events = stream.stop();

        LiveStateAssertions.assertRedisEquals(run, "away", stream.reference(), events, Duration.ofSeconds(90));
        LiveStateAssertions.assertServiceAnswers(a, "away", stream.reference());
        System.out.printf("[redis-away-rebalance-test] %d events, %d entities: exact%n", events, stream.reference().size());
    }

    private static String ingestCheck(String health) {
        return JsonPath.from(health).getString("checks.find { it.name == 'Standings ingest' }.status");
    }

    private static String waitingForRedis(String health) {
        String waiting = JsonPath.from(health).getString("checks.find { it.name == 'Standings ingest' }.data.partitionsWaitingForRedis");
        return waiting == null ? "" : waiting;
    }
}
