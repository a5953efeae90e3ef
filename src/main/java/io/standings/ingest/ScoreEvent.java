package io.standings.ingest;

import io.standings.core.board.Operation;

/**
 * A valid score event, as read from {@code standings.score-events}.
 *
 * @param id the producer's event id, or null
 * @param op the operation, or null when the event leaves it to the board's default operator
 * @param value the value; 0 for {@code remove}
 * @param timestamp epoch milliseconds of {@code ts}, or of the Kafka record when {@code ts} is absent
 * @param recordTimestamp epoch milliseconds of the Kafka record (when it was produced), or -1 when it has none
 */
public record ScoreEvent(String id, String board, String entity, Operation op, double value, long timestamp,
        long recordTimestamp) {

    /** An event whose record was produced at its own timestamp. */
    public ScoreEvent(String id, String board, String entity, Operation op, double value, long timestamp) {
        this(id, board, entity, op, value, timestamp, timestamp);
    }
}
