package io.standings.store.redis;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.standings.core.index.Entry;
import io.standings.core.index.Order;
import io.standings.state.BoardPeriods;
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

/**
 * Every read Standings makes of Redis (layout: {@link RedisKeys}): offsets, the live board periods, their
 * entries in rank order, the quarantine, the loss marker, and the audit's reads. A transaction or pipeline reads
 * one slot only ({@link RedisSlots}), so the same code runs on Redis Cluster.
 */
@ApplicationScoped
public class RedisReads {

    private static final int RANGE_CHUNK = 100_000;
    private static final int RANGE_READS_IN_FLIGHT = 3;
    private static final int READ_CHUNK = 1_000;

    private final Redis redis;
    private final RedisKeys keys;

    public RedisReads(Redis redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    public RedisKeys keys() {
        return keys;
    }

    /**
     * The floor of every partition, by "topic/partition": every board period holds the partition at least up to this
     * offset (the replay starts after it).
     */
    public Uni<Map<String, Long>> offsets() {
        return redis.send(Request.cmd(Command.HGETALL).arg(keys.offsets())).map(RedisReads::offsetsOf);
    }

    private static Map<String, Long> offsetsOf(Response r) {
        Map<String, Long> result = new HashMap<>();
        if (r != null) {
            for (String field : r.getKeys()) {
                result.put(field, r.get(field).toLong());
            }
        }
        return result;
    }

    /** The offsets Redis holds: the partitions' floor, and what each board period holds per partition. */
    public record StoredOffsets(Map<String, Long> floor, Map<String, Map<String, Long>> byPeriod) {
    }

    /**
     * The floor, then the offsets of every board period of {@link #periodsAnd periodsAnd(alsoPeriods)}.
     */
    public Uni<StoredOffsets> storedOffsets(java.util.Collection<String> alsoPeriods) {
        return offsets().chain(floor -> periodsAnd(alsoPeriods)
                .chain(all -> periodOffsets(all).map(byPeriod -> new StoredOffsets(floor, byPeriod))));
    }

    /**
     * Every board period Redis lists, and {@code known} (those memory knows: one whose listing a failover lost is
     * still read).
     */
    public Uni<java.util.Set<String>> periodsAnd(java.util.Collection<String> known) {
        return periods().map(listed -> {
            java.util.Set<String> all = new java.util.LinkedHashSet<>(listed);
            all.addAll(known);
            return all;
        });
    }

    /** The offsets each given board period holds ("board@period" → "topic/partition" → offset); none: left out. */
    public Uni<Map<String, Map<String, Long>>> periodOffsets(java.util.Collection<String> boardPeriods) {
        Map<String, Map<String, Long>> result = new java.util.concurrent.ConcurrentHashMap<>();
        if (boardPeriods.isEmpty()) {
            return Uni.createFrom().item(result);
        }
        return Multi.createFrom().iterable(boardPeriods)
                .onItem().transformToUni(bp -> redis.send(Request.cmd(Command.HGETALL).arg(keys.periodOffsets(bp)))
                        .invoke(r -> {
                            Map<String, Long> offsets = offsetsOf(r);
                            if (!offsets.isEmpty()) {
                                result.put(bp, offsets);
                            }
                        }))
                .merge(16).collect().last().replaceWith(result);
    }

    /** Every live "board@period". */
    public Uni<List<String>> periods() {
        return members(keys.periods());
    }

    /** Every "board/entity" under quarantine. */
    public Uni<List<String>> quarantined() {
        return members(keys.quarantine());
    }

    /** The held entries of one board period. */
    public Uni<Map<String, Entry>> readHeld(String boardPeriod, Order order) {
        return redis.send(Request.cmd(Command.HGETALL).arg(keys.held(boardPeriod))).map(r -> {
            Map<String, Entry> result = new HashMap<>();
            if (r != null) {
                for (String entity : r.getKeys()) {
                    result.put(entity, MemberCodec.parseHeld(r.get(entity).toString(), order));
                }
            }
            return result;
        });
    }

    private Uni<List<String>> members(String setKey) {
        return redis.send(Request.cmd(Command.SMEMBERS).arg(setKey)).map(r -> {
            List<String> result = new ArrayList<>();
            if (r != null) {
                r.forEach(m -> result.add(m.toString()));
            }
            return result;
        });
    }

    /**
     * Reads one board period's entries in rank order, in chunks of {@value #RANGE_CHUNK}, decoding members and
     * rank scores. Up to {@value #RANGE_READS_IN_FLIGHT} chunks are asked for at once, so Redis serves the next
     * ones while this side decodes (pipelined: about a third faster on a 1M-entry set than one chunk after
     * the other). Chunks past the cardinality read first (a set that grew meanwhile) follow one by one.
     */
    public Uni<List<Entry>> readPeriod(String boardPeriod, Order order) {
        String key = keys.ranks(boardPeriod);
        return redis.send(Request.cmd(Command.ZCARD).arg(key)).chain(card -> {
            long size = card == null ? 0 : card.toLong();
            int chunks = (int) ((size + RANGE_CHUNK - 1) / RANGE_CHUNK);
            // Chunks may complete on different connections' threads: one slot each, published atomically.
            AtomicReferenceArray<List<Entry>> parts = new AtomicReferenceArray<>(chunks);
            return Multi.createFrom().range(0, chunks)
                    .onItem().transformToUni(c -> redis.send(range(key, (long) c * RANGE_CHUNK))
                            .invoke(r -> parts.set(c, decode(r, order))))
                    .merge(RANGE_READS_IN_FLIGHT)
                    .collect().last()
                    .chain(() -> {
                        List<Entry> entries = new ArrayList<>((int) size);
                        for (int c = 0; c < chunks; c++) {
                            entries.addAll(parts.get(c));
                        }
                        boolean lastFull = chunks > 0 && parts.get(chunks - 1).size() == RANGE_CHUNK;
                        return lastFull ? readChunk(key, order, (long) chunks * RANGE_CHUNK, entries).replaceWith(entries)
                                : Uni.createFrom().item(entries);
                    });
        });
    }

    private Uni<Void> readChunk(String key, Order order, long start, List<Entry> into) {
        return redis.send(range(key, start)).chain(r -> {
            List<Entry> part = decode(r, order);
            into.addAll(part);
            return part.size() < RANGE_CHUNK ? Uni.createFrom().voidItem() : readChunk(key, order, start + RANGE_CHUNK, into);
        });
    }

    private static Request range(String key, long start) {
        return Request.cmd(Command.ZRANGE).arg(key).arg(start).arg(start + RANGE_CHUNK - 1).arg("WITHSCORES");
    }

    private static List<Entry> decode(Response r, Order order) {
        if (r == null || r.size() == 0) {
            return List.of();
        }
        // RESP3 answers [[member, score], ...]; RESP2 answers [member, score, member, score, ...].
        boolean nested = r.get(0).type() == ResponseType.MULTI;
        int rows = nested ? r.size() : r.size() / 2;
        List<Entry> entries = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            String member = nested ? r.get(i).get(0).toString() : r.get(2 * i).toString();
            double rankScore = nested ? r.get(i).get(1).toDouble() : r.get(2 * i + 1).toDouble();
            entries.add(new Entry(MemberCodec.entity(member), MemberCodec.score(rankScore, order),
                    MemberCodec.reachedAt(member)));
        }
        return entries;
    }

    public Uni<Boolean> markerExists() {
        return redis.send(Request.cmd(Command.EXISTS).arg(keys.marker())).map(r -> r != null && r.toInteger() == 1);
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

    /**
     * Runs read commands of one slot atomically (MULTI/EXEC on one connection) and returns their answers in order.
     */
    public Uni<List<Response>> readAtomically(List<Request> reads) {
        return redis.batch(RedisSlots.transaction(reads)).map(rs -> {
            Response exec = rs.get(rs.size() - 1);
            List<Response> answers = new ArrayList<>(reads.size());
            for (int i = 0; i < reads.size(); i++) {
                answers.add(exec.get(i));
            }
            return answers;
        });
    }

    /**
     * Runs read commands of one slot in atomic chunks of {@value #READ_CHUNK}, one after the other, and returns their
     * answers in order: for reads that need no snapshot across all of them (a batch's entities, each read whole).
     * One connection takes at most its client's {@code max-waiting-handlers} commands in flight, so one MULTI of a
     * whole 5,000-event batch (two commands per entity) would fail every time.
     */
    private Uni<List<Response>> readInChunks(List<Request> reads) {
        return RedisSlots.inChunks(reads, READ_CHUNK, this::readAtomically);
    }

    /**
     * One board period as the audit reads it: entries in the sorted set and the hash, members at positions, and the
     * offsets it holds ("topic/partition" → last offset written).
     */
    public record PeriodView(long ranked, long members, List<String> sampleMembers, Map<String, Long> offsets) {
    }

    /** Redis as the audit reads it: the marker, the floor, and each asked board period. */
    public record AuditView(boolean marker, Map<String, Long> offsets, Map<String, PeriodView> periods) {
    }

    /**
     * The marker, the floor and, per board period, ZCARD, HLEN and the members at the given 0-based positions, each
     * board period read atomically (MULTI/EXEC in its slot): the reconciler reads them while it holds the gate, so
     * each board period is at the same batch boundary as memory.
     */
    public Uni<AuditView> auditView(Map<String, int[]> samplePositions) {
        Map<String, PeriodView> periods = new java.util.concurrent.ConcurrentHashMap<>();
        Uni<Void> perPeriod = samplePositions.isEmpty() ? Uni.createFrom().voidItem()
                : Multi.createFrom().iterable(samplePositions.entrySet())
                        .onItem().transformToUni(e -> periodView(e.getKey(), e.getValue()).invoke(v -> periods.put(e.getKey(), v)))
                        .merge(8).collect().last().replaceWithVoid();
        return markerExists().chain(marker -> offsets().chain(offsets -> perPeriod
                .map(x -> new AuditView(marker, offsets, periods))));
    }

    private Uni<PeriodView> periodView(String bp, int[] positions) {
        List<Request> reads = new ArrayList<>(3 + positions.length);
        reads.add(Request.cmd(Command.ZCARD).arg(keys.ranks(bp)));
        reads.add(Request.cmd(Command.HLEN).arg(keys.members(bp)));
        reads.add(Request.cmd(Command.HGETALL).arg(keys.periodOffsets(bp)));
        for (int pos : positions) {
            reads.add(Request.cmd(Command.ZRANGE).arg(keys.ranks(bp)).arg(pos).arg(pos));
        }
        return readInChunks(reads).map(answers -> {
            List<String> samples = new ArrayList<>(positions.length);
            for (int k = 0; k < positions.length; k++) {
                Response r = answers.get(3 + k);
                samples.add(r != null && r.size() > 0 ? (r.type() == ResponseType.MULTI ? r.get(0).toString() : r.toString())
                        : null);
            }
            return new PeriodView(answers.get(0).toLong(), answers.get(1).toLong(), samples, offsetsOf(answers.get(2)));
        });
    }

    /**
     * What the last batches of the given partitions changed, over the given board periods ("topic/partition" → one
     * record per board period that holds one).
     */
    public Uni<Map<String, List<LastBatch>>> lastBatches(java.util.Collection<String> boardPeriods, List<String> fields) {
        Map<String, List<LastBatch>> found = new java.util.concurrent.ConcurrentHashMap<>();
        if (fields.isEmpty() || boardPeriods.isEmpty()) {
            return Uni.createFrom().item(found);
        }
        return Multi.createFrom().iterable(boardPeriods).onItem().transformToUni(bp -> {
            Request hmget = Request.cmd(Command.HMGET).arg(keys.periodLastBatch(bp));
            fields.forEach(hmget::arg);
            return redis.send(hmget).invoke(r -> {
                for (int i = 0; i < fields.size(); i++) {
                    Response value = r == null ? null : r.get(i);
                    if (value == null) {
                        continue;
                    }
                    try {
                        found.computeIfAbsent(fields.get(i), f -> java.util.Collections.synchronizedList(new ArrayList<>()))
                                .add(LastBatch.decode(value.toString()));
                    } catch (RuntimeException e) {
                        // Not written by this version's batch script: nothing to republish from it (logged).
                        io.quarkus.logging.Log.warnf("Ignored the unreadable last-batch record of %s in %s: %s",
                                fields.get(i), bp, e.toString());
                    }
                }
            });
        }).merge(16).collect().last().replaceWith(found);
    }

    /**
     * The current state of each changed entity, as an absolute change: its score and reach time (ranked or held
     * by the quarantine), or its removal when the board period no longer has it.
     */
    public Uni<List<ScoreChange>> currentStates(List<LastBatch.Changed> changed, Function<String, Order> orderOfBoard) {
        Map<String, List<LastBatch.Changed>> byPeriod = new LinkedHashMap<>();
        changed.forEach(c -> byPeriod.computeIfAbsent(c.boardPeriod(), k -> new ArrayList<>()).add(c));
        List<ScoreChange> states = java.util.Collections.synchronizedList(new ArrayList<>(changed.size()));
        if (byPeriod.isEmpty()) {
            return Uni.createFrom().item(states);
        }
        return Multi.createFrom().iterable(byPeriod.values())
                .onItem().transformToUni(sameSlot -> statesInOneSlot(sameSlot, orderOfBoard).invoke(states::addAll))
                .merge(8).collect().last().replaceWith(() -> new ArrayList<>(states));
    }

    /** {@link #currentStates} of entities of one board period (one slot: read in atomic chunks). */
    private Uni<List<ScoreChange>> statesInOneSlot(List<LastBatch.Changed> changed, Function<String, Order> orderOfBoard) {
        if (changed.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<Request> lookups = new ArrayList<>(2 * changed.size());
        for (LastBatch.Changed c : changed) {
            lookups.add(Request.cmd(Command.HGET).arg(keys.members(c.boardPeriod())).arg(c.entity()));
            lookups.add(Request.cmd(Command.HGET).arg(keys.held(c.boardPeriod())).arg(c.entity()));
        }
        return readInChunks(lookups).chain(found -> {
            List<Request> scores = new ArrayList<>();
            for (int i = 0; i < changed.size(); i++) {
                Response member = found.get(2 * i);
                if (member != null) {
                    scores.add(Request.cmd(Command.ZSCORE).arg(keys.ranks(changed.get(i).boardPeriod())).arg(member.toString()));
                }
            }
            Uni<List<Response>> ranked = scores.isEmpty() ? Uni.createFrom().item(List.of()) : readInChunks(scores);
            return ranked.map(rankScores -> {
                List<ScoreChange> states = new ArrayList<>(changed.size());
                int next = 0;
                for (int i = 0; i < changed.size(); i++) {
                    LastBatch.Changed c = changed.get(i);
                    String board = BoardPeriods.boardOf(c.boardPeriod());
                    String period = BoardPeriods.periodOf(c.boardPeriod());
                    Order order = orderOfBoard.apply(board);
                    Response member = found.get(2 * i);
                    Response held = found.get(2 * i + 1);
                    Response rankScore = member != null ? rankScores.get(next++) : null;
                    if (member != null && rankScore != null && order != null) {
                        String m = member.toString();
                        states.add(ScoreChange.upsert(board, period, c.entity(),
                                MemberCodec.score(Double.parseDouble(rankScore.toString()), order), MemberCodec.reachedAt(m)));
                    } else if (held != null && order != null) {
                        Entry e = MemberCodec.parseHeld(held.toString(), order);
                        states.add(ScoreChange.upsert(board, period, c.entity(), e.score(), e.reachedAt()));
                    } else if (order != null) {
                        states.add(ScoreChange.removal(board, period, c.entity()));
                    }
                }
                return states;
            });
        });
    }
}
