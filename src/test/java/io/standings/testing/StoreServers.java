package io.standings.testing;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The real Redis and PostgreSQL for tests that drive a store class directly, without the application and
 * without Kafka (so they neither need a broker nor start one, as {@link ServerLocator} does when it misses one).
 * Found, in this order: the servers named by the same environment variables {@link ServerLocator} reads
 * ({@code STANDINGS_TEST_REDIS}, {@code STANDINGS_TEST_PG}, {@code STANDINGS_TEST_PG_USER},
 * {@code STANDINGS_TEST_PG_PASSWORD}); otherwise Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432, as
 * the role and database {@code standings} of {@code deploy/local/up}, or else as the superuser {@code postgres}
 * (trust authentication on 127.0.0.1, as on the development machines) on database {@code postgres}. Each test
 * class works in its own schema and under its own Redis key prefix. Fails, never skips, when nothing answers.
 */
public final class StoreServers {

    /** A PostgreSQL database the tests may create schemas in. */
    public record Postgres(String host, int port, String database, String user, String password) {

        public String jdbcUrl() {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }

        public Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl(), user, password);
        }
    }

    private static Postgres postgres;

    private StoreServers() {
    }

    public static String redisUri() {
        String uri = System.getenv("STANDINGS_TEST_REDIS");
        return uri == null || uri.isBlank() ? "redis://127.0.0.1:6379" : uri;
    }

    public static synchronized Postgres postgres() {
        if (postgres == null) {
            postgres = locatePostgres();
        }
        return postgres;
    }

    private static Postgres locatePostgres() {
        List<Postgres> candidates = new ArrayList<>();
        String named = System.getenv("STANDINGS_TEST_PG");
        if (named != null && !named.isBlank()) {
            URI uri = URI.create("postgresql://" + named);
            candidates.add(new Postgres(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), uri.getPath().substring(1),
                    env("STANDINGS_TEST_PG_USER", "standings"), env("STANDINGS_TEST_PG_PASSWORD", "standings")));
        } else {
            candidates.add(new Postgres("127.0.0.1", 5432, "standings", "standings", "standings"));
            candidates.add(new Postgres("127.0.0.1", 5432, "postgres", "postgres", ""));
        }
        List<String> failures = new ArrayList<>();
        for (Postgres candidate : candidates) {
            try (Connection c = candidate.connect()) {
                if (c.isValid(2)) {
                    return candidate;
                }
            } catch (SQLException e) {
                failures.add(candidate.user() + "@" + candidate.jdbcUrl() + ": " + e.getMessage());
            }
        }
        throw new IllegalStateException("No PostgreSQL for the tests (" + String.join("; ", failures) + "). Name one with "
                + "STANDINGS_TEST_PG (host:port/database), STANDINGS_TEST_PG_USER and STANDINGS_TEST_PG_PASSWORD.");
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
