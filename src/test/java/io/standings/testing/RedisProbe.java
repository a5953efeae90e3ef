package io.standings.testing;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Reads Redis directly, as another service would, for tests that run the service as a process. */
public final class RedisProbe implements AutoCloseable {

    public record Member(String member, double score) {
    }

    private final Vertx vertx = Vertx.vertx();
    private final Redis redis;
    private final boolean cluster;

    /** A probe of the Redis of {@code uri}: one redis:// URI, or a cluster's seed nodes separated by commas. */
    public RedisProbe(String uri) {
        this.redis = Redis.createClient(vertx, Servers.redisOptions(uri));
        this.cluster = uri.contains(",");
    }

    /**
     * Every key under {@code prefix}: SCAN on a single Redis, KEYS on a cluster (the client sends it to every primary
     * and joins the answers; SCAN's cursor belongs to one node).
     */
    public java.util.Set<String> keys(String prefix) {
        java.util.Set<String> keys = new java.util.TreeSet<>();
        if (cluster) {
            send(Request.cmd(Command.KEYS).arg(prefix + "*")).forEach(k -> keys.add(k.toString()));
            return keys;
        }
        String cursor = "0";
        do {
            Response page = send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(prefix + "*").arg("COUNT").arg(1000));
            cursor = page.get(0).toString();
            page.get(1).forEach(k -> keys.add(k.toString()));
        } while (!"0".equals(cursor));
        return keys;
    }

    public Response send(Request request) {
        try {
            return redis.send(request).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Redis " + request.command() + " failed", e);
        }
    }

    /** Sends commands on one connection, in order (on a cluster: keys of one slot only); their answers. */
    public List<Response> batch(List<Request> requests) {
        try {
            return redis.batch(requests).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Redis batch failed", e);
        }
    }

    /** ZRANGE key 0 -1 WITHSCORES, in order. */
    public List<Member> zrange(String key) {
        Response r = send(Request.cmd(Command.ZRANGE).arg(key).arg(0).arg(-1).arg("WITHSCORES"));
        List<Member> members = new ArrayList<>();
        if (r == null || r.size() == 0) {
            return members;
        }
        boolean nested = r.get(0).type() == ResponseType.MULTI;
        int rows = nested ? r.size() : r.size() / 2;
        for (int i = 0; i < rows; i++) {
            members.add(nested ? new Member(r.get(i).get(0).toString(), r.get(i).get(1).toDouble())
                    : new Member(r.get(2 * i).toString(), r.get(2 * i + 1).toDouble()));
        }
        return members;
    }

    public java.util.Set<String> smembers(String key) {
        Response r = send(Request.cmd(Command.SMEMBERS).arg(key));
        java.util.Set<String> result = new java.util.HashSet<>();
        if (r != null) {
            r.forEach(m -> result.add(m.toString()));
        }
        return result;
    }

    public Map<String, String> hgetall(String key) {
        Response r = send(Request.cmd(Command.HGETALL).arg(key));
        Map<String, String> result = new HashMap<>();
        if (r != null) {
            for (String field : r.getKeys()) {
                result.put(field, r.get(field).toString());
            }
        }
        return result;
    }

    /** Deletes every key under {@code prefix} (one key per command: on a cluster they lie in different slots). */
    public void deleteAll(String prefix) {
        keys(prefix).forEach(key -> send(Request.cmd(Command.UNLINK).arg(key)));
    }

    /** Every key under {@code prefix} with its content (zset members, hash fields, set members; else its type). */
    public Map<String, Object> dump(String prefix) {
        Map<String, Object> all = new java.util.TreeMap<>();
        keys(prefix).forEach(key -> {
            String type = send(Request.cmd(Command.TYPE).arg(key)).toString();
            all.put(key, switch (type) {
                case "zset" -> zrange(key);
                case "hash" -> new java.util.TreeMap<>(hgetall(key));
                case "set" -> new java.util.TreeSet<>(smembers(key));
                default -> type;
            });
        });
        return all;
    }

    @Override
    public void close() {
        redis.close();
        vertx.close();
    }
}
