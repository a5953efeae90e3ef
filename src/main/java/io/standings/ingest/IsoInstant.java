package io.standings.ingest;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Parses ISO-8601 instants to epoch milliseconds. The shape producers send almost always —
 * {@code 2026-11-21T10:00:00Z} or with 1–9 fraction digits — is parsed by hand (about ten times faster
 * than {@link Instant#parse}, which the ingest would otherwise call for every event); anything else
 * (offsets, odd years) goes to {@link Instant#parse}, so the accepted language is exactly Instant's.
 */
final class IsoInstant {

    private IsoInstant() {
    }

    static long parseMillis(String s) {
        int n = s.length();
        if (n >= 20 && n <= 30 && s.charAt(n - 1) == 'Z' && s.charAt(4) == '-' && s.charAt(7) == '-'
                && s.charAt(10) == 'T' && s.charAt(13) == ':' && s.charAt(16) == ':') {
            int year = digits(s, 0, 4);
            int month = digits(s, 5, 2);
            int day = digits(s, 8, 2);
            int hour = digits(s, 11, 2);
            int minute = digits(s, 14, 2);
            int second = digits(s, 17, 2);
            int millis = 0;
            boolean fractionOk = n == 20;
            if (n > 21 && s.charAt(19) == '.') {
                fractionOk = true;
                for (int i = 20, scale = 100; i < n - 1; i++, scale /= 10) {
                    int d = s.charAt(i) - '0';
                    if (d < 0 || d > 9) {
                        fractionOk = false;
                        break;
                    }
                    millis += d * scale; // digits beyond the millisecond add 0 (scale reaches 0)
                }
            }
            if (fractionOk && year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month)
                    && hour <= 23 && minute <= 59 && second <= 59) {
                return (daysFromCivil(year, month, day) * 86_400L + hour * 3600L + minute * 60L + second) * 1000L + millis;
            }
        }
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (ArithmeticException e) {
            throw new DateTimeParseException("instant out of range", s, 0);
        }
    }

    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return -1_000_000;
            }
            v = v * 10 + d;
        }
        return v;
    }

    private static int daysIn(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
    private static long daysFromCivil(int y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = (y >= 0 ? y : y - 399) / 400;
        long yoe = y - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }
}
