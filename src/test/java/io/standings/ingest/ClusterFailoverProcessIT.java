package io.standings.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.standings.store.redis.MemberCodec;
import io.standings.store.redis.RedisKeys;
import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.RedisProbe;
import io.standings.testing.ReferenceBoard;
import io.standings.testing.ServerLocator;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TestRun;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Redis Cluster primary is killed with SIGKILL in the middle of a stream of {@code incr} events over board periods
 * spread across the cluster's slots; its replica is promoted by the cluster (asynchronous replication: the promoted
 * replica may lack the last writes it had acknowledged). At the end every entity's score is exactly the sum of its
 * events in the service's memory, in Redis (every board period, read through the cluster with ZRANGE, ZSCORE and
 * ZRANK as another reader would) and in PostgreSQL's ranking. And a slot moved to another primary mid-stream (keys
 * migrated a few at a time, the writes meeting ASK and TRYAGAIN): nothing lost or counted twice either. Runs only
 * against a Redis Cluster (the build's {@code redis-cluster-it} execution); a killed node is started again
 * afterwards, as a replica.
 */
class ClusterFailoverProcessIT {

    private static final List<String> BOARDS = List.of("fo-a", "fo-b", "fo-c", "fo-d", "fo-e", "fo-f");

    private TestRun run;
    private ServiceProcess service;
    private RedisProbe redis;
    private List<String> killedCommandLine;

    @BeforeEach
    void start() {
        Assumptions.assumeTrue(ServerLocator.servers().redisCluster(), "needs a Redis Cluster (-Dstandings.test.redis=cluster)");
        run = TestRun.create(ServerLocator.servers());
        run.createTopics(3);
        redis = new RedisProbe(run.servers().redisUri());
        Map<String, String> env = run.serviceEnvironment();
        env.put("STANDINGS_BOARDS_SEED", String.join(",", BOARDS.stream().map(b -> b + ":desc:ordinal:incr").toList()));
        env.put("STANDINGS_RECONCILE_INTERVAL", "1s");
        env.put("STANDINGS_RECONCILE_MAX_SHARE", "1");
        service = new ServiceProcess("failover", env).start(Duration.ofSeconds(90));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (service != null) {
                service.close();
            }
            if (killedCommandLine != null) {
                restartKilledNode();
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
            if (run != null) {
                run.cleanUp();
            }
        }
    }

    @Test
    void aPrimaryKilledMidStreamLosesNothingAndCountsNothingTwice() throws Exception {
        long seed = System.nanoTime();
        System.out.println("[failover-test] seed " + seed);
        RedisKeys keys = new RedisKeys(run.redisPrefix());
        Map<String, IncrementStream> streams = startStreams(BOARDS.size(), seed);
        ServiceProcess.sleep(2_000);
        // The primary serving the first board period's slot.
        String victim = primaryOf(keys.ranks(BOARDS.get(0), "all"));
        int killedAt = streams.values().stream().mapToInt(IncrementStream::produced).sum();
        killPrimary(victim);
        System.out.printf("[failover-test] kill -9 of primary %s after %d events%n", victim, killedAt);
        // Until the cluster promoted the replica (a client connects to every node its slot map names, so it fails
        // until the map no longer names the dead primary).
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> !victim.equals(primaryOf(keys.ranks(BOARDS.get(0), "all"))));
        System.out.printf("[failover-test] %s's slot now served by %s%n", BOARDS.get(0), primaryOf(keys.ranks(BOARDS.get(0), "all")));
        ServiceProcess.sleep(3_000); // the stream goes on against the promoted replica
        int events = stopAndAssertExact(keys, streams);
        for (Map.Entry<String, IncrementStream> e : streams.entrySet()) {
            ReferenceBoard reference = e.getValue().reference();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(
                    () -> LiveStateAssertions.assertPostgresRankingEquals(run, e.getKey(), "all", reference));
        }
        String metrics = service.get("/q/metrics").body();
        System.out.printf("[failover-test] %d events over %d board periods: exact in memory, Redis and PostgreSQL (%s)%n",
                events, BOARDS.size(), metricLines(metrics, "standings_ingest_fences_total"));
    }

    @Test
    void aSlotMovedToAnotherPrimaryMidStreamLosesNothingAndCountsNothingTwice() throws Exception {
        long seed = System.nanoTime();
        System.out.println("[slot-move-test] seed " + seed);
        RedisKeys keys = new RedisKeys(run.redisPrefix());
        Map<String, IncrementStream> streams = startStreams(3, seed);
        ServiceProcess.sleep(2_000);
        String key = keys.ranks(BOARDS.get(1), "all");
        long slot = redis.send(Request.cmd(Command.CLUSTER).arg("KEYSLOT").arg(key)).toLong();
        String from = primaryOf(key);
        String to = primaries().stream().filter(p -> !p.equals(from)).findFirst().orElseThrow();
        int moved = moveSlot(slot, from, to);
        System.out.printf("[slot-move-test] slot %d (%s) moved from %s to %s mid-stream (%d keys) after %d events%n", slot,
                BOARDS.get(1), from, to, moved, streams.values().stream().mapToInt(IncrementStream::produced).sum());
        assertThat(primaryOf(key)).isEqualTo(to);
        ServiceProcess.sleep(2_000);
        int events = stopAndAssertExact(keys, streams);
        System.out.printf("[slot-move-test] %d events: exact in memory and Redis%n", events);
    }

    /** An {@code incr} stream on each of the first {@code boards} boards. */
    private Map<String, IncrementStream> startStreams(int boards, long seed) {
        Map<String, IncrementStream> streams = new LinkedHashMap<>();
        for (int i = 0; i < boards; i++) {
            streams.put(BOARDS.get(i), new IncrementStream(run, BOARDS.get(i), 150, seed + i).start());
        }
        return streams;
    }

    /**
     * Stops the streams, waits until Redis's floors cover every event, then asserts each board exact in Redis (in
     * order, and entity by entity through the cluster) and in the service's memory; returns the events produced.
     */
    private int stopAndAssertExact(RedisKeys keys, Map<String, IncrementStream> streams) {
        int events = 0;
        for (IncrementStream stream : streams.values()) {
            events += stream.stop();
        }
        LiveStateAssertions.awaitOffsets(run, events, Duration.ofSeconds(120));
        for (Map.Entry<String, IncrementStream> e : streams.entrySet()) {
            ReferenceBoard reference = e.getValue().reference();
            LiveStateAssertions.assertRedisEquals(run, e.getKey(), io.standings.core.index.Order.DESC, reference);
            assertEachEntityReadsBack(keys, e.getKey(), reference);
            LiveStateAssertions.assertServiceAnswers(service, e.getKey(), reference);
        }
        return events;
    }

    /** "host:port" of every primary. */
    private List<String> primaries() {
        List<String> found = new ArrayList<>();
        for (Response range : redis.send(Request.cmd(Command.CLUSTER).arg("SLOTS"))) {
            String primary = range.get(2).get(0).toString() + ":" + range.get(2).get(1).toLong();
            if (!found.contains(primary)) {
                found.add(primary);
            }
        }
        return found;
    }

    /**
     * Moves one slot between primaries the way {@code redis-cli --cluster reshard} does, in steps of a few keys with
     * pauses, so that the stream's writes meet the slot while it is half moved (ASK, TRYAGAIN). Returns the keys moved.
     */
    private int moveSlot(long slot, String from, String to) {
        try (RedisProbe source = new RedisProbe("redis://" + from); RedisProbe target = new RedisProbe("redis://" + to)) {
            String sourceId = source.send(Request.cmd(Command.CLUSTER).arg("MYID")).toString();
            String targetId = target.send(Request.cmd(Command.CLUSTER).arg("MYID")).toString();
            target.send(Request.cmd(Command.CLUSTER).arg("SETSLOT").arg(slot).arg("IMPORTING").arg(sourceId));
            source.send(Request.cmd(Command.CLUSTER).arg("SETSLOT").arg(slot).arg("MIGRATING").arg(targetId));
            int moved = 0;
            while (true) {
                Response keysInSlot = source.send(Request.cmd(Command.CLUSTER).arg("GETKEYSINSLOT").arg(slot).arg(2));
                if (keysInSlot.size() == 0) {
                    break;
                }
                Request migrate = Request.cmd(Command.MIGRATE).arg(to.substring(0, to.lastIndexOf(':')))
                        .arg(to.substring(to.lastIndexOf(':') + 1)).arg("").arg(0).arg(5000).arg("KEYS");
                keysInSlot.forEach(k -> migrate.arg(k.toString()));
                source.send(migrate);
                moved += keysInSlot.size();
                ServiceProcess.sleep(300);
            }
            for (String node : primaries()) {
                try (RedisProbe each = new RedisProbe("redis://" + node)) {
                    each.send(Request.cmd(Command.CLUSTER).arg("SETSLOT").arg(slot).arg("NODE").arg(targetId));
                }
            }
            return moved;
        }
    }

    /** Each entity as a reader of the cluster finds it: HGET its member, ZSCORE and ZRANK in the board period. */
    private void assertEachEntityReadsBack(RedisKeys keys, String board, ReferenceBoard reference) {
        for (ReferenceBoard.Row row : reference.ranked()) {
            Response member = redis.send(Request.cmd(Command.HGET).arg(keys.members(board, "all")).arg(row.entity()));
            assertThat(member).as("member of %s in %s", row.entity(), board).isNotNull();
            Response score = redis.send(Request.cmd(Command.ZSCORE).arg(keys.ranks(board, "all")).arg(member.toString()));
            assertThat(MemberCodec.score(score.toDouble(), io.standings.core.index.Order.DESC)).as("ZSCORE of %s", row.entity())
                    .isEqualTo(row.score());
            Response rank = redis.send(Request.cmd(Command.ZRANK).arg(keys.ranks(board, "all")).arg(member.toString()));
            assertThat(rank.toLong() + 1).as("ZRANK of %s", row.entity()).isEqualTo(row.ordinal());
        }
    }

    /** "host:port" of the primary that serves the key's slot (CLUSTER SHARDS / SLOTS through the cluster). */
    private String primaryOf(String key) {
        long slot = redis.send(Request.cmd(Command.CLUSTER).arg("KEYSLOT").arg(key)).toLong();
        Response slots = redis.send(Request.cmd(Command.CLUSTER).arg("SLOTS"));
        for (Response range : slots) {
            if (range.get(0).toLong() <= slot && slot <= range.get(1).toLong()) {
                Response primary = range.get(2);
                return primary.get(0).toString() + ":" + primary.get(1).toLong();
            }
        }
        throw new IllegalStateException("no primary serves slot " + slot);
    }

    private void killPrimary(String hostPort) throws Exception {
        killedCommandLine = startCommandOf(hostPort);
        int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
        new ProcessBuilder("kill", "-9", Long.toString(pidListeningOn(port))).inheritIO().start().waitFor();
    }

    /** The killed node comes back empty (no persistence) and joins as a replica of the promoted one. */
    private void restartKilledNode() throws Exception {
        List<String> command = new ArrayList<>(killedCommandLine);
        killedCommandLine = null;
        new ProcessBuilder(command).inheritIO().start().waitFor();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            Response info = redis.send(Request.cmd(Command.CLUSTER).arg("INFO"));
            return info.toString().contains("cluster_state:ok") && redis.send(Request.cmd(Command.CLUSTER).arg("NODES"))
                    .toString().lines().noneMatch(l -> l.contains("fail"));
        });
    }

    /** The pid of the redis-server whose command line names the port (`redis-server 127.0.0.1:PORT [cluster]`). */
    private static long pidListeningOn(int port) throws IOException {
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = Files.readString(p.resolve("cmdline"), StandardCharsets.UTF_8).replace('\0', ' ');
                    if (cmd.startsWith("redis-server") && cmd.contains(":" + port + " ")) {
                        return Long.parseLong(p.getFileName().toString());
                    }
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        }
        throw new IllegalStateException("no redis-server on port " + port);
    }

    /**
     * How to start the node again as it runs now: its own configuration (CONFIG GET), the same nodes.conf (so it keeps
     * its node id and rejoins the cluster), without persistence.
     */
    private static List<String> startCommandOf(String hostPort) {
        try (RedisProbe node = new RedisProbe("redis://" + hostPort)) {
            List<String> command = new ArrayList<>(List.of("redis-server", "--daemonize", "yes", "--save", "", "--appendonly", "no"));
            for (String name : List.of("bind", "port", "cluster-enabled", "cluster-config-file", "cluster-node-timeout", "dir",
                    "logfile", "pidfile")) {
                Response r = node.send(Request.cmd(Command.CONFIG).arg("GET").arg(name));
                String value;
                try {
                    value = r.get(name).toString(); // RESP3: a map
                } catch (RuntimeException notAMap) {
                    value = r.get(1).toString(); // RESP2: [name, value]
                }
                if (name.equals("cluster-config-file") && !value.startsWith("/")) {
                    continue; // relative to dir: the default is found there again
                }
                command.add("--" + name);
                command.addAll(List.of(value.split(" ")));
            }
            return command;
        }
    }

    private static String metricLines(String metrics, String... names) {
        List<String> found = new ArrayList<>();
        metrics.lines().filter(l -> !l.startsWith("#"))
                .filter(l -> java.util.Arrays.stream(names).anyMatch(l::startsWith)).forEach(found::add);
        return String.join("; ", found);
    }
}
