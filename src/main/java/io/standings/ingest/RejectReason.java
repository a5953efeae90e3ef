package io.standings.ingest;

import java.util.Locale;

/**
 * Why a score-event record was sent to the dead-letter topic. The wire form ({@link #code()}) is the
 * value of the {@code dead-letter-reason} header and the {@code reason} tag of the
 * {@code standings_events_dead_lettered_total} metric.
 */
public enum RejectReason {
    /** The value is missing, not UTF-8, or not JSON. */
    MALFORMED_JSON,
    /** The value is JSON but not an object. */
    NOT_AN_OBJECT,
    /** The record is larger than the configured maximum. */
    TOO_LARGE,
    /** A required field is absent or null. */
    MISSING_FIELD,
    /** A field has the wrong JSON type. */
    WRONG_TYPE,
    /** The board id breaks the id rule. */
    INVALID_BOARD,
    /** The entity id breaks the id rule. */
    INVALID_ENTITY,
    /** The op is not the wire name of an {@link io.standings.core.board.Operation}. */
    INVALID_OP,
    /** The value is NaN, infinite, or an integer beyond 2^53 that would not be exact. */
    INVALID_VALUE,
    /** The ts is not an ISO-8601 instant. */
    INVALID_TS,
    /** The event time (ts, or the record's) is outside the years 0001..9999 that every board can represent. */
    TS_OUT_OF_RANGE,
    /** The ts is further ahead of the time its record was produced than the configured skew allows. */
    TS_IN_FUTURE,
    /** The record has no key: every event of an entity must share a partition, so the key is required. */
    MISSING_KEY,
    /** The record key is not {@code <board>/<entity>} of the event. */
    KEY_MISMATCH,
    /** The board does not exist and auto-creation is off. */
    UNKNOWN_BOARD,
    /** Auto-creation would create a board beyond the configured number of boards. */
    BOARD_LIMIT,
    /** The event's period no longer takes events: produced after its end plus the grace, or released. */
    PERIOD_CLOSED,
    /** The event would open a period beyond the board's limit of live periods. */
    PERIOD_LIMIT,
    /** The event would add an entity to a board period already at its limit of entries. */
    ENTITY_LIMIT,
    /** The event's resulting score would not be finite (an overflowing sum, a decayed value beyond a double). */
    NON_FINITE_RESULT,
    /** Applying the event failed in a way no rule foresaw (a defect, logged); the rest of its batch is applied. */
    UNPROCESSABLE;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
