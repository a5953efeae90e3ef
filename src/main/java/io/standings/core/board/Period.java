package io.standings.core.board;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import java.util.Optional;

/**
 * How a board is cut in time. An event lands in the period that contains its timestamp in the board's
 * time zone; the period's key names it in Redis ({@code {board@period}}), in PostgreSQL and in the API.
 */
public enum Period {
    /** One period for all time, keyed {@code all}. */
    NONE,
    /** Calendar days, keyed like {@code 2026-11-21}. */
    DAILY,
    /** ISO weeks (Monday first), keyed like {@code 2026-W47} with the week-based year. */
    WEEKLY,
    /** Calendar months, keyed like {@code 2026-11}. */
    MONTHLY;

    public static final String ALL_TIME = "all";

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Period> fromWire(String value) {
        for (Period p : values()) {
            if (p.wireName().equals(value)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The key of the period that contains {@code epochMillis} in {@code zone}. */
    public String keyOf(long epochMillis, ZoneId zone) {
        if (this == NONE) {
            return ALL_TIME;
        }
        ZonedDateTime t = Instant.ofEpochMilli(epochMillis).atZone(zone);
        return switch (this) {
            case DAILY -> String.format(Locale.ROOT, "%04d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth());
            case WEEKLY -> String.format(Locale.ROOT, "%04d-W%02d", t.get(IsoFields.WEEK_BASED_YEAR),
                    t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case MONTHLY -> String.format(Locale.ROOT, "%04d-%02d", t.getYear(), t.getMonthValue());
            case NONE -> ALL_TIME;
        };
    }

    /**
     * The instant the period named {@code key} ends (exclusive) in {@code zone}: the start of the next day,
     * ISO week or month there. {@link Instant#MAX} for {@link #NONE}, which never ends.
     *
     * @throws java.time.DateTimeException if {@code key} is not a key of this kind
     */
    public Instant endOf(String key, ZoneId zone) {
        LocalDate next = switch (this) {
            case NONE -> null;
            case DAILY -> LocalDate.parse(key).plusDays(1);
            case WEEKLY -> LocalDate.of(Integer.parseInt(key.substring(0, 4)), 1, 4)
                    .with(IsoFields.WEEK_OF_WEEK_BASED_YEAR, Integer.parseInt(key.substring(6)))
                    .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).plusWeeks(1);
            case MONTHLY -> YearMonth.parse(key).plusMonths(1).atDay(1);
        };
        return next == null ? Instant.MAX : next.atStartOfDay(zone).toInstant();
    }

    /** Whether {@code key} has the shape of this kind's keys (for validating a period named in a request). */
    public boolean isKeyShape(String key) {
        return switch (this) {
            case NONE -> ALL_TIME.equals(key);
            case DAILY -> key.matches("\\d{4}-\\d{2}-\\d{2}");
            case WEEKLY -> key.matches("\\d{4}-W\\d{2}");
            case MONTHLY -> key.matches("\\d{4}-\\d{2}");
        };
    }
}
