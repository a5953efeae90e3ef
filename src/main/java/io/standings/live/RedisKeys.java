package io.standings.live;

/**
 * The Redis key layout (documented in docs/redis-layout.md; other services read it). All keys of one
 * board period share the hash tag {@code {board@period}} so they live in one Redis Cluster slot and
 * one MULTI/EXEC can touch them together.
 *
 * <pre>
 * {prefix}{board@period}:scores   sorted set   member = entity id, score = the entity's score
 * {prefix}{board@period}:reached  hash         entity id -> epoch millis its current score was reached
 * </pre>
 */
public final class RedisKeys {

    /** Boards without periods live in the single period {@code all}. */
    public static final String ALL_TIME = "all";

    private final String prefix;

    public RedisKeys(String prefix) {
        if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException("the Redis key prefix must not contain '{' or '}' (hash tags)");
        }
        this.prefix = prefix;
    }

    public String scores(String board, String period) {
        return prefix + "{" + board + "@" + period + "}:scores";
    }

    public String reachedAt(String board, String period) {
        return prefix + "{" + board + "@" + period + "}:reached";
    }

    public String prefix() {
        return prefix;
    }
}
