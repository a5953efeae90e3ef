package io.standings.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Points the application under test at real Kafka, Redis and PostgreSQL servers (see
 * {@link ServerLocator}) and isolates each test class: its own topics (created here, 3 partitions),
 * consumer group, Redis key prefix and PostgreSQL schema (created by Flyway), all removed in
 * {@link #stop()}. Use it with {@code @WithTestResource(RealServices.class)}, which restarts the
 * application per test class, and declare a {@link TestRun} field to reach the same servers.
 */
public class RealServices implements QuarkusTestResourceLifecycleManager {

    static final int PARTITIONS = 3;

    private TestRun run;

    @Override
    public Map<String, String> start() {
        Servers servers = ServerLocator.servers();
        run = TestRun.create(servers);
        createTopics(servers, run);
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", servers.kafkaBootstrap());
        config.put("standings.topic", run.topic());
        config.put("mp.messaging.incoming.score-events.group.id", run.consumerGroup());
        config.put("quarkus.redis.hosts", servers.redisUri());
        config.put("standings.redis.key-prefix", run.redisPrefix());
        config.put("quarkus.datasource.username", servers.pgUser());
        config.put("quarkus.datasource.password", servers.pgPassword());
        config.put("quarkus.datasource.jdbc.url", servers.jdbcUrl() + "?currentSchema=" + run.schema());
        config.put("quarkus.datasource.reactive.url", servers.reactiveUrl() + "?search_path=" + run.schema());
        config.put("quarkus.flyway.schemas", run.schema());
        config.put("quarkus.flyway.default-schema", run.schema());
        config.put("quarkus.flyway.create-schemas", "true");
        return config;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(run, new TestInjector.MatchesType(TestRun.class));
    }

    @Override
    public void stop() {
        if (run == null) {
            return;
        }
        run.close();
        Servers servers = run.servers();
        try (Admin admin = admin(servers)) {
            admin.deleteTopics(List.of(run.topic(), run.dlqTopic())).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.out.printf("[standings-tests] could not delete topics of %s: %s%n", run.topic(), e);
        }
        try (var c = DriverManager.getConnection(servers.jdbcUrl(), servers.pgUser(), servers.pgPassword());
                var s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + run.schema() + " CASCADE");
        } catch (SQLException e) {
            System.out.printf("[standings-tests] could not drop schema %s: %s%n", run.schema(), e);
        }
        deleteRedisKeys(servers.redisUri(), run.redisPrefix());
    }

    private static void createTopics(Servers servers, TestRun run) {
        try (Admin admin = admin(servers)) {
            admin.createTopics(List.of(new NewTopic(run.topic(), PARTITIONS, (short) 1),
                    new NewTopic(run.dlqTopic(), 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not create the test topics on " + servers.kafkaBootstrap(), e);
        }
    }

    private static Admin admin(Servers servers) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers.kafkaBootstrap()));
    }

    /** SCAN + UNLINK every key under the prefix, so test classes never see each other's data. */
    static void deleteRedisKeys(String uri, String prefix) {
        Vertx vertx = Vertx.vertx();
        try {
            Redis redis = Redis.createClient(vertx, uri);
            String cursor = "0";
            do {
                Response page = redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(prefix + "*")
                        .arg("COUNT").arg(1000)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                cursor = page.get(0).toString();
                Response keys = page.get(1);
                if (keys.size() > 0) {
                    Request unlink = Request.cmd(Command.UNLINK);
                    keys.forEach(k -> unlink.arg(k.toString()));
                    redis.send(unlink).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                }
            } while (!"0".equals(cursor));
            redis.close();
        } catch (Exception e) {
            System.out.printf("[standings-tests] could not delete Redis keys %s*: %s%n", prefix, e);
        } finally {
            vertx.close();
        }
    }
}
