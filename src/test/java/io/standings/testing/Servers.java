package io.standings.testing;

/**
 * Where the real Kafka, Redis and PostgreSQL servers of a test run are.
 *
 * @param origin how they were found, for the log: "environment", "testcontainers" or "local"
 */
public record Servers(String origin, String kafkaBootstrap, String redisUri, String pgHost, int pgPort,
        String pgDatabase, String pgUser, String pgPassword) {

    public String jdbcUrl() {
        return "jdbc:postgresql://" + pgHost + ":" + pgPort + "/" + pgDatabase;
    }

    public String reactiveUrl() {
        return "postgresql://" + pgHost + ":" + pgPort + "/" + pgDatabase;
    }
}
