package io.standings.ingest;

import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.ServerLocator;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TestRun;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Invariant 1 across rebalances: two service processes share the consumer group while {@code incr}
 * events stream in; one is killed (its partitions move after the session timeout), started again
 * (partitions move back), and the other is stopped gracefully (its partitions are revoked while a batch
 * may be in flight). Redis must end exactly at the reference, and a fresh instance must answer it.
 */
class RebalanceProcessIT {

    private TestRun run;
    private ServiceProcess a;
    private ServiceProcess b;

    @BeforeEach
    void start() {
        run = TestRun.create(ServerLocator.servers());
        run.createTopics(4);
        a = new ServiceProcess("rebalance-a", environment()).start(Duration.ofSeconds(90));
        b = new ServiceProcess("rebalance-b", environment()).start(Duration.ofSeconds(90));
    }

    private Map<String, String> environment() {
        Map<String, String> env = run.serviceEnvironment();
        env.put("STANDINGS_BOARDS_SEED", "shared:desc:ordinal:incr");
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
        if (run != null) {
            run.cleanUp();
        }
    }

    @Test
    void exactlyOnceEffectAcrossRebalances() {
        long seed = System.nanoTime();
        System.out.println("[rebalance-test] seed " + seed);
        IncrementStream stream = new IncrementStream(run, "shared", 300, seed).start();

        ServiceProcess.sleep(3000);
        b.kill9();                                   // a takes b's partitions after the session timeout
        System.out.printf("[rebalance-test] killed b after %d events%n", stream.produced());
        ServiceProcess.sleep(9000);
        b.start(Duration.ofSeconds(90));             // partitions are shared again
        System.out.printf("[rebalance-test] restarted b after %d events%n", stream.produced());
        ServiceProcess.sleep(4000);
        a.close();                                   // graceful: a's partitions are revoked, b takes all
        System.out.printf("[rebalance-test] stopped a after %d events%n", stream.produced());
        ServiceProcess.sleep(4000);
        int events = stream.stop();

        LiveStateAssertions.assertRedisEquals(run, "shared", stream.reference(), events, Duration.ofSeconds(120));
        // b's memory too, not only Redis: the entities of partitions it consumed, and of those a consumed while
        // b replicated them through the changelog.
        LiveStateAssertions.assertServiceRanksEqual(b, "shared", stream.reference());

        b.close();
        ServiceProcess fresh = new ServiceProcess("rebalance-fresh", environment()).start(Duration.ofSeconds(90));
        try {
            LiveStateAssertions.assertServiceAnswers(fresh, "shared", stream.reference());
        } finally {
            fresh.close();
        }
        System.out.printf("[rebalance-test] %d events, %d entities: exact%n", events, stream.reference().size());
    }
}
