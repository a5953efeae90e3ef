package io.standings.store.redis;

import io.standings.state.BoardPeriods;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.standings.core.index.Entry;
import io.standings.core.index.Order;
import io.standings.state.OffsetAdvance;
import io.standings.state.Quarantine;
import io.standings.state.ScoreChange;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.IntToDoubleFunction;
import java.util.function.IntToLongFunction;
import io.standings.state.PeriodSnapshot;

/**
 * Standings' writes to Redis besides the ingest's batches (layout: {@link RedisKeys}): admin changes
 * (quarantine, erasure, board deletion), whole board periods and the offsets written when Redis is restored
 * from the PostgreSQL checkpoint or a drifted board period is repaired from memory, releases, and the loss
 * marker. Writes go in pipelined chunks; callers hold the {@link io.standings.state.SnapshotGate} so no batch
 * interleaves.
 */
@ApplicationScoped
public class RedisWrites {

    private static final int CHUNK = 1_000;
    private static final int PIPELINE = 50;

    private final Redis redis;
    private final RedisKeys keys;
    private final RedisReads reads;

    public RedisWrites(Redis redis, RedisKeys keys, RedisReads reads) {
        this.redis = redis;
        this.keys = keys;
        this.reads = reads;
    }

    /** Moves an entity's entries between :ranks and :held, and its quarantine mark, in one transaction. */
    public Uni<Void> setQuarantined(String board, String entity, Map<String, Entry> entriesByPeriod, Order order,
            boolean quarantined) {
        List<Request> requests = new ArrayList<>();
        requests.add(Request.cmd(Command.MULTI));
        entriesByPeriod.forEach((bp, e) -> {
            String member = MemberCodec.member(e.reachedAt(), e.entity());
            if (quarantined) {
                requests.add(Request.cmd(Command.ZREM).arg(keys.ranks(bp)).arg(member));
                requests.add(Request.cmd(Command.HDEL).arg(keys.members(bp)).arg(entity));
                requests.add(Request.cmd(Command.HSET).arg(keys.held(bp)).arg(entity)
                        .arg(MemberCodec.heldValue(e.score(), e.reachedAt(), entity, order)));
            } else {
                requests.add(Request.cmd(Command.HDEL).arg(keys.held(bp)).arg(entity));
                requests.add(Request.cmd(Command.ZADD).arg(keys.ranks(bp))
                        .arg(MemberCodec.format(MemberCodec.rankScore(e.score(), order))).arg(member));
                requests.add(Request.cmd(Command.HSET).arg(keys.members(bp)).arg(entity).arg(member));
            }
        });
        requests.add(Request.cmd(quarantined ? Command.SADD : Command.SREM).arg(keys.quarantine())
                .arg(Quarantine.member(board, entity)));
        requests.add(Request.cmd(Command.EXEC));
        return redis.batch(requests).replaceWithVoid();
    }

    /** Removes an entity from the given board periods (ranked or held) and from the quarantine set, atomically. */
    public Uni<Void> erase(String entity, Map<String, Entry> rankedByPeriod, List<String> heldPeriods, List<String> boards) {
        List<Request> requests = new ArrayList<>();
        requests.add(Request.cmd(Command.MULTI));
        rankedByPeriod.forEach((bp, e) -> {
            requests.add(Request.cmd(Command.ZREM).arg(keys.ranks(bp)).arg(MemberCodec.member(e.reachedAt(), entity)));
            requests.add(Request.cmd(Command.HDEL).arg(keys.members(bp)).arg(entity));
        });
        heldPeriods.forEach(bp -> requests.add(Request.cmd(Command.HDEL).arg(keys.held(bp)).arg(entity)));
        boards.forEach(b -> requests.add(Request.cmd(Command.SREM).arg(keys.quarantine()).arg(Quarantine.member(b, entity))));
        requests.add(Request.cmd(Command.EXEC));
        return redis.batch(requests).replaceWithVoid();
    }

    /** Removes every period of a board from Redis. */
    public Uni<Void> deleteBoard(String board) {
        return Uni.combine().all().unis(reads.periods(), reads.quarantined()).asTuple().chain(t -> {
            List<String> all = t.getItem1();
            List<Request> requests = new ArrayList<>();
            for (String q : t.getItem2()) {
                if (q.startsWith(board + "/")) {
                    requests.add(Request.cmd(Command.SREM).arg(keys.quarantine()).arg(q));
                }
            }
            for (String bp : all) {
                if (BoardPeriods.isPeriodOf(bp, board)) {
                    requests.add(Request.cmd(Command.UNLINK).arg(keys.ranks(bp)).arg(keys.members(bp)).arg(keys.held(bp)));
                    requests.add(Request.cmd(Command.SREM).arg(keys.periods()).arg(bp));
                }
            }
            return requests.isEmpty() ? Uni.createFrom().voidItem() : redis.batch(requests).replaceWithVoid();
        });
    }

    public Uni<Void> setMarker() {
        return redis.send(Request.cmd(Command.SET).arg(keys.marker()).arg(Long.toString(System.currentTimeMillis())))
                .replaceWithVoid();
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
    public Uni<Void> writePeriod(String boardPeriod, Order order, List<Entry> entries) {
        return writePeriod(boardPeriod, order, entries.size(), i -> entries.get(i).entity(), i -> entries.get(i).score(),
                i -> entries.get(i).reachedAt());
    }

    /** Replaces one board period's sorted set and member hash with a snapshot of it (a drift repair). */
    public Uni<Void> writePeriod(PeriodSnapshot p) {
        return writePeriod(p.boardPeriod(), p.order(), p.size(), p::entity, p::score, p::reachedAt);
    }

    private Uni<Void> writePeriod(String boardPeriod, Order order, int n, IntFunction<String> entity,
            IntToDoubleFunction score, IntToLongFunction reachedAt) {
        String ranks = keys.ranks(boardPeriod);
        String members = keys.members(boardPeriod);
        List<Request> requests = new ArrayList<>();
        requests.add(Request.cmd(Command.UNLINK).arg(ranks).arg(members));
        for (int from = 0; from < n; from += CHUNK) {
            int to = Math.min(n, from + CHUNK);
            Request zadd = Request.cmd(Command.ZADD).arg(ranks);
            Request hset = Request.cmd(Command.HSET).arg(members);
            for (int i = from; i < to; i++) {
                String id = entity.apply(i);
                String member = MemberCodec.member(reachedAt.applyAsLong(i), id);
                zadd.arg(MemberCodec.format(MemberCodec.rankScore(score.applyAsDouble(i), order))).arg(member);
                hset.arg(id).arg(member);
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
                    .arg(MemberCodec.heldValue(e.score(), e.reachedAt(), e.entity(), order)));
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
