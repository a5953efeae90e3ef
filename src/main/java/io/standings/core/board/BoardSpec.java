package io.standings.core.board;

import io.standings.core.index.Order;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * A board definition as clients send it ({@code PUT /api/v1/boards/{board}}) and as the API shows it.
 * Absent fields take the defaults: desc, ordinal, set, none, UTC, no decay. {@code decayHalfLife} is an
 * ISO-8601 duration such as {@code PT6H}.
 */
public record BoardSpec(String order, String ties, String operator, String period, String timeZone,
        String decayHalfLife) {

    public static BoardSpec of(Board b) {
        return new BoardSpec(lower(b.order()), lower(b.ties()), b.operator().wireName(), b.period().wireName(),
                b.timeZone().getId(), b.decay() == null ? null : b.decay().halfLife().toString());
    }

    /** The board this spec defines, or an {@link IllegalArgumentException} saying what is wrong. */
    public Board toBoard(String id) {
        if (!Ids.isValidBoard(id)) {
            throw new IllegalArgumentException(Ids.describeBoardRule());
        }
        Order o = parse(order, "desc", "order", "desc, asc", Order.class);
        Board.TiePolicy t = parse(ties, "ordinal", "ties", "ordinal, competition, dense", Board.TiePolicy.class);
        Operation op = Operation.fromWire(operator == null ? "set" : operator)
                .filter(Operation::canBeBoardDefault)
                .orElseThrow(() -> new IllegalArgumentException("operator must be one of " + Operation.boardDefaultWireNames()));
        Period p = Period.fromWire(period == null ? "none" : period)
                .orElseThrow(() -> new IllegalArgumentException("period must be one of none, daily, weekly, monthly"));
        ZoneId zone;
        try {
            zone = ZoneId.of(timeZone == null ? "UTC" : timeZone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("timeZone must be a time-zone id such as UTC or Europe/Paris");
        }
        Decay decay = null;
        if (decayHalfLife != null) {
            Duration halfLife;
            try {
                halfLife = Duration.parse(decayHalfLife);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("decayHalfLife must be an ISO-8601 duration such as PT6H");
            }
            if (halfLife.compareTo(Duration.ofSeconds(1)) < 0 || halfLife.compareTo(Duration.ofDays(3650)) > 0) {
                throw new IllegalArgumentException("decayHalfLife must be between PT1S and 3650 days");
            }
            if (o != Order.DESC) {
                throw new IllegalArgumentException("a decaying (trending) board must have order desc");
            }
            decay = Decay.ofHalfLife(halfLife);
        }
        return new Board(id, o, t, op, p, zone, decay);
    }

    private static <E extends Enum<E>> E parse(String value, String fallback, String field, String allowed, Class<E> type) {
        String v = value == null ? fallback : value;
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(v)) {
                return e;
            }
        }
        throw new IllegalArgumentException(field + " must be one of " + allowed);
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /**
     * A board from its seed form {@code id[:order[:ties[:operator[:period[:timeZone[:decayHalfLife]]]]]]}, e.g.
     * {@code arena:desc:competition:incr} or {@code laps:asc:ordinal:best:weekly:Europe/Paris}.
     */
    public static Board parseSeed(String seed) {
        String[] p = seed.trim().split(":");
        return new BoardSpec(part(p, 1), part(p, 2), part(p, 3), part(p, 4), part(p, 5), part(p, 6)).toBoard(p[0]);
    }

    private static String part(String[] parts, int i) {
        return i < parts.length && !parts[i].isBlank() ? parts[i] : null;
    }
}
