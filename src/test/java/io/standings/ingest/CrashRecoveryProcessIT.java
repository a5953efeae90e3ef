package io.standings.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.ServerLocator;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TestRun;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Invariant 1, exactly-once effect, under the hardest case: {@code incr} events streaming in while the
 * service process is killed with SIGKILL at random moments and started again, several times. At the
 * end every entity's score must be exactly the sum of its events (nothing lost, nothing counted twice),
 * in Redis and in the restarted service's memory, and the ranks must be the reference's.
 */
class CrashRecoveryProcessIT {

    private static final int KILLS = 6;

    private TestRun run;
    private ServiceProcess service;

    @BeforeEach
    void start() {
        run = TestRun.create(ServerLocator.servers());
        run.createTopics(3);
        Map<String, String> env = run.serviceEnvironment();
        env.put("STANDINGS_BOARDS_SEED", "crash:desc:ordinal:incr");
        service = new ServiceProcess("crash", env).start(Duration.ofSeconds(90));
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
    void exactlyOnceEffectAcrossKillNine() {
        long seed = System.nanoTime();
        System.out.println("[crash-test] seed " + seed);
        Random random = new Random(seed);
        IncrementStream stream = new IncrementStream(run, "crash", 400, seed).start();

        for (int kill = 1; kill <= KILLS; kill++) {
            ServiceProcess.sleep(500 + random.nextInt(2000));
            service.kill9();
            System.out.printf("[crash-test] kill -9 #%d after %d events produced%n", kill, stream.produced());
            service.start(Duration.ofSeconds(90));
        }
        ServiceProcess.sleep(1000);
        int events = stream.stop();
        assertThat(service.starts()).isEqualTo(KILLS + 1);

        LiveStateAssertions.assertRedisEquals(run, "crash", stream.reference(), events, Duration.ofSeconds(120));

        // One more restart: the memory rebuilt from Redis answers the reference's ranks for every entity.
        service.kill9();
        service.start(Duration.ofSeconds(90));
        LiveStateAssertions.assertServiceAnswers(service, "crash", stream.reference());
        System.out.printf("[crash-test] %d events, %d entities, %d kills: exact%n", events, stream.reference().size(), KILLS);
    }
}
