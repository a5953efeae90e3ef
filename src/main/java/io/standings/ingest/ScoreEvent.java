package io.standings.ingest;

import io.standings.board.Operation;

/**
 * A valid score event, as read from {@code standings.score-events}.
 *
 * @param id the producer's event id, or null
 * @param op the operation, or null when the event leaves it to the board's default operator
 * @param value the value; 0 for {@code remove}
 * @param timestamp epoch milliseconds of {@code ts}, or of the Kafka record when {@code ts} is absent
 */
public record ScoreEvent(String id, String board, String entity, Operation op, double value, long timestamp) {
}
