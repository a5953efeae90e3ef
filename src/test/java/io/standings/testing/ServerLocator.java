package io.standings.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Finds real servers for the tests, in this order:
 * <ol>
 *   <li>servers named by the environment: {@code STANDINGS_TEST_KAFKA} (bootstrap servers),
 *       {@code STANDINGS_TEST_REDIS} (redis:// URI), {@code STANDINGS_TEST_PG} (host:port/database, with
 *       {@code STANDINGS_TEST_PG_USER} / {@code STANDINGS_TEST_PG_PASSWORD});</li>
 *   <li>Testcontainers, when a Docker engine answers (Kafka, PostgreSQL and Redis containers);</li>
 *   <li>the local servers on their default ports (Kafka 127.0.0.1:9092, Redis 127.0.0.1:6379,
 *       PostgreSQL 127.0.0.1:5432 with role and database {@code standings}); whatever is missing is
 *       started with {@code deploy/local/up --services-only}.</li>
 * </ol>
 * Nothing here is a stand-in: every test talks to a real broker, Redis and PostgreSQL. When none can be
 * found the tests fail with a message that names what is missing.
 */
public final class ServerLocator {

    private static Servers servers;

    private ServerLocator() {
    }

    public static synchronized Servers servers() {
        if (servers == null) {
            servers = locate();
            System.out.printf("[standings-tests] using %s servers: kafka=%s redis=%s postgresql=%s%n", servers.origin(),
                    servers.kafkaBootstrap(), servers.redisUri(), servers.jdbcUrl());
        }
        return servers;
    }

    /**
     * {@code -Dstandings.test.redis=cluster} (the Maven build's {@code redis-cluster-it} execution) runs the tests
     * against a Redis Cluster: {@code STANDINGS_TEST_REDIS_CLUSTER} (seed URIs, comma-separated), else the local one
     * of {@code deploy/local/up --redis-cluster} (127.0.0.1:7000-7005), started when it does not answer.
     */
    private static Servers locate() {
        Servers found = locateServers();
        if (!"cluster".equals(System.getProperty("standings.test.redis", "standalone"))) {
            return found;
        }
        String seeds = env("STANDINGS_TEST_REDIS_CLUSTER", LOCAL_CLUSTER);
        if (seeds.equals(LOCAL_CLUSTER) && !listening("127.0.0.1", 7000)) {
            runUp("--services-only", "--redis-cluster");
        }
        return new Servers(found.origin() + " with Redis Cluster", found.kafkaBootstrap(), seeds, found.pgHost(),
                found.pgPort(), found.pgDatabase(), found.pgUser(), found.pgPassword());
    }

    private static final String LOCAL_CLUSTER = "redis://127.0.0.1:7000,redis://127.0.0.1:7001,redis://127.0.0.1:7002";

    private static Servers locateServers() {
        String kafka = System.getenv("STANDINGS_TEST_KAFKA");
        String redis = System.getenv("STANDINGS_TEST_REDIS");
        String pg = System.getenv("STANDINGS_TEST_PG");
        if (kafka != null && redis != null && pg != null) {
            URI pgUri = URI.create("postgresql://" + pg);
            return new Servers("environment", kafka, redis, pgUri.getHost(), pgUri.getPort() < 0 ? 5432 : pgUri.getPort(),
                    pgUri.getPath().substring(1), env("STANDINGS_TEST_PG_USER", "standings"),
                    env("STANDINGS_TEST_PG_PASSWORD", "standings"));
        }
        if (dockerAvailable()) {
            return containers();
        }
        return local();
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @SuppressWarnings("resource") // the containers live as long as the test JVM; Ryuk removes them
    private static Servers containers() {
        KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.1");
        PostgreSQLContainer pg = new PostgreSQLContainer("postgres:15-alpine")
                .withDatabaseName("standings").withUsername("standings").withPassword("standings");
        GenericContainer<?> redis = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
        kafka.start();
        pg.start();
        redis.start();
        return new Servers("testcontainers", kafka.getBootstrapServers(),
                "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379), pg.getHost(), pg.getMappedPort(5432),
                "standings", "standings", "standings");
    }

    private static Servers local() {
        Servers local = new Servers("local", "127.0.0.1:9092", "redis://127.0.0.1:6379", "127.0.0.1", 5432,
                "standings", "standings", "standings");
        List<String> missing = missing(local);
        if (!missing.isEmpty()) {
            startLocalServices(missing);
            missing = missing(local);
            if (!missing.isEmpty()) {
                throw new IllegalStateException("No " + String.join(", ", missing) + " for the tests. Start them with "
                        + "`deploy/local/up --services-only`, or name running servers with STANDINGS_TEST_KAFKA, "
                        + "STANDINGS_TEST_REDIS and STANDINGS_TEST_PG, or run a Docker engine for Testcontainers.");
            }
        }
        return local;
    }

    private static List<String> missing(Servers s) {
        List<String> missing = new ArrayList<>();
        if (!listening("127.0.0.1", 9092)) {
            missing.add("Kafka broker on 127.0.0.1:9092");
        }
        if (!listening("127.0.0.1", 6379)) {
            missing.add("Redis on 127.0.0.1:6379");
        }
        try (var c = DriverManager.getConnection(s.jdbcUrl(), s.pgUser(), s.pgPassword())) {
            c.isValid(2);
        } catch (SQLException e) {
            missing.add("PostgreSQL database 'standings' for role 'standings' on 127.0.0.1:5432 (" + e.getMessage() + ")");
        }
        return missing;
    }

    private static void startLocalServices(List<String> missing) {
        System.out.printf("[standings-tests] missing %s%n", missing);
        runUp("--services-only");
    }

    private static void runUp(String... options) {
        Path up = projectRoot().resolve("deploy/local/up");
        if (!Files.isExecutable(up)) {
            return;
        }
        System.out.printf("[standings-tests] running %s %s%n", up, String.join(" ", options));
        try {
            List<String> command = new ArrayList<>(List.of("bash", up.toString()));
            command.addAll(List.of(options));
            Process process = new ProcessBuilder(command).directory(projectRoot().toFile()).inheritIO().start();
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            System.out.printf("[standings-tests] could not run %s: %s%n", up, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static Path projectRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("pom.xml"))) {
            dir = dir.getParent();
        }
        return dir == null ? Path.of("").toAbsolutePath() : dir;
    }

    private static boolean listening(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
