package io.standings.state;


/**
 * A batch moves one partition's last applied offset from {@code expected} (null: none stored yet) to
 * {@code next}; the Redis write is fenced on {@code expected}.
 */
public record OffsetAdvance(String topic, int partition, Long expected, long next) {

    public String field() {
        return BoardPeriods.partition(topic, partition);
    }
}
