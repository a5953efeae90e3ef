package io.standings.live;

import io.smallrye.mutiny.Uni;
import io.standings.ingest.ScoreChange;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Writes the changes of one batch to Redis in ONE transaction (MULTI ... EXEC sent as one pipelined
 * batch on one connection), so another reader of Redis sees a batch wholly or not at all. Scores are
 * written as absolute values, which makes re-applying a batch harmless.
 */
@ApplicationScoped
public class RedisScoreStore {

    private final Redis redis;
    private final RedisKeys keys;

    public RedisScoreStore(Redis redis, @ConfigProperty(name = "standings.redis.key-prefix") String prefix) {
        this.redis = redis;
        this.keys = new RedisKeys(prefix);
    }

    public RedisKeys keys() {
        return keys;
    }

    public Uni<Void> apply(List<ScoreChange> changes) {
        if (changes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Map<String, BoardWrites> byBoard = new LinkedHashMap<>();
        for (ScoreChange change : changes) {
            byBoard.computeIfAbsent(change.board(), BoardWrites::new).add(change);
        }
        List<Request> requests = new ArrayList<>(2 + byBoard.size() * 4);
        requests.add(Request.cmd(Command.MULTI));
        for (BoardWrites writes : byBoard.values()) {
            writes.appendTo(requests, keys);
        }
        requests.add(Request.cmd(Command.EXEC));
        return redis.batch(requests).replaceWithVoid();
    }

    /** The variadic ZADD/HSET/ZREM/HDEL commands for one board. */
    private static final class BoardWrites {
        private final String board;
        private final List<ScoreChange> upserts = new ArrayList<>();
        private final List<String> removals = new ArrayList<>();

        BoardWrites(String board) {
            this.board = board;
        }

        void add(ScoreChange change) {
            if (change.removed()) {
                removals.add(change.entity());
            } else {
                upserts.add(change);
            }
        }

        void appendTo(List<Request> requests, RedisKeys keys) {
            String scores = keys.scores(board, RedisKeys.ALL_TIME);
            String reached = keys.reachedAt(board, RedisKeys.ALL_TIME);
            if (!upserts.isEmpty()) {
                Request zadd = Request.cmd(Command.ZADD).arg(scores);
                Request hset = Request.cmd(Command.HSET).arg(reached);
                for (ScoreChange change : upserts) {
                    zadd.arg(Double.toString(change.score())).arg(change.entity());
                    hset.arg(change.entity()).arg(change.reachedAt());
                }
                requests.add(zadd);
                requests.add(hset);
            }
            if (!removals.isEmpty()) {
                Request zrem = Request.cmd(Command.ZREM).arg(scores);
                Request hdel = Request.cmd(Command.HDEL).arg(reached);
                for (String entity : removals) {
                    zrem.arg(entity);
                    hdel.arg(entity);
                }
                requests.add(zrem);
                requests.add(hdel);
            }
        }
    }
}
