package io.standings.store.redis;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * How Standings sends several commands to Redis so that the same code runs on a single Redis and on Redis Cluster
 * ({@code quarkus.redis.client-type=cluster}). The rule: a pipeline or a transaction holds the keys of ONE slot
 * (one board period's keys, or one global key); different slots are separate pipelines, sent side by side, each
 * routed (and re-routed on MOVED/ASK) by the client.
 */
@ApplicationScoped
public class RedisSlots {

    /** Commands per pipelined round trip. */
    static final int PIPELINE = 50;
    /** Slots written or read side by side. */
    private static final int SLOTS_IN_FLIGHT = 8;

    private final Redis redis;
    private final boolean cluster;

    public RedisSlots(Redis redis, @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType) {
        this.redis = redis;
        this.cluster = "cluster".equalsIgnoreCase(clientType);
    }

    /** Whether Redis is a Redis Cluster. */
    public boolean cluster() {
        return cluster;
    }

    /** Sends commands of one slot in order, pipelined in round trips of {@value #PIPELINE}; their answers in order. */
    public Uni<List<Response>> inOneSlot(List<Request> requests) {
        return inChunks(requests, PIPELINE, redis::batch);
    }

    /**
     * Sends {@code requests} in chunks of {@code size}, one chunk after the other through {@code send} (a pipeline, a
     * transaction), and returns every answer in order.
     */
    static Uni<List<Response>> inChunks(List<Request> requests, int size,
            java.util.function.Function<List<Request>, Uni<List<Response>>> send) {
        return chunk(requests, 0, size, send, new ArrayList<>(requests.size()));
    }

    private static Uni<List<Response>> chunk(List<Request> requests, int from, int size,
            java.util.function.Function<List<Request>, Uni<List<Response>>> send, List<Response> answers) {
        if (from >= requests.size()) {
            return Uni.createFrom().item(answers);
        }
        int to = Math.min(requests.size(), from + size);
        return send.apply(requests.subList(from, to)).chain(part -> {
            answers.addAll(part);
            return chunk(requests, to, size, send, answers);
        });
    }

    /** The commands of one slot wrapped in MULTI … EXEC, to be sent as one pipeline. */
    public static List<Request> transaction(List<Request> commands) {
        List<Request> tx = new ArrayList<>(commands.size() + 2);
        tx.add(Request.cmd(Command.MULTI));
        tx.addAll(commands);
        tx.add(Request.cmd(Command.EXEC));
        return tx;
    }

    /** Sends each group (the commands of one slot, in order) side by side with the others. */
    public Uni<Void> perSlot(Collection<List<Request>> groups) {
        if (groups.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(groups)
                .onItem().transformToUni(this::inOneSlot).merge(SLOTS_IN_FLIGHT)
                .collect().last().replaceWithVoid();
    }

    /**
     * Every key matching a glob: SCAN on a single Redis; KEYS on every primary of a cluster (SCAN's cursor belongs
     * to one node). For a restore only, which rewrites everything anyway.
     */
    public Uni<Set<String>> keysMatching(String glob) {
        if (cluster) {
            // The cluster client sends a keyless KEYS to every primary's slot range and concatenates the answers.
            return redis.send(Request.cmd(Command.KEYS).arg(glob)).map(r -> {
                Set<String> found = new LinkedHashSet<>();
                if (r != null) {
                    r.forEach(k -> found.add(k.toString()));
                }
                return found;
            });
        }
        return scan("0", glob, new LinkedHashSet<>());
    }

    private Uni<Set<String>> scan(String cursor, String glob, Set<String> found) {
        return redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(glob).arg("COUNT").arg(1000))
                .chain(page -> {
                    page.get(1).forEach(k -> found.add(k.toString()));
                    String next = page.get(0).toString();
                    return "0".equals(next) ? Uni.createFrom().item(found) : scan(next, glob, found);
                });
    }

    /** Unlinks keys that may lie in different slots, one command per key, side by side. */
    public Uni<Void> unlink(Collection<String> keys) {
        if (keys.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(keys)
                .onItem().transformToUni(k -> redis.send(Request.cmd(Command.UNLINK).arg(k))).merge(64)
                .collect().last().replaceWithVoid();
    }
}
