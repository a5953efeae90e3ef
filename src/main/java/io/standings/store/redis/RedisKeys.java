package io.standings.store.redis;

import io.standings.state.BoardPeriods;
import java.util.List;

/**
 * The Redis key layout (docs/redis-layout.md; other services read it). All keys of one board period
 * share the hash tag {@code {board@period}}.
 *
 * <pre>
 * {prefix}{board@period}:ranks    sorted set  member = {@link MemberCodec member}, score = rank score
 * {prefix}{board@period}:members  hash        entity id -> its member in :ranks
 * {prefix}{board@period}:held     hash        quarantined entity id -> "rank-score member" (out of :ranks)
 * {prefix}{board@period}:offsets  hash        "topic/partition" -> last offset of the last batch that wrote this
 *                                             board period (the fence and the exactly-once of its slot)
 * {prefix}{board@period}:last-batch hash      "topic/partition" -> what its last batch changed here ({@link LastBatch})
 * {prefix}periods                 set         every live "board@period"
 * {prefix}offsets                 hash        "topic/partition" -> the floor: every board period holds the
 *                                             partition at least up to this offset (the replay starts after it)
 * {prefix}quarantine              set         "board/entity" of every quarantined entity
 * {prefix}marker                  string      written at start-up and after a restore; its absence means
 *                                             Redis lost its data (reconciliation restores it from PostgreSQL)
 * </pre>
 *
 * The rank score is the score for {@code asc} boards and its negation for {@code desc} boards, so that
 * for every board {@code ZRANK} is the ordinal rank − 1 and {@code ZRANGE 0 N} is the top of the board,
 * ties included.
 */
public final class RedisKeys {

    private final String prefix;

    public RedisKeys(String prefix) {
        if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException("the Redis key prefix must not contain '{' or '}' (hash tags)");
        }
        this.prefix = prefix;
    }

    public String ranks(String boardPeriod) {
        return prefix + "{" + boardPeriod + "}:ranks";
    }

    public String members(String boardPeriod) {
        return prefix + "{" + boardPeriod + "}:members";
    }

    public String held(String boardPeriod) {
        return prefix + "{" + boardPeriod + "}:held";
    }

    public String quarantine() {
        return prefix + "quarantine";
    }

    public String ranks(String board, String period) {
        return ranks(BoardPeriods.boardPeriod(board, period));
    }

    public String members(String board, String period) {
        return members(BoardPeriods.boardPeriod(board, period));
    }

    public String periods() {
        return prefix + "periods";
    }

    public String offsets() {
        return prefix + "offsets";
    }

    /** The offsets one board period holds, per partition: in its own slot, written with its scores. */
    public String periodOffsets(String boardPeriod) {
        return prefix + "{" + boardPeriod + "}:offsets";
    }

    /** What each partition's last batch changed in one board period. */
    public String periodLastBatch(String boardPeriod) {
        return prefix + "{" + boardPeriod + "}:last-batch";
    }

    /** Every key of one board period (one slot). */
    public List<String> periodKeys(String boardPeriod) {
        return List.of(ranks(boardPeriod), members(boardPeriod), held(boardPeriod), periodOffsets(boardPeriod),
                periodLastBatch(boardPeriod));
    }

    /** Present while Redis holds the state it was given: its absence tells a Redis loss. */
    public String marker() {
        return prefix + "marker";
    }

    public String prefix() {
        return prefix;
    }
}
