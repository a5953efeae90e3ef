package io.standings.testing;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A plain model of what the whole pipeline must make of a stream of score events and admin changes, written
 * apart from the service: one event after the other, each judged by its effect on the state it lands on
 * (docs/api.md: the reject reasons), periods cut with the calendar, decay in log space, quarantine hiding an
 * entity's entries without dropping them, erasure dropping them everywhere. Tests compare memory, Redis and
 * PostgreSQL with it.
 */
public final class PipelineReference {

    public enum Period { NONE, DAILY, WEEKLY, MONTHLY }

    /** A board as the admin API defines it. */
    public record BoardDef(String id, boolean desc, String ties, String operator, Period period, ZoneId zone,
            Duration halfLife) {

        public String json() {
            return "{\"order\":\"" + (desc ? "desc" : "asc") + "\",\"ties\":\"" + ties + "\",\"operator\":\"" + operator
                    + "\",\"period\":\"" + period.name().toLowerCase(Locale.ROOT) + "\",\"timeZone\":\"" + zone.getId()
                    + "\",\"decayHalfLife\":" + (halfLife == null ? "null" : "\"" + halfLife + "\"") + "}";
        }
    }

    /** An entity's state in one board period: its stored score (log space on decaying boards) and reach time. */
    public record Cell(double score, long reachedAt) {
    }

    /** One ranked entry. */
    public record Ranked(String entity, double score, long reachedAt, long ordinal, long competition, long dense) {
        public long rank(String ties) {
            return switch (ties) {
                case "competition" -> competition;
                case "dense" -> dense;
                default -> ordinal;
            };
        }
    }

    public static final long DECAY_T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    static final long MIN_TS = Instant.parse("0001-01-02T00:00:00Z").toEpochMilli();
    static final long MAX_TS = Instant.parse("9999-12-30T23:59:59.999Z").toEpochMilli();

    private final Map<String, BoardDef> boards = new TreeMap<>();
    /** "board@period" → entity → cell, ranked and quarantined (held) entries alike. */
    private final Map<String, Map<String, Cell>> cells = new TreeMap<>();
    private final Set<String> quarantined = new HashSet<>();
    private final long graceMillis;
    private final long retentionMillis;
    private final long skewMillis;
    private final int maxPeriods;
    private final long maxEntries;

    public PipelineReference(Duration grace, Duration retention, Duration skew, int maxPeriods, long maxEntries) {
        this.graceMillis = grace.toMillis();
        this.retentionMillis = retention.toMillis();
        this.skewMillis = skew.toMillis();
        this.maxPeriods = maxPeriods;
        this.maxEntries = maxEntries;
    }

    public void putBoard(BoardDef board) {
        boards.put(board.id(), board);
    }

    public BoardDef board(String id) {
        return boards.get(id);
    }

    /**
     * Judges and applies one well-formed event (its fields valid on their own). {@code ts} is the event's time
     * (its {@code ts} or, without one, the record's), {@code producedAt} the record's timestamp and
     * {@code now} the wall clock. Returns null when the event is taken, else the reason it is dead-lettered.
     */
    public String event(String board, String entity, String op, double value, long ts, long producedAt, long now) {
        if (ts < MIN_TS || ts > MAX_TS) {
            return "ts_out_of_range";
        }
        if (ts - producedAt > skewMillis) {
            return "ts_in_future";
        }
        BoardDef b = boards.get(board);
        if (b == null) {
            return "unknown_board";
        }
        String operation = op != null ? op : b.operator();
        if (b.halfLife() != null && !operation.equals("remove") && !(value > 0)) {
            return "invalid_value";
        }
        String period = periodOf(b, ts);
        if (b.period() != Period.NONE) {
            long end = endOf(b, ts);
            if (now > end + retentionMillis || producedAt > end + graceMillis) {
                return "period_closed";
            }
        }
        String bp = board + "@" + period;
        Map<String, Cell> here = cells.getOrDefault(bp, Map.of());
        Cell current = here.get(entity);
        Cell next;
        if (operation.equals("remove")) {
            next = null;
        } else {
            double v = b.halfLife() == null ? value : Math.log(value) + lambda(b) * (ts - DECAY_T0);
            double s = switch (operation) {
                case "set" -> v;
                case "incr" -> current == null ? v : b.halfLife() == null ? current.score() + v
                        : Math.max(current.score(), v) + Math.log1p(Math.exp(-Math.abs(current.score() - v)));
                case "best" -> current == null || (b.desc() ? v > current.score() : v < current.score()) ? v : current.score();
                default -> throw new IllegalArgumentException(operation);
            };
            s = s == 0 ? 0.0 : s;
            if (!Double.isFinite(s)
                    || (b.halfLife() != null && !Double.isFinite(Math.exp(s - lambda(b) * (producedAt - DECAY_T0))))) {
                return "non_finite_result";
            }
            next = current != null && current.score() == s ? current : new Cell(s, ts);
            if (current == null) {
                long live = cells.entrySet().stream()
                        .filter(e -> e.getKey().startsWith(board + "@") && !e.getValue().isEmpty()).count();
                if (here.isEmpty() && live >= maxPeriods) {
                    return "period_limit";
                }
                if (here.size() >= maxEntries) {
                    return "entity_limit";
                }
            }
        }
        Map<String, Cell> changed = new TreeMap<>(here);
        if (next == null) {
            changed.remove(entity);
        } else {
            changed.put(entity, next);
        }
        cells.put(bp, changed);
        return null;
    }

    public void quarantine(String board, String entity) {
        quarantined.add(board + "/" + entity);
    }

    public void restore(String board, String entity) {
        quarantined.remove(board + "/" + entity);
    }

    public void erase(String entity) {
        cells.values().forEach(c -> c.remove(entity));
        quarantined.removeIf(m -> m.substring(m.indexOf('/') + 1).equals(entity));
    }

    public boolean isQuarantined(String board, String entity) {
        return quarantined.contains(board + "/" + entity);
    }

    /** Entities with an entry in any period of the board (ranked or held). */
    public Set<String> entitiesOf(String board) {
        Set<String> result = new java.util.TreeSet<>();
        cells.forEach((bp, c) -> {
            if (bp.startsWith(board + "@")) {
                result.addAll(c.keySet());
            }
        });
        return result;
    }

    /** Every board period of the board with at least one entry, ranked or held. */
    public List<String> livePeriods(String board) {
        List<String> result = new ArrayList<>();
        cells.forEach((bp, c) -> {
            if (bp.startsWith(board + "@") && !c.isEmpty()) {
                result.add(bp.substring(bp.indexOf('@') + 1));
            }
        });
        return result;
    }

    /** The ranked entries of a board period, in rank order (quarantined entities are not ranked). */
    public List<Ranked> ranked(String board, String period) {
        BoardDef b = boards.get(board);
        List<Map.Entry<String, Cell>> all = new ArrayList<>();
        cells.getOrDefault(board + "@" + period, Map.of()).forEach((entity, cell) -> {
            if (!isQuarantined(board, entity)) {
                all.add(Map.entry(entity, cell));
            }
        });
        all.sort((x, y) -> {
            int byScore = Double.compare(x.getValue().score(), y.getValue().score());
            if (byScore != 0) {
                return b.desc() ? -byScore : byScore;
            }
            int byTime = Long.compare(x.getValue().reachedAt(), y.getValue().reachedAt());
            return byTime != 0 ? byTime : byCodePoint(x.getKey(), y.getKey());
        });
        List<Ranked> rows = new ArrayList<>();
        long competition = 0;
        long dense = 0;
        for (int i = 0; i < all.size(); i++) {
            Cell c = all.get(i).getValue();
            if (i == 0 || c.score() != all.get(i - 1).getValue().score()) {
                competition = i + 1;
                dense++;
            }
            rows.add(new Ranked(all.get(i).getKey(), c.score(), c.reachedAt(), i + 1, competition, dense));
        }
        return rows;
    }

    /** The held (quarantined) entries of a board period: entity → cell. */
    public Map<String, Cell> held(String board, String period) {
        Map<String, Cell> result = new TreeMap<>();
        cells.getOrDefault(board + "@" + period, Map.of()).forEach((entity, cell) -> {
            if (isQuarantined(board, entity)) {
                result.put(entity, cell);
            }
        });
        return result;
    }

    private static int byCodePoint(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    static double lambda(BoardDef b) {
        return Math.log(2) / b.halfLife().toMillis();
    }

    /** The decayed value at {@code atMillis} of a stored log-space score. */
    public static double decayed(BoardDef b, double logScore, long atMillis) {
        return Math.exp(logScore - lambda(b) * (atMillis - DECAY_T0));
    }

    /** The key of the period holding {@code ts}, from the calendar of the board's zone. */
    public static String periodOf(BoardDef b, long ts) {
        LocalDate day = Instant.ofEpochMilli(ts).atZone(b.zone()).toLocalDate();
        return switch (b.period()) {
            case NONE -> "all";
            case DAILY -> String.format(Locale.ROOT, "%04d-%02d-%02d", day.getYear(), day.getMonthValue(), day.getDayOfMonth());
            case WEEKLY -> String.format(Locale.ROOT, "%04d-W%02d", day.get(IsoFields.WEEK_BASED_YEAR),
                    day.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case MONTHLY -> String.format(Locale.ROOT, "%04d-%02d", day.getYear(), day.getMonthValue());
        };
    }

    /** When the period holding {@code ts} ends, epoch ms. */
    public static long endOf(BoardDef b, long ts) {
        LocalDate day = Instant.ofEpochMilli(ts).atZone(b.zone()).toLocalDate();
        LocalDate next = switch (b.period()) {
            case DAILY -> day.plusDays(1);
            case WEEKLY -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).plusWeeks(1);
            case MONTHLY -> day.withDayOfMonth(1).plusMonths(1);
            case NONE -> throw new IllegalArgumentException("all-time boards never end");
        };
        return next.atStartOfDay(b.zone()).toInstant().toEpochMilli();
    }
}
