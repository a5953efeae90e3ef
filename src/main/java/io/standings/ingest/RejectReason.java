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
    /** The op is not one of set, incr, best, remove. */
    INVALID_OP,
    /** The value is NaN, infinite, or an integer beyond 2^53 that would not be exact. */
    INVALID_VALUE,
    /** The ts is not an ISO-8601 instant. */
    INVALID_TS,
    /** The record has no key: every event of an entity must share a partition, so the key is required. */
    MISSING_KEY,
    /** The record key is not {@code <board>/<entity>} of the event. */
    KEY_MISMATCH,
    /** The board does not exist and auto-creation is off. */
    UNKNOWN_BOARD;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
