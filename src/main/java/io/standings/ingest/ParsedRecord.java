package io.standings.ingest;

/** The outcome of parsing one Kafka record: a valid event, or the reason it is rejected. */
public sealed interface ParsedRecord {

    record Valid(ScoreEvent event) implements ParsedRecord {
    }

    record Rejected(RejectReason reason, String detail, String eventId) implements ParsedRecord {
    }
}
