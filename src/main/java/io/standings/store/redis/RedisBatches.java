package io.standings.store.redis;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.standings.core.index.Order;
import io.standings.state.BoardPeriods;
import io.standings.state.OffsetAdvance;
import io.standings.state.Quarantine;
import io.standings.state.ScoreChange;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The ingest's writes to Redis (layout: {@link RedisKeys}). A batch is written per board period: ONE atomic script
 * call per board period it changes, all keys of which share the hash tag {@code {board@period}} (one Redis
 * Cluster slot). Each call writes the board period's changed entities together with the offsets it now reflects
 * for the batch's partitions, fenced on the offsets it continues from, so Redis never holds a board period's
 * scores without the offsets that produced them, and a consumer that lost its partition cannot overwrite the new
 * owner's work. Once every board period of the batch is written, the partitions' floor ({@code offsets}: every
 * board period holds each partition at least up to it) moves to the batch's last offsets.
 *
 * <p>The calls of one batch are independent: a batch cut off between two of them (a crash, a failover) is
 * completed by the replay, which skips per board period what that board period already holds.
 */
@ApplicationScoped
public class RedisBatches {

    /** Board period scripts of one batch in flight at once. */
    private static final int SLOTS_IN_FLIGHT = 16;

    private final Redis redis;
    private final RedisKeys keys;
    private final String applyScript;
    private final String applySha;
    private final Quarantine quarantine;

    public RedisBatches(Redis redis, RedisKeys keys, Quarantine quarantine) {
        this.redis = redis;
        this.keys = keys;
        this.quarantine = quarantine;
        this.applyScript = resource("/redis/apply-batch.lua");
        this.applySha = sha1(applyScript);
    }

    /**
     * The outcome of {@link #apply}: applied now, found applied already (the reply of an earlier attempt of the
     * same batch was lost), or fenced on a board period whose stored offset for a partition is not the one the
     * batch continues from ({@code expected}).
     */
    public record ApplyResult(boolean applied, boolean alreadyApplied, String boardPeriod, String fencedField,
            String storedOffset, Long expected) {
        static final ApplyResult APPLIED = new ApplyResult(true, false, null, null, null, null);
        static final ApplyResult ALREADY_APPLIED = new ApplyResult(true, true, null, null, null, null);
    }

    /**
     * One board period's script call: its keys and arguments, the offsets it continues from ("topic/partition" →
     * the offset the board period holds now, null for none: its fence) and the ones it moves the board period to
     * (the batch's last offset of that partition).
     */
    public record SlotWrite(String boardPeriod, List<String> keys, List<String> args, Map<String, Long> continuesFrom,
            Map<String, Long> offsets) {
    }

    /** A batch's writes, built ahead (they depend on quarantine marks): one per board period, then the floor. */
    public record BatchWrite(List<SlotWrite> slots, List<OffsetAdvance> floor) {
        static final BatchWrite EMPTY = new BatchWrite(List.of(), List.of());
    }

    /** Writes a batch prepared by {@link #prepare}. */
    public Uni<ApplyResult> apply(BatchWrite write) {
        if (write.slots().isEmpty() && write.floor().isEmpty()) {
            return Uni.createFrom().item(ApplyResult.APPLIED);
        }
        Uni<ApplyResult> slots = write.slots().isEmpty() ? Uni.createFrom().item(ApplyResult.APPLIED)
                : listed(write.slots()).chain(() -> Multi.createFrom().iterable(write.slots())
                        .onItem().transformToUni(s -> evalApply(s.keys(), s.args()).map(r -> toResult(s, r)))
                        .merge(SLOTS_IN_FLIGHT)
                        .collect().asList()
                        .map(RedisBatches::combine));
        return slots.call(result -> result.applied() ? writeFloor(write.floor()) : Uni.createFrom().voidItem());
    }

    /** Lists the batch's board periods in the periods set first, so that a board period in Redis is always listed. */
    private Uni<Void> listed(List<SlotWrite> slots) {
        Request sadd = Request.cmd(Command.SADD).arg(keys.periods());
        slots.forEach(s -> sadd.arg(s.boardPeriod()));
        return redis.send(sadd).replaceWithVoid();
    }

    private Uni<Void> writeFloor(List<OffsetAdvance> floor) {
        if (floor.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Request hset = Request.cmd(Command.HSET).arg(keys.offsets());
        floor.forEach(o -> hset.arg(o.field()).arg(Long.toString(o.next())));
        return redis.send(hset).replaceWithVoid();
    }

    private static ApplyResult combine(List<ApplyResult> results) {
        boolean allAlready = true;
        for (ApplyResult r : results) {
            if (!r.applied()) {
                return r;
            }
            allAlready &= r.alreadyApplied();
        }
        return allAlready ? ApplyResult.ALREADY_APPLIED : ApplyResult.APPLIED;
    }

    /**
     * Builds one batch's writes without last-batch records, every board period taken to hold each partition at the
     * offset the batch continues from (tests, tools).
     */
    public BatchWrite prepare(List<ScoreChange> changes, List<OffsetAdvance> offsets, Function<String, Order> orderOf) {
        return prepare(changes, offsets, orderOf, Map.of(), (bp, field) -> partitionExpected(offsets, field));
    }

    private static Long partitionExpected(List<OffsetAdvance> offsets, String field) {
        for (OffsetAdvance o : offsets) {
            if (o.field().equals(field)) {
                return o.expected();
            }
        }
        return null;
    }

    /**
     * Builds one batch's writes: pure, except that it reads the quarantine marks. {@code lastBatches}
     * ("topic/partition" → what the batch changed of it) replace those partitions' last-batch records of each board
     * period they changed; {@code expected} gives the offset a board period holds for a partition now (null: none).
     */
    public BatchWrite prepare(List<ScoreChange> changes, List<OffsetAdvance> offsets, Function<String, Order> orderOf,
            Map<String, LastBatch> lastBatches, BiFunction<String, String, Long> expected) {
        if (offsets.isEmpty() && changes.isEmpty()) {
            return BatchWrite.EMPTY;
        }
        Map<String, List<ScoreChange>> byPeriod = new LinkedHashMap<>();
        for (ScoreChange change : changes) {
            byPeriod.computeIfAbsent(BoardPeriods.boardPeriod(change.board(), change.period()), bp -> new ArrayList<>())
                    .add(change);
        }
        Map<String, Map<String, LastBatch>> lastBatchesByPeriod = new LinkedHashMap<>();
        lastBatches.forEach((field, batch) -> {
            Map<String, List<LastBatch.Changed>> split = new LinkedHashMap<>();
            batch.changed().forEach(c -> split.computeIfAbsent(c.boardPeriod(), k -> new ArrayList<>()).add(c));
            split.forEach((bp, changed) -> lastBatchesByPeriod.computeIfAbsent(bp, k -> new LinkedHashMap<>())
                    .put(field, new LastBatch(batch.offset(), changed)));
        });
        List<SlotWrite> slots = new ArrayList<>(byPeriod.size());
        byPeriod.forEach((bp, periodChanges) -> slots.add(slot(bp, periodChanges, offsets,
                lastBatchesByPeriod.getOrDefault(bp, Map.of()), orderOf.apply(periodChanges.get(0).board()), expected)));
        return new BatchWrite(slots, List.copyOf(offsets));
    }

    private SlotWrite slot(String bp, List<ScoreChange> periodChanges, List<OffsetAdvance> offsets,
            Map<String, LastBatch> lastBatches, Order order, BiFunction<String, String, Long> expected) {
        List<String> scriptKeys = List.of(keys.periodOffsets(bp), keys.ranks(bp), keys.members(bp), keys.held(bp),
                keys.periodLastBatch(bp));
        List<String> args = new ArrayList<>(8 + 3 * offsets.size() + 2 * lastBatches.size() + 3 * periodChanges.size());
        Map<String, Long> continuesFrom = new LinkedHashMap<>();
        Map<String, Long> moved = new LinkedHashMap<>();
        args.add(Integer.toString(offsets.size()));
        for (OffsetAdvance o : offsets) {
            Long stored = expected.apply(bp, o.field());
            args.add(o.field());
            args.add(stored == null ? "" : Long.toString(stored));
            args.add(Long.toString(o.next()));
            continuesFrom.put(o.field(), stored);
            moved.put(o.field(), o.next());
        }
        args.add(Integer.toString(lastBatches.size()));
        lastBatches.forEach((field, batch) -> {
            args.add(field);
            args.add(batch.encode());
        });
        List<String> removed = new ArrayList<>();
        List<String> added = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        List<String> hold = new ArrayList<>();
        List<String> release = new ArrayList<>();
        for (ScoreChange c : periodChanges) {
            if (quarantine.isQuarantined(c.board(), c.entity())) {
                if (c.removed()) {
                    release.add(c.entity());
                } else {
                    hold.add(c.entity());
                    hold.add(MemberCodec.heldValue(c.score(), c.reachedAt(), c.entity(), order));
                }
                continue;
            }
            if (c.previous() != null) {
                removed.add(MemberCodec.member(c.previous().reachedAt(), c.entity()));
            }
            if (c.removed()) {
                gone.add(c.entity());
            } else {
                added.add(MemberCodec.format(MemberCodec.rankScore(c.score(), order)));
                added.add(MemberCodec.member(c.reachedAt(), c.entity()));
                added.add(c.entity());
            }
        }
        args.add(Integer.toString(removed.size()));
        args.add(Integer.toString(added.size() / 3));
        args.add(Integer.toString(gone.size()));
        args.add(Integer.toString(hold.size() / 2));
        args.add(Integer.toString(release.size()));
        args.addAll(removed);
        args.addAll(added);
        args.addAll(gone);
        args.addAll(hold);
        args.addAll(release);
        return new SlotWrite(bp, scriptKeys, args, continuesFrom, moved);
    }

    private Uni<Response> evalApply(List<String> scriptKeys, List<String> args) {
        return redis.send(script(Command.EVALSHA, applySha, scriptKeys, args))
                .onFailure(e -> e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT"))
                .recoverWithUni(() -> redis.send(script(Command.EVAL, applyScript, scriptKeys, args)));
    }

    private static Request script(Command command, String scriptOrSha, List<String> scriptKeys, List<String> args) {
        Request request = Request.cmd(command).arg(scriptOrSha).arg(scriptKeys.size());
        scriptKeys.forEach(request::arg);
        args.forEach(request::arg);
        return request;
    }

    private static ApplyResult toResult(SlotWrite slot, Response response) {
        return switch (response.get(0).toInteger()) {
            case 1 -> ApplyResult.APPLIED;
            case 2 -> ApplyResult.ALREADY_APPLIED;
            default -> {
                String field = response.get(1).toString();
                yield new ApplyResult(false, false, slot.boardPeriod(), field, response.get(2).toString(),
                        slot.continuesFrom().get(field));
            }
        };
    }

    private static String resource(String path) {
        try (InputStream in = RedisBatches.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
