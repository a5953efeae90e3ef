package io.standings.live;

import io.smallrye.mutiny.Uni;
import io.standings.index.Entry;
import io.standings.index.Order;
import io.standings.ingest.ScoreChange;
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
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The live state in Redis (layout: {@link RedisKeys}). Each ingest batch is ONE atomic script call that
 * writes every changed entity and the partition offsets the batch reflects, fenced on the offsets it
 * continues from; so Redis never holds a score without the offset that produced it, and a consumer that
 * lost its partition cannot overwrite the new owner's work.
 */
@ApplicationScoped
public class RedisScoreStore {

    private static final int RANGE_CHUNK = 100_000;

    private final Redis redis;
    private final RedisKeys keys;
    private final String applyScript;
    private final String applySha;

    /** The outcome of {@link #apply}. */
    public record ApplyResult(boolean applied, String fencedField, String storedOffset) {
        static final ApplyResult APPLIED = new ApplyResult(true, null, null);
    }

    public RedisScoreStore(Redis redis, @ConfigProperty(name = "standings.redis.key-prefix") String prefix) {
        this.redis = redis;
        this.keys = new RedisKeys(prefix);
        this.applyScript = resource("/redis/apply-batch.lua");
        this.applySha = sha1(applyScript);
    }

    public RedisKeys keys() {
        return keys;
    }

    /** Writes one batch: the changes and the offsets, atomically, unless another consumer moved an offset. */
    public Uni<ApplyResult> apply(List<ScoreChange> changes, List<OffsetAdvance> offsets, Function<String, Order> orderOf) {
        if (offsets.isEmpty() && changes.isEmpty()) {
            return Uni.createFrom().item(ApplyResult.APPLIED);
        }
        Map<String, List<ScoreChange>> byPeriod = new LinkedHashMap<>();
        for (ScoreChange change : changes) {
            byPeriod.computeIfAbsent(RedisKeys.boardPeriod(change.board(), change.period()), bp -> new ArrayList<>())
                    .add(change);
        }
        List<String> scriptKeys = new ArrayList<>(2 + 2 * byPeriod.size());
        scriptKeys.add(keys.offsets());
        scriptKeys.add(keys.periods());
        List<String> args = new ArrayList<>(1 + 3 * offsets.size() + 2 * byPeriod.size() + 3 * changes.size());
        args.add(Integer.toString(offsets.size()));
        for (OffsetAdvance o : offsets) {
            args.add(o.field());
            args.add(o.expected() == null ? "" : Long.toString(o.expected()));
            args.add(Long.toString(o.next()));
        }
        byPeriod.forEach((bp, periodChanges) -> {
            scriptKeys.add(keys.ranks(bp));
            scriptKeys.add(keys.members(bp));
            args.add(bp);
            Order order = orderOf.apply(periodChanges.get(0).board());
            List<String> removed = new ArrayList<>();
            List<String> added = new ArrayList<>();
            List<String> gone = new ArrayList<>();
            for (ScoreChange c : periodChanges) {
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
            args.addAll(removed);
            args.addAll(added);
            args.addAll(gone);
        });
        return evalApply(scriptKeys, args).map(RedisScoreStore::toResult);
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
        if (response.get(0).toInteger() == 1) {
            return ApplyResult.APPLIED;
        }
        return new ApplyResult(false, response.get(1).toString(), response.get(2).toString());
    }

    /** The last applied offset of every partition, by "topic/partition". */
    public Uni<Map<String, Long>> offsets() {
        return redis.send(Request.cmd(Command.HGETALL).arg(keys.offsets())).map(r -> {
            Map<String, Long> result = new HashMap<>();
            if (r != null) {
                for (String field : r.getKeys()) {
                    result.put(field, r.get(field).toLong());
                }
            }
            return result;
        });
    }

    /** Every live "board@period". */
    public Uni<List<String>> periods() {
        return redis.send(Request.cmd(Command.SMEMBERS).arg(keys.periods())).map(r -> {
            List<String> result = new ArrayList<>();
            if (r != null) {
                r.forEach(m -> result.add(m.toString()));
            }
            return result;
        });
    }

    /** Reads one board period's entries in rank order, in chunks, decoding members and rank scores. */
    public Uni<List<Entry>> readPeriod(String boardPeriod, Order order) {
        List<Entry> entries = new ArrayList<>();
        return readChunk(keys.ranks(boardPeriod), order, 0, entries).replaceWith(entries);
    }

    private Uni<Void> readChunk(String key, Order order, long start, List<Entry> into) {
        Request range = Request.cmd(Command.ZRANGE).arg(key).arg(start).arg(start + RANGE_CHUNK - 1).arg("WITHSCORES");
        return redis.send(range).chain(r -> {
            int rows = 0;
            if (r != null && r.size() > 0) {
                // RESP3 answers [[member, score], ...]; RESP2 answers [member, score, member, score, ...].
                boolean nested = r.get(0).type() == ResponseType.MULTI;
                rows = nested ? r.size() : r.size() / 2;
                for (int i = 0; i < rows; i++) {
                    String member = nested ? r.get(i).get(0).toString() : r.get(2 * i).toString();
                    double rankScore = nested ? r.get(i).get(1).toDouble() : r.get(2 * i + 1).toDouble();
                    into.add(new Entry(MemberCodec.entity(member), MemberCodec.score(rankScore, order),
                            MemberCodec.reachedAt(member)));
                }
            }
            return rows < RANGE_CHUNK ? Uni.createFrom().voidItem() : readChunk(key, order, start + RANGE_CHUNK, into);
        });
    }

    /** Removes every period of a board from Redis. */
    public Uni<Void> deleteBoard(String board) {
        return periods().chain(all -> {
            List<Request> requests = new ArrayList<>();
            for (String bp : all) {
                if (bp.startsWith(board + "@")) {
                    requests.add(Request.cmd(Command.UNLINK).arg(keys.ranks(bp)).arg(keys.members(bp)));
                    requests.add(Request.cmd(Command.SREM).arg(keys.periods()).arg(bp));
                }
            }
            return requests.isEmpty() ? Uni.createFrom().voidItem() : redis.batch(requests).replaceWithVoid();
        });
    }

    private static String resource(String path) {
        try (InputStream in = RedisScoreStore.class.getResourceAsStream(path)) {
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
