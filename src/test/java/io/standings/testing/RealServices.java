package io.standings.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Points the application under test at real Kafka, Redis and PostgreSQL servers (see
 * {@link ServerLocator}) and isolates each test class: its own topics (created here, 3 partitions),
 * consumer group, Redis key prefix and PostgreSQL schema (created by Flyway), all removed in
 * {@link #stop()}. Use it with
 * {@code @WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)},
 * which starts the application afresh for each test class, and declare a {@link TestRun} field to reach
 * the same servers and slice.
 */
public class RealServices implements QuarkusTestResourceLifecycleManager {

    static final int PARTITIONS = 3;

    /** Init arg: "true" lets the first event of an unknown board create it, as the read-side tests expect. */
    public static final String AUTO_CREATE = "auto-create-boards";

    /**
     * Init arg: "true" routes the application's reactive datasource (not Flyway's JDBC migration) through a
     * {@link TcpProxy} to PostgreSQL, injected into test fields of that type, so that a test can make
     * PostgreSQL unreachable for its application alone ({@link TcpProxy#cut()}).
     */
    public static final String PG_PROXY = "pg-proxy";

    /**
     * Init arg: "true" routes the application's Redis client through a {@link RedisFaultProxy}, injected into test
     * fields of that type, so that a test can cut Redis for its application alone or lose one script's reply.
     */
    public static final String REDIS_PROXY = "redis-proxy";

    private TestRun run;
    private boolean autoCreate;
    private boolean pgProxy;
    private TcpProxy proxy;
    private boolean redisProxy;
    private RedisFaultProxy redisFaults;

    @Override
    public void init(Map<String, String> initArgs) {
        autoCreate = Boolean.parseBoolean(initArgs.getOrDefault(AUTO_CREATE, "false"));
        pgProxy = Boolean.parseBoolean(initArgs.getOrDefault(PG_PROXY, "false"));
        redisProxy = Boolean.parseBoolean(initArgs.getOrDefault(REDIS_PROXY, "false"));
    }

    @Override
    public Map<String, String> start() {
        Servers servers = ServerLocator.servers();
        run = TestRun.create(servers);
        run.createTopics(PARTITIONS);
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", servers.kafkaBootstrap());
        config.put("standings.topic", run.topic());
        config.put("standings.changelog.topic", run.changelogTopic());
        config.put("standings.control.topic", run.controlTopic());
        config.put("mp.messaging.incoming.score-events.group.id", run.consumerGroup());
        config.put("quarkus.redis.hosts", servers.redisUri());
        config.put("quarkus.redis.client-type", servers.redisClientType());
        config.put("standings.redis.key-prefix", run.redisPrefix());
        config.put("quarkus.datasource.username", servers.pgUser());
        config.put("quarkus.datasource.password", servers.pgPassword());
        config.put("quarkus.datasource.jdbc.url", servers.jdbcUrl() + "?currentSchema=" + run.schema());
        config.put("quarkus.datasource.reactive.url", servers.reactiveUrl() + "?search_path=" + run.schema());
        config.put("quarkus.flyway.schemas", run.schema());
        config.put("quarkus.flyway.default-schema", run.schema());
        config.put("quarkus.flyway.create-schemas", "true");
        if (autoCreate) {
            config.put("standings.boards.auto-create", "true");
        }
        if (pgProxy) {
            proxy = new TcpProxy(servers.pgHost(), servers.pgPort()).start();
            config.put("quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + proxy.port() + "/"
                    + servers.pgDatabase() + "?search_path=" + run.schema());
        }
        if (redisProxy && servers.redisCluster()) {
            // A cluster client reaches every node at the address the cluster announces: a proxy in front of one seed
            // node is bypassed. These tests cut or delay one standalone Redis; they run against it alone.
            throw new IllegalStateException("the Redis fault proxy needs a standalone Redis, not a cluster");
        }
        if (redisProxy) {
            redisFaults = RedisFaultProxy.forUri(servers.redisUri()).start();
            config.put("quarkus.redis.hosts", redisFaults.uriFor(servers.redisUri()));
        }
        return config;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(run, new TestInjector.MatchesType(TestRun.class));
        if (proxy != null) {
            injector.injectIntoFields(proxy, new TestInjector.MatchesType(TcpProxy.class));
        }
        if (redisFaults != null) {
            injector.injectIntoFields(redisFaults, new TestInjector.MatchesType(RedisFaultProxy.class));
        }
    }

    @Override
    public void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (redisFaults != null) {
            redisFaults.close();
        }
        if (run != null) {
            run.cleanUp();
        }
    }

}
