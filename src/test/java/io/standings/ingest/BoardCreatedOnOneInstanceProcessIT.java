package io.standings.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.ServerLocator;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TestRun;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two service processes in one consumer group; a board is created through the first and used at once by
 * events on every partition. The second instance does not have the board in its cache (its periodic refresh
 * is set far out), so its share of the events is applied only because it looks the board up in PostgreSQL
 * before it would dead-letter them; and when the group rebalances mid-stream and it takes over partitions the
 * first wrote, its memory rebuild from Redis looks the board up too (otherwise it would leave the board out and
 * later write its entities from an empty memory, beside their old Redis members). No event goes to the DLQ and
 * Redis ends exactly at the reference.
 */
class BoardCreatedOnOneInstanceProcessIT {

    private TestRun run;
    private ServiceProcess a;
    private ServiceProcess b;

    @BeforeEach
    void start() {
        run = TestRun.create(ServerLocator.servers());
        run.createTopics(4);
        a = new ServiceProcess("board-elsewhere-a", environment()).start(Duration.ofSeconds(90));
        b = new ServiceProcess("board-elsewhere-b", environment()).start(Duration.ofSeconds(90));
    }

    private Map<String, String> environment() {
        Map<String, String> env = run.serviceEnvironment();
        env.put("STANDINGS_BOARDS_REFRESH_INTERVAL", "10m");
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
    void aBoardCreatedOnOneInstanceTakesEventsOnEveryPartitionAndNoneIsDeadLettered() {
        HttpResponse<String> created = a.admin("PUT", "/api/v1/boards/fresh", "{\"operator\":\"incr\"}");
        assertThat(created.statusCode()).as(created.body()).isBetween(200, 201);

        IncrementStream stream = new IncrementStream(run, "fresh", 100, 42).start();
        while (stream.produced() < 5000) {
            ServiceProcess.sleep(100);
        }
        int events = stream.stop();

        LiveStateAssertions.assertRedisEquals(run, "fresh", stream.reference(), events, Duration.ofSeconds(120));
        List<ConsumerRecord<byte[], byte[]>> letters = run.readDeadLetters(1, Duration.ofSeconds(3));
        assertThat(letters).as("dead letters").isEmpty();
        System.out.printf("[board-elsewhere-test] %d events over %d entities, none dead-lettered%n", events,
                stream.reference().size());
    }
}
