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
import java.util.Collection;
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
 * marker. Writes go in pipelined chunks, one slot per pipeline or transaction ({@link RedisSlots}: the same code
 * runs on Redis Cluster); callers hold the {@link io.standings.state.SnapshotGate} so no batch of this instance
 * interleaves.
 */
@ApplicationScoped
public class RedisWrites {

    private static final int CHUNK = 1_000;

    private final Redis redis;
    private final RedisKeys keys;
    private final RedisReads reads;
    private final RedisSlots slots;

    public RedisWrites(Redis redis, RedisKeys keys, RedisReads reads, RedisSlots slots) {
        this.redis = redis;
        this.keys = keys;
        this.reads = reads;
        this.slots = slots;
    }

    /**
     * Moves an entity's entries between :ranks and :held (one transaction per board period: one slot each), then
     * its quarantine mark.
     */
    public Uni<Void> setQuarantined(String board, String entity, Map<String, Entry> entriesByPeriod, Order order,
            boolean quarantined) {
        List<List<Request>> groups = new ArrayList<>();
        entriesByPeriod.forEach((bp, e) -> {
            String member = MemberCodec.member(e.reachedAt(), e.entity());
            List<Request> tx = new ArrayList<>();
            if (quarantined) {
                tx.add(Request.cmd(Command.ZREM).arg(keys.ranks(bp)).arg(member));
                tx.add(Request.cmd(Command.HDEL).arg(keys.members(bp)).arg(entity));
                tx.add(Request.cmd(Command.HSET).arg(keys.held(bp)).arg(entity)
                        .arg(MemberCodec.heldValue(e.score(), e.reachedAt(), entity, order)));
            } else {
                tx.add(Request.cmd(Command.HDEL).arg(keys.held(bp)).arg(entity));
                tx.add(Request.cmd(Command.ZADD).arg(keys.ranks(bp))
                        .arg(MemberCodec.format(MemberCodec.rankScore(e.score(), order))).arg(member));
                tx.add(Request.cmd(Command.HSET).arg(keys.members(bp)).arg(entity).arg(member));
            }
            groups.add(RedisSlots.transaction(tx));
        });
        Request mark = Request.cmd(quarantined ? Command.SADD : Command.SREM).arg(keys.quarantine())
                .arg(Quarantine.member(board, entity));
        return slots.perSlot(groups).chain(() -> redis.send(mark)).replaceWithVoid();
    }

    /**
     * Removes an entity from the given board periods (ranked or held; one transaction per board period), then from
     * the quarantine set.
     */
    public Uni<Void> erase(String entity, Map<String, Entry> rankedByPeriod, List<String> heldPeriods, List<String> boards) {
        Map<String, List<Request>> byPeriod = new LinkedHashMap<>();
        rankedByPeriod.forEach((bp, e) -> {
            List<Request> tx = byPeriod.computeIfAbsent(bp, k -> new ArrayList<>());
            tx.add(Request.cmd(Command.ZREM).arg(keys.ranks(bp)).arg(MemberCodec.member(e.reachedAt(), entity)));
            tx.add(Request.cmd(Command.HDEL).arg(keys.members(bp)).arg(entity));
        });
        heldPeriods.forEach(bp -> byPeriod.computeIfAbsent(bp, k -> new ArrayList<>())
                .add(Request.cmd(Command.HDEL).arg(keys.held(bp)).arg(entity)));
        List<List<Request>> groups = byPeriod.values().stream().map(RedisSlots::transaction).toList();
        Request srem = Request.cmd(Command.SREM).arg(keys.quarantine());
        boards.forEach(b -> srem.arg(Quarantine.member(b, entity)));
        return slots.perSlot(groups)
                .chain(() -> boards.isEmpty() ? Uni.createFrom().voidItem() : redis.send(srem).replaceWithVoid());
    }

    /** Removes every period of a board from Redis. */
    public Uni<Void> deleteBoard(String board) {
        return Uni.combine().all().unis(reads.periods(), reads.quarantined()).asTuple().chain(t -> {
            List<String> periods = t.getItem1().stream().filter(bp -> BoardPeriods.isPeriodOf(bp, board)).toList();
            List<String> marks = t.getItem2().stream().filter(q -> q.startsWith(board + "/")).toList();
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (String bp : periods) {
                chain = chain.chain(() -> releasePeriod(bp));
            }
            if (!marks.isEmpty()) {
                Request srem = Request.cmd(Command.SREM).arg(keys.quarantine());
                marks.forEach(srem::arg);
                chain = chain.chain(() -> redis.send(srem)).replaceWithVoid();
            }
            return chain;
        });
    }

    public Uni<Void> setMarker() {
        return redis.send(Request.cmd(Command.SET).arg(keys.marker()).arg(Long.toString(System.currentTimeMillis())))
                .replaceWithVoid();
    }

    /**
     * Deletes every key under the prefix, so a restore starts from nothing (on a cluster, on every primary: see
     * {@link RedisSlots#keysMatching}).
     */
    public Uni<Void> wipe() {
        return slots.keysMatching(glob(keys.prefix()) + "*").chain(slots::unlink);
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
        Request listing = Request.cmd(n > 0 ? Command.SADD : Command.SREM).arg(keys.periods()).arg(boardPeriod);
        return slots.inOneSlot(requests).chain(() -> redis.send(listing)).replaceWithVoid();
    }

    /**
     * Writes the quarantine after a restore: the marks set and each board period's held hash, with the values
     * the ingest writes ({@code orderOf} gives a board period's order; periods of unknown boards are skipped).
     * A board period with held entries is listed in the periods set even if none of its entities is ranked.
     */
    public Uni<Void> writeQuarantine(Set<String> quarantined, Map<String, Map<String, Entry>> held,
            java.util.function.Function<String, Order> orderOf) {
        List<List<Request>> groups = new ArrayList<>();
        List<Request> marks = new ArrayList<>();
        marks.add(Request.cmd(Command.UNLINK).arg(keys.quarantine()));
        if (!quarantined.isEmpty()) {
            Request sadd = Request.cmd(Command.SADD).arg(keys.quarantine());
            quarantined.forEach(sadd::arg);
            marks.add(sadd);
        }
        groups.add(marks);
        List<String> listed = new ArrayList<>();
        held.forEach((bp, entries) -> {
            Order order = orderOf.apply(bp);
            if (order == null || entries.isEmpty()) {
                return;
            }
            Request hset = Request.cmd(Command.HSET).arg(keys.held(bp));
            entries.values().forEach(e -> hset.arg(e.entity())
                    .arg(MemberCodec.heldValue(e.score(), e.reachedAt(), e.entity(), order)));
            groups.add(List.of(Request.cmd(Command.UNLINK).arg(keys.held(bp)), hset));
            listed.add(bp);
        });
        if (!listed.isEmpty()) {
            Request sadd = Request.cmd(Command.SADD).arg(keys.periods());
            listed.forEach(sadd::arg);
            groups.add(List.of(sadd));
        }
        return slots.perSlot(groups);
    }

    /**
     * Writes the offsets a restore reflects: each given board period's offsets hash and the partitions' floor, all
     * the same {@code offsets} ("topic/partition" → last applied), the floor last.
     */
    public Uni<Void> writeOffsets(Map<String, Long> offsets, Collection<String> boardPeriods) {
        List<List<Request>> groups = new ArrayList<>();
        for (String bp : boardPeriods) {
            groups.add(replaceHash(keys.periodOffsets(bp), offsets));
        }
        return slots.perSlot(groups).chain(() -> slots.inOneSlot(replaceHash(keys.offsets(), offsets))).replaceWithVoid();
    }

    private static List<Request> replaceHash(String key, Map<String, Long> offsets) {
        List<Request> requests = new ArrayList<>(2);
        requests.add(Request.cmd(Command.UNLINK).arg(key));
        if (!offsets.isEmpty()) {
            Request hset = Request.cmd(Command.HSET).arg(key);
            offsets.forEach((field, offset) -> hset.arg(field).arg(Long.toString(offset)));
            requests.add(hset);
        }
        return requests;
    }

    /** Removes one board period (a closed period past its retention, a deleted board): all its keys, then its listing. */
    public Uni<Void> releasePeriod(String boardPeriod) {
        Request unlink = Request.cmd(Command.UNLINK);
        keys.periodKeys(boardPeriod).forEach(unlink::arg);
        return redis.send(unlink).chain(() -> redis.send(Request.cmd(Command.SREM).arg(keys.periods()).arg(boardPeriod)))
                .replaceWithVoid();
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
