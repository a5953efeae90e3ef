package io.standings.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.standings.core.index.Order;
import io.standings.testing.ReferenceBoard;
import io.standings.testing.ServerLocator;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TestRun;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Invariant 8 with three service processes in one consumer group: each consumes a share of the partitions and
 * is a live replica of the rest through the changelog. Every instance's memory, read over its REST API, must
 * equal an independent reference for every entity (score, ordinal rank and the rank of each tie policy), through
 * a kill -9 and restart, a crash between a batch's Redis write and its changelog write, and admin changes made on
 * one instance; a read with a producer's position is never older than that write, on any instance; and an SSE
 * stream on one instance follows entities every instance consumes.
 */
class ReplicasProcessIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> TIES = Map.of("mix-o", "ordinal", "mix-c", "competition", "mix-d", "dense");

    private TestRun run;
    private final List<ServiceProcess> instances = new ArrayList<>();

    @BeforeEach
    void start() {
        run = TestRun.create(ServerLocator.servers());
    }

    private ServiceProcess launch(String name, Map<String, String> extra) {
        Map<String, String> env = run.serviceEnvironment();
        env.put("STANDINGS_KAFKA_SESSION_TIMEOUT_MS", "6000");
        env.put("STANDINGS_KAFKA_HEARTBEAT_INTERVAL_MS", "1000");
        env.put("STANDINGS_BOARDS_REFRESH_INTERVAL", "10m"); // boards reach the others through Kafka and PostgreSQL only
        env.putAll(extra);
        ServiceProcess p = new ServiceProcess(name, env);
        instances.add(p);
        return p;
    }

    @AfterEach
    void stop() {
        instances.forEach(ServiceProcess::close);
        if (run != null) {
            run.cleanUp();
        }
    }

    /** Events of every operator over three boards (one per tie policy), many ties; the reference follows them. */
    private final class MixedStream {
        final Map<String, ReferenceBoard> references = new ConcurrentHashMap<>();
        final AtomicBoolean streaming = new AtomicBoolean(true);
        final AtomicInteger produced = new AtomicInteger();
        Thread thread;

        MixedStream start(long seed, int entities) {
            TIES.keySet().forEach(b -> references.put(b, new ReferenceBoard(Order.DESC)));
            long base = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();
            thread = new Thread(() -> {
                Random r = new Random(seed);
                for (int i = 0; streaming.get() || i % 100 != 0; i++) {
                    String entity = "e" + r.nextInt(entities);
                    long ts = base + i / 7; // several events share a time: ties on score and time, broken by id
                    int kind = r.nextInt(10);
                    String op = kind < 5 ? "incr" : kind < 8 ? "set" : "best";
                    int value = op.equals("incr") ? 1 + r.nextInt(3) : 10 * (1 + r.nextInt(5));
                    for (String board : TIES.keySet()) {
                        ReferenceBoard ref = references.get(board);
                        switch (op) {
                            case "incr" -> ref.incr(entity, value, ts);
                            case "set" -> ref.set(entity, value, ts);
                            default -> ref.best(entity, value, ts);
                        }
                        run.sendAsync(board + "/" + entity, "{\"board\":\"" + board + "\",\"entity\":\"" + entity
                                + "\",\"op\":\"" + op + "\",\"value\":" + value + ",\"ts\":\"" + Instant.ofEpochMilli(ts) + "\"}");
                        produced.incrementAndGet();
                    }
                    if (i % 100 == 99) {
                        run.flush();
                        ServiceProcess.sleep(60);
                    }
                }
                run.flush();
            }, "mixed-stream");
            thread.start();
            return this;
        }

        int stop() throws InterruptedException {
            streaming.set(false);
            thread.join(60_000);
            return produced.get();
        }
    }

    private static void createBoards(ServiceProcess on) {
        TIES.forEach((board, ties) -> {
            HttpResponse<String> r = on.admin("PUT", "/api/v1/boards/" + board, "{\"ties\":\"" + ties + "\"}");
            assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
        });
    }

    /** Reads that go on while instances die: a survivor must answer every one (no 5xx, no refused connection). */
    private static final class Readers {
        final AtomicBoolean reading = new AtomicBoolean(true);
        final List<String> failures = new CopyOnWriteArrayList<>();
        final AtomicInteger reads = new AtomicInteger();
        final List<Thread> threads = new ArrayList<>();

        Readers start(List<ServiceProcess> survivors) {
            for (ServiceProcess s : survivors) {
                Thread t = new Thread(() -> {
                    while (reading.get()) {
                        try {
                            HttpResponse<String> r = s.get("/api/v1/boards/mix-c/top?limit=10");
                            reads.incrementAndGet();
                            if (r.statusCode() != 200) {
                                failures.add(r.statusCode() + " " + r.body());
                            }
                        } catch (RuntimeException e) {
                            failures.add(String.valueOf(e.getCause()));
                        }
                        ServiceProcess.sleep(20);
                    }
                });
                t.start();
                threads.add(t);
            }
            return this;
        }

        void stop() throws InterruptedException {
            reading.set(false);
            for (Thread t : threads) {
                t.join(10_000);
            }
        }
    }

    /** Waits until the instance answers every entry of the board exactly as the reference has it. */
    private static void awaitInstanceEquals(ServiceProcess s, String board, ReferenceBoard reference, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            last = difference(s, board, reference);
            if (last == null) {
                return;
            }
            ServiceProcess.sleep(500);
        }
        throw new AssertionError(board + " on " + s.uri("") + " differs from the reference: " + last);
    }

    /** The first difference between the instance's ranks of the board and the reference, or null. */
    private static String difference(ServiceProcess s, String board, ReferenceBoard reference) {
        List<ReferenceBoard.Row> expected = reference.ranked();
        String ties = TIES.get(board);
        List<JsonNode> entries = new ArrayList<>();
        for (int from = 1; from <= Math.max(1, expected.size()); from += 1000) {
            HttpResponse<String> r = s.get("/api/v1/boards/" + board + "/ranks?from=" + from + "&limit=1000");
            if (r.statusCode() != 200) {
                return "ranks answered " + r.statusCode();
            }
            try {
                JsonNode page = JSON.readTree(r.body());
                if (page.get("total").asLong() != expected.size()) {
                    return "total " + page.get("total") + ", expected " + expected.size();
                }
                page.get("entries").forEach(entries::add);
            } catch (IOException e) {
                return "not JSON";
            }
        }
        for (int i = 0; i < expected.size(); i++) {
            ReferenceBoard.Row row = expected.get(i);
            JsonNode e = entries.get(i);
            long rank = switch (ties) {
                case "competition" -> row.competition();
                case "dense" -> row.dense();
                default -> row.ordinal();
            };
            if (!e.get("entity").asText().equals(row.entity()) || Double.compare(e.get("score").asDouble(), row.score()) != 0
                    || e.get("ordinalRank").asLong() != row.ordinal() || e.get("rank").asLong() != rank) {
                return "at ordinal rank " + row.ordinal() + ": " + e + ", expected " + row;
            }
        }
        return null;
    }

    @Test
    void everyInstanceAnswersTheGlobalRanksThroughAKillAndARestart() throws Exception {
        run.createTopics(6);
        ServiceProcess a = launch("replica-a", Map.of()).start(Duration.ofSeconds(90));
        ServiceProcess b = launch("replica-b", Map.of()).start(Duration.ofSeconds(90));
        ServiceProcess c = launch("replica-c", Map.of()).start(Duration.ofSeconds(90));
        createBoards(a); // at once used by events of every partition, consumed by all three

        long seed = System.nanoTime();
        System.out.println("[replicas-test] seed " + seed);
        MixedStream stream = new MixedStream().start(seed, 300);
        ServiceProcess.sleep(4000);
        Readers readers = new Readers().start(List.of(a, b));
        c.kill9();
        System.out.printf("[replicas-test] killed c after %d events%n", stream.produced.get());
        ServiceProcess.sleep(9000); // its partitions move to a and b after the session timeout
        readers.stop();
        c.start(Duration.ofSeconds(90));
        System.out.printf("[replicas-test] restarted c after %d events%n", stream.produced.get());
        ServiceProcess.sleep(4000);
        int events = stream.stop();

        assertThat(readers.failures).as("reads on the survivors while c was down (%d reads)", readers.reads.get()).isEmpty();
        assertThat(readers.reads.get()).isPositive();
        for (String board : TIES.keySet()) {
            for (ServiceProcess s : List.of(a, b, c)) {
                awaitInstanceEquals(s, board, stream.references.get(board), Duration.ofSeconds(60));
            }
        }
        List<ConsumerRecord<byte[], byte[]>> letters = run.readDeadLetters(1, Duration.ofSeconds(2));
        assertThat(letters).as("dead letters").isEmpty();
        System.out.printf("[replicas-test] %d events over 3 boards: every instance exact, %d reads on the survivors%n",
                events, readers.reads.get());
    }

    @Test
    void aCrashBetweenRedisAndTheChangelogLosesNothingOnTheReplicas() throws Exception {
        // Two partitions, three instances started in turn: a and b consume one each, c none (a pure replica). a halts
        // right after a batch that changed the entity "crash" reached Redis, before that batch reaches the changelog.
        // Its partition moves to b or c, which rebuilds from Redis; the other survivor can learn that batch from the
        // changelog only: the new owner's republish.
        run.createTopics(2);
        ServiceProcess a = launch("halting-a", Map.of("STANDINGS_FAULT_HALT_BEFORE_CHANGELOG_ENTITY", "crash"))
                .start(Duration.ofSeconds(90));
        ServiceProcess b = launch("halting-b", Map.of()).start(Duration.ofSeconds(90));
        ServiceProcess c = launch("halting-c", Map.of()).start(Duration.ofSeconds(90));
        ServiceProcess.sleep(3000); // the group settles: c gets no partition
        createBoards(b);
        MixedStream stream = new MixedStream().start(System.nanoTime(), 200);
        ServiceProcess.sleep(3000);
        int events = stream.stop();
        for (String board : TIES.keySet()) {
            awaitInstanceEquals(c, board, stream.references.get(board), Duration.ofSeconds(60));
        }
        // "crash" on every board: the keys land on both partitions, and only a halts on it.
        long ts = Instant.parse("2026-11-21T12:00:00Z").toEpochMilli();
        for (String board : TIES.keySet()) {
            stream.references.get(board).set("crash", 77, ts);
            run.send(board + "/crash", "{\"board\":\"" + board + "\",\"entity\":\"crash\",\"op\":\"set\",\"value\":77,"
                    + "\"ts\":\"" + Instant.ofEpochMilli(ts) + "\"}");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (a.isAlive() && System.nanoTime() < deadline) {
            ServiceProcess.sleep(20);
        }
        assertThat(a.isAlive()).as("a halted by the fault injection").isFalse();
        for (String board : TIES.keySet()) {
            awaitInstanceEquals(b, board, stream.references.get(board), Duration.ofSeconds(60));
            awaitInstanceEquals(c, board, stream.references.get(board), Duration.ofSeconds(60));
        }
        System.out.printf("[replicas-test] %d events; b and c exact after a's crash between Redis and the changelog%n",
                events);
    }

    @Test
    void aRedisLossWithThreeInstancesRunningEndsWithEveryScoreAtTheReference() throws Exception {
        run.createTopics(6);
        Map<String, String> often = Map.of("STANDINGS_RECONCILE_INTERVAL", "1s");
        ServiceProcess a = launch("flush-a", often).start(Duration.ofSeconds(90));
        ServiceProcess b = launch("flush-b", often).start(Duration.ofSeconds(90));
        ServiceProcess c = launch("flush-c", often).start(Duration.ofSeconds(90));
        createBoards(c);
        MixedStream stream = new MixedStream().start(System.nanoTime(), 300);
        ServiceProcess.sleep(5000); // checkpoints exist
        Readers readers = new Readers().start(List.of(a, b, c));
        run.flushRedis(); // every key of this run: the loss of everything Redis held
        System.out.printf("[replicas-test] flushed Redis after %d events%n", stream.produced.get());
        ServiceProcess.sleep(5000);
        int events = stream.stop();
        for (String board : TIES.keySet()) {
            for (ServiceProcess s : List.of(a, b, c)) {
                awaitInstanceEquals(s, board, stream.references.get(board), Duration.ofSeconds(90));
            }
        }
        readers.stop();
        assertThat(readers.failures).as("reads during the recovery (%d reads)", readers.reads.get()).isEmpty();
        for (String board : TIES.keySet()) {
            io.standings.testing.LiveStateAssertions.assertRedisEquals(run, board, Order.DESC, stream.references.get(board));
        }
        System.out.printf("[replicas-test] %d events, Redis lost mid-stream: every instance and Redis exact%n", events);
    }

    @Test
    void readsWithAProducersPositionAreNeverOlderAndAdminChangesReachEveryInstance() throws Exception {
        run.createTopics(6);
        ServiceProcess a = launch("ryw-a", Map.of()).start(Duration.ofSeconds(90));
        ServiceProcess b = launch("ryw-b", Map.of()).start(Duration.ofSeconds(90));
        ServiceProcess c = launch("ryw-c", Map.of()).start(Duration.ofSeconds(90));
        List<ServiceProcess> all = List.of(a, b, c);
        HttpResponse<String> created = a.admin("PUT", "/api/v1/boards/ryw", "{\"operator\":\"set\"}");
        assertThat(created.statusCode()).as(created.body()).isBetween(200, 201);

        // Read-your-writes: each write is read at once on another instance, with the position Kafka gave it.
        Random r = new Random(7);
        for (int i = 0; i < 60; i++) {
            String entity = "w" + r.nextInt(12);
            RecordMetadata written = run.send("ryw/" + entity, "{\"board\":\"ryw\",\"entity\":\"" + entity
                    + "\",\"value\":" + (1000 + i) + ",\"ts\":\"" + Instant.now() + "\"}");
            ServiceProcess reader = all.get(i % 3);
            HttpResponse<String> read = reader.get("/api/v1/boards/ryw/entries/" + entity + "?minPosition="
                    + written.partition() + ":" + written.offset());
            assertThat(read.statusCode()).as("read %d on %s: %s", i, reader.uri(""), read.body()).isEqualTo(200);
            assertThat(read.body()).as("read %d", i).contains("\"score\":" + (1000 + i) + ".0");
            String position = read.headers().firstValue("Standings-Position").orElse("");
            assertThat(position).as("position header").contains(written.partition() + ":");
        }
        // SSE on one instance follows the entities of every partition (most are consumed by the other two).
        for (int i = 0; i < 6; i++) {
            String entity = "live" + i;
            double score = 5000 + i;
            try (SseLines lines = SseLines.open(c.uri("/api/v1/boards/ryw/entries/" + entity + "/stream"))) {
                run.send("ryw/" + entity, "{\"board\":\"ryw\",\"entity\":\"" + entity + "\",\"value\":" + score
                        + ",\"ts\":\"" + Instant.now() + "\"}");
                assertThat(lines.awaitLineContaining("\"score\":" + score, Duration.ofSeconds(10)))
                        .as("the entry stream of %s on c", entity).isTrue();
            }
        }

        HttpResponse<String> bad = a.get("/api/v1/boards/ryw/top?minPosition=zero");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        HttpResponse<String> future = b.get("/api/v1/boards/ryw/top?minPosition=0:999999999");
        assertThat(future.statusCode()).isEqualTo(503);
        assertThat(future.headers().firstValue("Retry-After")).isPresent();

        // Admin changes made on one instance reach the others' memory.
        String victim = "w3";
        assertThat(b.admin("POST", "/api/v1/boards/ryw/entries/" + victim + "/quarantine", null).statusCode()).isEqualTo(200);
        for (ServiceProcess s : all) {
            awaitStatus(s, "/api/v1/boards/ryw/entries/" + victim, 404);
        }
        assertThat(c.admin("DELETE", "/api/v1/boards/ryw/entries/" + victim + "/quarantine", null).statusCode())
                .isEqualTo(200);
        for (ServiceProcess s : all) {
            awaitStatus(s, "/api/v1/boards/ryw/entries/" + victim, 200);
        }
        assertThat(a.admin("DELETE", "/api/v1/entities/" + victim, null).statusCode()).isEqualTo(200);
        for (ServiceProcess s : all) {
            awaitStatus(s, "/api/v1/boards/ryw/entries/" + victim, 404);
        }
        HttpResponse<String> changed = c.admin("PUT", "/api/v1/boards/ryw", "{\"operator\":\"set\",\"ties\":\"dense\"}");
        assertThat(changed.statusCode()).as(changed.body()).isBetween(200, 201);
        for (ServiceProcess s : all) {
            awaitBody(s, "/api/v1/boards/ryw", "\"ties\":\"dense\"");
        }
        assertThat(b.admin("DELETE", "/api/v1/boards/ryw", null).statusCode()).isEqualTo(204);
        for (ServiceProcess s : all) {
            awaitStatus(s, "/api/v1/boards/ryw", 404);
        }
    }

    @Test
    void aRestartDoesNotApplyAgainTheAdminChangesItsLoadAlreadyHolds() throws Exception {
        run.createTopics(2);
        ServiceProcess a = launch("again-a", Map.of()).start(Duration.ofSeconds(90));
        assertThat(a.admin("PUT", "/api/v1/boards/again", "{\"operator\":\"set\"}").statusCode()).isBetween(200, 201);
        assertThat(a.admin("PUT", "/api/v1/boards/again-gone", "{\"operator\":\"set\"}").statusCode()).isBetween(200, 201);
        write(a, "again", "erased", 10);
        write(a, "again", "held", 11);
        write(a, "again-gone", "kept", 12);
        // Erased, then created again by a later event; quarantined and restored; a board deleted and created again.
        assertThat(a.admin("DELETE", "/api/v1/entities/erased", null).statusCode()).isEqualTo(200);
        awaitStatus(a, "/api/v1/boards/again/entries/erased", 404);
        write(a, "again", "erased", 20);
        assertThat(a.admin("POST", "/api/v1/boards/again/entries/held/quarantine", null).statusCode()).isEqualTo(200);
        assertThat(a.admin("DELETE", "/api/v1/boards/again/entries/held/quarantine", null).statusCode()).isEqualTo(200);
        assertThat(a.admin("DELETE", "/api/v1/boards/again-gone", null).statusCode()).isEqualTo(204);
        assertThat(a.admin("PUT", "/api/v1/boards/again-gone", "{\"operator\":\"set\"}").statusCode()).isBetween(200, 201);
        write(a, "again-gone", "kept", 22);

        a.close();
        a.start(Duration.ofSeconds(90));
        // A second instance starting now loads the same state; neither may replay the changes above over it.
        ServiceProcess b = launch("again-b", Map.of()).start(Duration.ofSeconds(90));
        for (ServiceProcess s : List.of(a, b)) {
            awaitStatus(s, "/q/health/ready", 200); // ready: the follower has read the control topic to its end
            assertThat(s.get("/api/v1/boards/again/entries/erased").body()).as("erased, then written again, on %s", s.uri(""))
                    .contains("\"score\":20.0");
            assertThat(s.get("/api/v1/boards/again/entries/held").body()).as("restored, on %s", s.uri(""))
                    .contains("\"score\":11.0");
            assertThat(s.get("/api/v1/boards/again-gone/entries/kept").body()).as("board created again, on %s", s.uri(""))
                    .contains("\"score\":22.0");
        }
    }

    private void write(ServiceProcess on, String board, String entity, double score) {
        RecordMetadata m = run.send(board + "/" + entity, "{\"board\":\"" + board + "\",\"entity\":\"" + entity
                + "\",\"value\":" + score + ",\"ts\":\"" + Instant.now() + "\"}");
        HttpResponse<String> read = on.get("/api/v1/boards/" + board + "/entries/" + entity + "?minPosition="
                + m.partition() + ":" + m.offset());
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(read.body()).contains("\"score\":" + score);
    }

    /** An SSE stream read line by line on a thread of its own. */
    private static final class SseLines implements AutoCloseable {
        private final java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        private final java.util.concurrent.CompletableFuture<?> reading;

        private SseLines(java.net.URI uri) {
            java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(uri).header("Accept", "text/event-stream")
                    .build();
            reading = java.net.http.HttpClient.newHttpClient()
                    .sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofLines())
                    .thenAccept(response -> response.body().forEach(lines::add));
        }

        static SseLines open(java.net.URI uri) {
            return new SseLines(uri);
        }

        boolean awaitLineContaining(String part, Duration within) throws InterruptedException {
            long deadline = System.nanoTime() + within.toNanos();
            while (System.nanoTime() < deadline) {
                String line = lines.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (line != null && line.contains(part)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void close() {
            reading.cancel(true);
        }
    }

    private static void awaitStatus(ServiceProcess s, String path, int status) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = s.get(path).statusCode();
            if (last == status) {
                return;
            }
            ServiceProcess.sleep(100);
        }
        throw new AssertionError(path + " on " + s.uri("") + " answered " + last + ", expected " + status);
    }

    private static void awaitBody(ServiceProcess s, String path, String part) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            last = s.get(path).body();
            if (last.contains(part)) {
                return;
            }
            ServiceProcess.sleep(100);
        }
        throw new AssertionError(path + " on " + s.uri("") + " answered " + last + ", expected " + part);
    }
}
