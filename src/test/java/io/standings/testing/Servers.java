package io.standings.testing;

/**
 * Where the real Kafka, Redis and PostgreSQL servers of a test run are.
 *
 * @param origin how they were found, for the log: "environment", "testcontainers" or "local"
 * @param redisUri one redis:// URI, or for a Redis Cluster its seed nodes' URIs separated by commas
 */
public record Servers(String origin, String kafkaBootstrap, String redisUri, String pgHost, int pgPort,
        String pgDatabase, String pgUser, String pgPassword) {

    /** Whether Redis is a Redis Cluster (several seed nodes). */
    public boolean redisCluster() {
        return redisUri.contains(",");
    }

    /** The value of {@code quarkus.redis.client-type} (env REDIS_CLIENT_TYPE) for this Redis. */
    public String redisClientType() {
        return redisCluster() ? "cluster" : "standalone";
    }

    /** Client options for this Redis: one endpoint, or a cluster's seed nodes. */
    public io.vertx.redis.client.RedisOptions redisOptions() {
        return redisOptions(redisUri);
    }

    /** {@link #redisOptions()} for a URI of the same form. */
    public static io.vertx.redis.client.RedisOptions redisOptions(String uri) {
        io.vertx.redis.client.RedisOptions options = new io.vertx.redis.client.RedisOptions();
        for (String endpoint : uri.split(",")) {
            options.addConnectionString(endpoint.trim());
        }
        return options.setType(uri.contains(",") ? io.vertx.redis.client.RedisClientType.CLUSTER
                : io.vertx.redis.client.RedisClientType.STANDALONE);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + pgHost + ":" + pgPort + "/" + pgDatabase;
    }

    public String reactiveUrl() {
        return "postgresql://" + pgHost + ":" + pgPort + "/" + pgDatabase;
    }
}
