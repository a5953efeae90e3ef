package io.standings.live;

import io.smallrye.mutiny.Uni;
import io.standings.index.Entry;
import io.standings.index.Order;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes whole board periods into Redis with the same layout and {@link MemberCodec} as the ingest: used
 * to restore Redis from the PostgreSQL checkpoint after a loss, and to repair a board period that drifted
 * from memory. Writes go in pipelined chunks; callers hold the {@link SnapshotGate} so no batch interleaves.
 */
@ApplicationScoped
public class RedisStateWriter {

    private static final int CHUNK = 1_000;
    private static final int PIPELINE = 50;

    private final Redis redis;
    private final RedisKeys keys;

    public RedisStateWriter(Redis redis, RedisScoreStore store) {
        this.redis = redis;
        this.keys = store.keys();
    }

    public RedisKeys keys() {
        return keys;
    }

    public Uni<Boolean> markerExists() {
        return redis.send(Request.cmd(Command.EXISTS).arg(keys.marker())).map(r -> r != null && r.toInteger() == 1);
    }

    public Uni<Void> setMarker() {
        return redis.send(Request.cmd(Command.SET).arg(keys.marker()).arg(Long.toString(System.currentTimeMillis())))
                .replaceWithVoid();
    }

    /**
     * Redis's {@code maxmemory-policy}, or null when it cannot be read (CONFIG disabled, as on some managed
     * services).
     */
    public Uni<String> evictionPolicy() {
        return redis.send(Request.cmd(Command.CONFIG).arg("GET").arg("maxmemory-policy"))
                .map(r -> {
                    if (r == null || r.size() == 0) {
                        return null;
                    }
                    // RESP2 answers [name, value]; RESP3 a map.
                    Response v = r.get("maxmemory-policy");
                    return v != null ? v.toString() : r.size() > 1 ? r.get(1).toString() : null;
                })
                .onFailure().recoverWithNull();
    }

    /** Deletes every key under the prefix (SCAN MATCH prefix* + UNLINK), so a restore starts from nothing. */
    public Uni<Void> wipe() {
        return wipeFrom("0");
    }

    private Uni<Void> wipeFrom(String cursor) {
        return redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(glob(keys.prefix()) + "*")
                .arg("COUNT").arg(1000)).chain(page -> {
                    String next = page.get(0).toString();
                    Response found = page.get(1);
                    Uni<Void> unlink = Uni.createFrom().voidItem();
                    if (found.size() > 0) {
                        Request r = Request.cmd(Command.UNLINK);
                        found.forEach(k -> r.arg(k.toString()));
                        unlink = redis.send(r).replaceWithVoid();
                    }
                    return unlink.chain(() -> "0".equals(next) ? Uni.createFrom().voidItem() : wipeFrom(next));
                });
    }

    /** Replaces one board period's sorted set and member hash with the given entries (any order). */
    public Uni<Void> writePeriod(String boardPeriod, Order order, String[] entities, double[] scores, long[] reachedAt,
            int n) {
        String ranks = keys.ranks(boardPeriod);
        String members = keys.members(boardPeriod);
        List<Request> requests = new ArrayList<>();
        requests.add(Request.cmd(Command.UNLINK).arg(ranks).arg(members));
        for (int from = 0; from < n; from += CHUNK) {
            int to = Math.min(n, from + CHUNK);
            Request zadd = Request.cmd(Command.ZADD).arg(ranks);
            Request hset = Request.cmd(Command.HSET).arg(members);
            for (int i = from; i < to; i++) {
                String member = MemberCodec.member(reachedAt[i], entities[i]);
                zadd.arg(MemberCodec.format(MemberCodec.rankScore(scores[i], order))).arg(member);
                hset.arg(entities[i]).arg(member);
            }
            requests.add(zadd);
            requests.add(hset);
        }
        if (n > 0) {
            requests.add(Request.cmd(Command.SADD).arg(keys.periods()).arg(boardPeriod));
        } else {
            requests.add(Request.cmd(Command.SREM).arg(keys.periods()).arg(boardPeriod));
        }
        return pipeline(requests, 0);
    }

    private Uni<Void> pipeline(List<Request> requests, int from) {
        if (from >= requests.size()) {
            return Uni.createFrom().voidItem();
        }
        int to = Math.min(requests.size(), from + PIPELINE);
        return redis.batch(requests.subList(from, to)).chain(() -> pipeline(requests, to));
    }

    /**
     * Writes the quarantine after a restore: the marks set and each board period's held hash, with the values
     * the ingest writes ({@code orderOf} gives a board period's order; periods of unknown boards are skipped).
     * A board period with held entries is listed in the periods set even if none of its entities is ranked.
     */
    public Uni<Void> writeQuarantine(Set<String> quarantined, Map<String, Map<String, Entry>> held,
            java.util.function.Function<String, Order> orderOf) {
        List<Request> requests = new ArrayList<>();
        requests.add(Request.cmd(Command.UNLINK).arg(keys.quarantine()));
        if (!quarantined.isEmpty()) {
            Request sadd = Request.cmd(Command.SADD).arg(keys.quarantine());
            quarantined.forEach(sadd::arg);
            requests.add(sadd);
        }
        held.forEach((bp, entries) -> {
            Order order = orderOf.apply(bp);
            if (order == null || entries.isEmpty()) {
                return;
            }
            Request hset = Request.cmd(Command.HSET).arg(keys.held(bp));
            entries.values().forEach(e -> hset.arg(e.entity())
                    .arg(RedisScoreStore.heldValue(e.score(), e.reachedAt(), e.entity(), order)));
            requests.add(Request.cmd(Command.UNLINK).arg(keys.held(bp)));
            requests.add(hset);
            requests.add(Request.cmd(Command.SADD).arg(keys.periods()).arg(bp));
        });
        return pipeline(requests, 0);
    }

    /** Replaces the offsets hash. */
    public Uni<Void> writeOffsets(Map<String, Long> offsets) {
        List<Request> requests = new ArrayList<>();
        requests.add(Request.cmd(Command.UNLINK).arg(keys.offsets()));
        if (!offsets.isEmpty()) {
            Request hset = Request.cmd(Command.HSET).arg(keys.offsets());
            offsets.forEach((field, offset) -> hset.arg(field).arg(Long.toString(offset)));
            requests.add(hset);
        }
        return redis.batch(requests).replaceWithVoid();
    }

    /** Removes one board period (a closed period past its retention), its held entries too. */
    public Uni<Void> releasePeriod(String boardPeriod) {
        return redis.batch(List.of(Request.cmd(Command.UNLINK).arg(keys.ranks(boardPeriod)).arg(keys.members(boardPeriod))
                        .arg(keys.held(boardPeriod)),
                Request.cmd(Command.SREM).arg(keys.periods()).arg(boardPeriod))).replaceWithVoid();
    }

    /** Runs read commands atomically (MULTI/EXEC on one connection) and returns their answers in order. */
    public Uni<List<Response>> readAtomically(List<Request> reads) {
        List<Request> requests = new ArrayList<>(reads.size() + 2);
        requests.add(Request.cmd(Command.MULTI));
        requests.addAll(reads);
        requests.add(Request.cmd(Command.EXEC));
        return redis.batch(requests).map(rs -> {
            Response exec = rs.get(rs.size() - 1);
            List<Response> answers = new ArrayList<>(reads.size());
            for (int i = 0; i < reads.size(); i++) {
                answers.add(exec.get(i));
            }
            return answers;
        });
    }

    /** Escapes the glob characters of a literal key prefix for SCAN MATCH. */
    static String glob(String literal) {
        StringBuilder sb = new StringBuilder();
        for (char c : literal.toCharArray()) {
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
