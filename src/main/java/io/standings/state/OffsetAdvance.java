package io.standings.state;

import io.standings.store.redis.RedisKeys;

/**
 * A batch moves one partition's last applied offset from {@code expected} (null: none stored yet) to
 * {@code next}; the Redis write is fenced on {@code expected}.
 */
public record OffsetAdvance(String topic, int partition, Long expected, long next) {

    public String field() {
        return RedisKeys.offsetField(topic, partition);
    }
}
