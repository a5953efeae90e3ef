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

/**
 * The ingest's writes to Redis (layout: {@link RedisKeys}). Each batch is ONE atomic script call that writes
 * every changed entity and the partition offsets the batch reflects, fenced on the offsets it continues
 * from; so Redis never holds a score without the offset that produced it, and a consumer that lost its
 * partition cannot overwrite the new owner's work.
 */
@ApplicationScoped
public class RedisBatches {

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
     * same batch was lost), or fenced on a partition whose stored offset is not the one the batch continues from.
     */
    public record ApplyResult(boolean applied, boolean alreadyApplied, String fencedField, String storedOffset) {
        static final ApplyResult APPLIED = new ApplyResult(true, false, null, null);
        static final ApplyResult ALREADY_APPLIED = new ApplyResult(true, true, null, null);
    }

    /** The keys and arguments of one batch's script, built ahead of the write (they depend on quarantine marks). */
    public record BatchWrite(List<String> keys, List<String> args) {
        static final BatchWrite EMPTY = new BatchWrite(List.of(), List.of());
    }

    /** Writes a batch prepared by {@link #prepare}. */
    public Uni<ApplyResult> apply(BatchWrite write) {
        if (write == BatchWrite.EMPTY) {
            return Uni.createFrom().item(ApplyResult.APPLIED);
        }
        return evalApply(write.keys(), write.args()).map(RedisBatches::toResult);
    }

    /** Builds one batch's script call without last-batch records (tests, tools). */
    public BatchWrite prepare(List<ScoreChange> changes, List<OffsetAdvance> offsets, Function<String, Order> orderOf) {
        return prepare(changes, offsets, orderOf, Map.of());
    }

    /**
     * Builds one batch's script call: pure, except that it reads the quarantine marks. {@code lastBatches}
     * ("topic/partition" → what the batch changed of it) replace those partitions' last-batch records.
     */
    public BatchWrite prepare(List<ScoreChange> changes, List<OffsetAdvance> offsets, Function<String, Order> orderOf,
            Map<String, LastBatch> lastBatches) {
        if (offsets.isEmpty() && changes.isEmpty()) {
            return BatchWrite.EMPTY;
        }
        Map<String, List<ScoreChange>> byPeriod = new LinkedHashMap<>();
        for (ScoreChange change : changes) {
            byPeriod.computeIfAbsent(BoardPeriods.boardPeriod(change.board(), change.period()), bp -> new ArrayList<>())
                    .add(change);
        }
        List<String> scriptKeys = new ArrayList<>(3 + 3 * byPeriod.size());
        scriptKeys.add(keys.offsets());
        scriptKeys.add(keys.periods());
        scriptKeys.add(keys.lastBatch());
        List<String> args = new ArrayList<>(1 + 3 * offsets.size() + 2 * byPeriod.size() + 3 * changes.size());
        args.add(Integer.toString(offsets.size()));
        for (OffsetAdvance o : offsets) {
            args.add(o.field());
            args.add(o.expected() == null ? "" : Long.toString(o.expected()));
            args.add(Long.toString(o.next()));
        }
        args.add(Integer.toString(lastBatches.size()));
        lastBatches.forEach((field, batch) -> {
            args.add(field);
            args.add(batch.encode());
        });
        byPeriod.forEach((bp, periodChanges) -> {
            scriptKeys.add(keys.ranks(bp));
            scriptKeys.add(keys.members(bp));
            scriptKeys.add(keys.held(bp));
            args.add(bp);
            Order order = orderOf.apply(periodChanges.get(0).board());
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
        });
        return new BatchWrite(scriptKeys, args);
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

    private static ApplyResult toResult(Response response) {
        return switch (response.get(0).toInteger()) {
            case 1 -> ApplyResult.APPLIED;
            case 2 -> ApplyResult.ALREADY_APPLIED;
            default -> new ApplyResult(false, false, response.get(1).toString(), response.get(2).toString());
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
