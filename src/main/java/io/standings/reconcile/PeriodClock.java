package io.standings.reconcile;

import io.standings.board.Board;
import io.standings.board.Period;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;
import java.time.DayOfWeek;

/** When periods end, for closing and releasing them. */
final class PeriodClock {

    private PeriodClock() {
    }

    /** Whether the period has ended: the board's current period is another one. */
    static boolean isClosed(Board board, String period, long nowMillis) {
        return board.period() != Period.NONE && !period.equals(board.periodOf(nowMillis));
    }

    /** The instant the period ends (exclusive), in the board's time zone; null for all-time boards. */
    static Instant endOf(Board board, String period) {
        LocalDate next;
        switch (board.period()) {
            case DAILY:
                next = LocalDate.parse(period).plusDays(1);
                break;
            case WEEKLY:
                int year = Integer.parseInt(period.substring(0, 4));
                int week = Integer.parseInt(period.substring(6));
                next = LocalDate.of(year, 1, 4).with(IsoFields.WEEK_OF_WEEK_BASED_YEAR, week)
                        .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).plusWeeks(1);
                break;
            case MONTHLY:
                next = YearMonth.parse(period).plusMonths(1).atDay(1);
                break;
            default:
                return null;
        }
        return next.atStartOfDay(board.timeZone()).toInstant();
    }
}
