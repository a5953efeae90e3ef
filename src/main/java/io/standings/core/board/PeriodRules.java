package io.standings.core.board;

import java.time.Duration;
import java.time.Instant;

/**
 * When a period stops taking events and when memory and Redis let go of it: the one place these rules are
 * written, used by the ingest (which events a period still takes) and by the reconciler (when it freezes and
 * releases a period).
 *
 * <pre>
 *   period start            period end        end + grace                 end + retention
 *        |---- open: takes events ---|-- grace: takes events --|-- closed, frozen --|-- released -->
 *                                     produced until end+grace   (live, queryable)    (PostgreSQL only)
 * </pre>
 *
 * <ul>
 *   <li>An event is <b>in time</b> for its period when its Kafka record was produced no later than the period's
 *       end plus the grace ({@link #inTime}); the record timestamp, not the wall clock, decides, so a consumer
 *       that lags, restarts or replays after a Redis loss judges every record exactly as it did the first
 *       time. A late event is dead-lettered ({@code period_closed}).</li>
 *   <li>The reconciler <b>closes</b> (freezes) a period's PostgreSQL ranking once the wall clock passes its end
 *       plus the grace ({@link #closed}). In-time events that a lagging consumer delivers later still change
 *       the closed period until it is released.</li>
 *   <li>Once the wall clock passes the end plus the retention the period is <b>released</b> ({@link #released}):
 *       memory and Redis drop it, its frozen PostgreSQL ranking never changes again, and any event for it is
 *       dead-lettered, whenever it was produced.</li>
 * </ul>
 * All-time boards ({@link Period#NONE}) never end.
 */
public record PeriodRules(Duration grace, Duration retention) {

    public PeriodRules {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("standings.periods.grace must not be negative, got " + grace);
        }
        if (retention.compareTo(grace) < 0) {
            throw new IllegalArgumentException("standings.periods.retention (" + retention
                    + ") must be at least standings.periods.grace (" + grace + "): a period cannot be released while it"
                    + " still takes events");
        }
    }

    /** Epoch milliseconds at which the board's period ends (exclusive); {@link Long#MAX_VALUE} if it never ends. */
    public static long endMillis(Board board, String period) {
        Instant end = board.period().endOf(period, board.timeZone());
        return end == Instant.MAX ? Long.MAX_VALUE : end.toEpochMilli();
    }

    /** Whether a record produced at {@code producedAt} (epoch ms) is in time for a period ending at {@code endMillis}. */
    public boolean inTime(long endMillis, long producedAt) {
        return endMillis == Long.MAX_VALUE || producedAt <= saturatedAdd(endMillis, grace.toMillis());
    }

    /** Whether the period ending at {@code endMillis} is closed (frozen) at {@code nowMillis}. */
    public boolean closed(long endMillis, long nowMillis) {
        return endMillis != Long.MAX_VALUE && nowMillis > saturatedAdd(endMillis, grace.toMillis());
    }

    /** Whether the period ending at {@code endMillis} is released (gone from memory and Redis) at {@code nowMillis}. */
    public boolean released(long endMillis, long nowMillis) {
        return endMillis != Long.MAX_VALUE && nowMillis > saturatedAdd(endMillis, retention.toMillis());
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
