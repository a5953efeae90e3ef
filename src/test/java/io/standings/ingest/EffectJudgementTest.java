package io.standings.ingest;

import io.standings.state.LiveState;
import io.standings.state.EntityScore;
import io.standings.state.ScoreChange;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.core.board.Board;
import io.standings.core.board.Decay;
import io.standings.core.board.Operation;
import io.standings.core.board.Period;
import io.standings.core.board.PeriodRules;
import io.standings.core.index.Order;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Invariant 7, in the fold: every event is judged by its effect on the state it lands on, one event at a
 * time, and a rejected event leaves that state exactly as it was. The fold, cut into batches of any size,
 * and folding a batch on top of a pending one ({@link PendingState}) must each equal a plain reference
 * that applies and judges one event after the other with its own period arithmetic.
 */
class EffectJudgementTest {

    static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    static final ZoneId KIRITIMATI = ZoneId.of("Pacific/Kiritimati");
    static final Map<String, Board> BOARDS = Map.of(
            "sum", Board.simple("sum", Order.DESC, Board.TiePolicy.ORDINAL, Operation.INCR),
            "low", Board.simple("low", Order.ASC, Board.TiePolicy.DENSE, Operation.BEST),
            "day", new Board("day", Order.DESC, Board.TiePolicy.COMPETITION, Operation.INCR, Period.DAILY, PARIS, null),
            "week", new Board("week", Order.ASC, Board.TiePolicy.ORDINAL, Operation.SET, Period.WEEKLY, KIRITIMATI, null),
            "month", new Board("month", Order.DESC, Board.TiePolicy.DENSE, Operation.BEST, Period.MONTHLY,
                    ZoneId.of("America/St_Johns"), null),
            "hot", new Board("hot", Order.DESC, Board.TiePolicy.ORDINAL, Operation.INCR, Period.NONE, ZoneId.of("UTC"),
                    Decay.ofHalfLife(Duration.ofMinutes(1))));
    static final long NOW = Instant.parse("2026-12-03T12:00:00Z").toEpochMilli();
    static final PeriodRules RULES = new PeriodRules(Duration.ofMinutes(5), Duration.ofDays(7));

    // --- The reference: one event at a time, written plainly -------------------------------------------------

    record Cell(double score, long reachedAt) {
    }

    record Verdict(int event, RejectReason reason) {
    }

    /** The state and the rules, applied to one event after the other. */
    static final class Reference {
        final Map<String, Map<String, Cell>> periods = new TreeMap<>();
        final int maxPeriods;
        final long maxEntries;
        final List<Verdict> rejected = new ArrayList<>();

        Reference(int maxPeriods, long maxEntries) {
            this.maxPeriods = maxPeriods;
            this.maxEntries = maxEntries;
        }

        void apply(int index, ScoreEvent e) {
            Board board = BOARDS.get(e.board());
            String period = board.periodOf(e.timestamp());
            long producedAt = e.recordTimestamp() >= 0 ? e.recordTimestamp() : e.timestamp();
            if (board.period() != Period.NONE) {
                long end = endOf(board, e.timestamp());
                if (NOW > end + RULES.retention().toMillis() || producedAt > end + RULES.grace().toMillis()) {
                    rejected.add(new Verdict(index, RejectReason.PERIOD_CLOSED));
                    return;
                }
            }
            String bp = e.board() + "@" + period;
            Map<String, Cell> cells = periods.getOrDefault(bp, Map.of());
            Cell current = cells.get(e.entity());
            Operation op = e.op() != null ? e.op() : board.operator();
            Cell next;
            if (op == Operation.REMOVE) {
                next = null;
            } else {
                double v = board.decay() == null ? e.value()
                        : Math.log(e.value()) + Math.log(2) / board.decay().halfLife().toMillis()
                                * (e.timestamp() - Decay.REFERENCE_EPOCH_MILLIS);
                double s = switch (op) {
                    case SET -> v;
                    case INCR -> current == null ? v : board.decay() == null ? current.score() + v
                            : Math.max(current.score(), v) + Math.log1p(Math.exp(-Math.abs(current.score() - v)));
                    case BEST -> current == null || (board.order() == Order.DESC ? v > current.score() : v < current.score())
                            ? v : current.score();
                    case REMOVE -> throw new AssertionError();
                };
                s = s == 0 ? 0.0 : s;
                next = current != null && current.score() == s ? current : new Cell(s, e.timestamp());
                if (!Double.isFinite(s) || (board.decay() != null && !Double.isFinite(Math.exp(s
                        - Math.log(2) / board.decay().halfLife().toMillis() * (producedAt - Decay.REFERENCE_EPOCH_MILLIS))))) {
                    rejected.add(new Verdict(index, RejectReason.NON_FINITE_RESULT));
                    return;
                }
                if (current == null) {
                    long livePeriods = periods.entrySet().stream()
                            .filter(p -> p.getKey().startsWith(e.board() + "@") && !p.getValue().isEmpty()).count();
                    if (cells.isEmpty() && livePeriods >= maxPeriods) {
                        rejected.add(new Verdict(index, RejectReason.PERIOD_LIMIT));
                        return;
                    }
                    if (cells.size() >= maxEntries) {
                        rejected.add(new Verdict(index, RejectReason.ENTITY_LIMIT));
                        return;
                    }
                }
            }
            Map<String, Cell> changed = new TreeMap<>(cells);
            if (next == null) {
                changed.remove(e.entity());
            } else {
                changed.put(e.entity(), next);
            }
            periods.put(bp, changed);
        }

        /** The end of the period holding {@code ts}, from the calendar directly. */
        static long endOf(Board board, long ts) {
            LocalDate day = Instant.ofEpochMilli(ts).atZone(board.timeZone()).toLocalDate();
            LocalDate next = switch (board.period()) {
                case DAILY -> day.plusDays(1);
                case WEEKLY -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).plusWeeks(1);
                case MONTHLY -> day.withDayOfMonth(1).plusMonths(1);
                case NONE -> throw new AssertionError();
            };
            return next.atStartOfDay(board.timeZone()).toInstant().toEpochMilli();
        }

        Map<String, Map<String, Cell>> nonEmpty() {
            Map<String, Map<String, Cell>> result = new TreeMap<>();
            periods.forEach((bp, cells) -> {
                if (!cells.isEmpty()) {
                    result.put(bp, cells);
                }
            });
            return result;
        }
    }

    // --- The state the fold reads, kept like memory: changes applied batch by batch -------------------------

    static final class MapState implements LiveState {
        final Map<String, Map<String, Cell>> periods = new TreeMap<>();

        @Override
        public EntityScore current(String board, String period, String entity) {
            Cell c = periods.getOrDefault(board + "@" + period, Map.of()).get(entity);
            return c == null ? null : new EntityScore(c.score(), c.reachedAt());
        }

        @Override
        public long entries(String board, String period) {
            return periods.getOrDefault(board + "@" + period, Map.of()).size();
        }

        @Override
        public Set<String> livePeriods(String board) {
            Set<String> live = new HashSet<>();
            periods.forEach((bp, cells) -> {
                if (!cells.isEmpty() && bp.startsWith(board + "@")) {
                    live.add(bp);
                }
            });
            return live;
        }

        void apply(List<ScoreChange> changes) {
            for (ScoreChange c : changes) {
                Map<String, Cell> cells = periods.computeIfAbsent(c.board() + "@" + c.period(), bp -> new TreeMap<>());
                if (c.removed()) {
                    assertThat(cells).as("a removal is reported only for a present entity").containsKey(c.entity());
                    cells.remove(c.entity());
                } else {
                    cells.put(c.entity(), new Cell(c.score(), c.reachedAt()));
                }
            }
        }

        Map<String, Map<String, Cell>> nonEmpty() {
            Map<String, Map<String, Cell>> result = new TreeMap<>();
            periods.forEach((bp, cells) -> {
                if (!cells.isEmpty()) {
                    result.put(bp, new TreeMap<>(cells));
                }
            });
            return result;
        }
    }

    static BatchFolder.Limits limits(int maxPeriods, long maxEntries) {
        return new BatchFolder.Limits(RULES, maxPeriods, maxEntries);
    }

    // --- Properties -----------------------------------------------------------------------------------------

    @Property(tries = 400)
    void batchesOfAnySizeJudgeAndApplyLikeOneEventAtATime(
            @ForAll("streams") List<ScoreEvent> events,
            @ForAll @IntRange(min = 1, max = 40) int batchSize,
            @ForAll @IntRange(min = 1, max = 4) int maxPeriods,
            @ForAll @IntRange(min = 1, max = 6) int maxEntries) {
        Reference reference = new Reference(maxPeriods, maxEntries);
        for (int i = 0; i < events.size(); i++) {
            reference.apply(i, events.get(i));
        }

        MapState state = new MapState();
        List<Verdict> rejected = new ArrayList<>();
        for (int from = 0; from < events.size(); from += batchSize) {
            List<ScoreEvent> batch = events.subList(from, Math.min(events.size(), from + batchSize));
            BatchFolder.Folded folded = BatchFolder.fold(batch, BOARDS::get, state, limits(maxPeriods, maxEntries), NOW);
            for (BatchFolder.Rejection r : folded.rejected()) {
                rejected.add(new Verdict(from + r.event(), r.reason()));
            }
            state.apply(folded.changes());
        }

        assertThat(rejected).isEqualTo(reference.rejected);
        assertThat(state.nonEmpty()).isEqualTo(reference.nonEmpty());
    }

    @Property(tries = 300)
    void aBatchFoldedOnAPendingOneEqualsOneFoldedAfterIt(
            @ForAll("streams") List<ScoreEvent> events,
            @ForAll @IntRange(min = 0, max = 60) int cut,
            @ForAll boolean memoryAlreadyTookThePendingBatch,
            @ForAll @IntRange(min = 1, max = 4) int maxPeriods,
            @ForAll @IntRange(min = 1, max = 6) int maxEntries) {
        int split = Math.min(cut, events.size());
        List<ScoreEvent> first = events.subList(0, split);
        List<ScoreEvent> second = events.subList(split, events.size());
        BatchFolder.Limits limits = limits(maxPeriods, maxEntries);

        MapState afterFirst = new MapState();
        BatchFolder.Folded pending = BatchFolder.fold(first, BOARDS::get, afterFirst, limits, NOW);
        afterFirst.apply(pending.changes());
        BatchFolder.Folded expected = BatchFolder.fold(second, BOARDS::get, afterFirst, limits, NOW);

        // Memory may or may not have taken the pending batch when the next one is folded on it.
        MapState memory = new MapState();
        if (memoryAlreadyTookThePendingBatch) {
            memory.apply(pending.changes());
        }
        BatchFolder.Folded speculated = BatchFolder.fold(second, BOARDS::get, new PendingState(memory, pending), limits, NOW);

        assertThat(speculated.rejected()).isEqualTo(expected.rejected());
        assertThat(speculated.changes()).isEqualTo(expected.changes());
        assertThat(speculated.entriesAfter()).isEqualTo(expected.entriesAfter());
    }

    // --- Generators --------------------------------------------------------------------------------------------

    @Provide
    Arbitrary<List<ScoreEvent>> streams() {
        return event().list().ofMaxSize(60);
    }

    private static Arbitrary<ScoreEvent> event() {
        Arbitrary<String> boards = Arbitraries.of(BOARDS.keySet().stream().sorted().toList());
        Arbitrary<String> entities = Arbitraries.of("a", "b", "c", "d", "e", "f", "g", "h");
        Arbitrary<Operation> ops = Arbitraries.of(Operation.values()).injectNull(0.3);
        Arbitrary<Double> values = Arbitraries.oneOf(
                Arbitraries.of(0.0, -0.0, 1.0, -1.0, 2.5, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE,
                        -Double.MIN_VALUE, Double.MIN_NORMAL, 1e308, -1e308, 1e300, 9.007199254740992E15, 1e-300),
                Arbitraries.doubles().between(-1e6, 1e6));
        // Event times from long ago to far ahead, most of them within a few periods of now.
        Arbitrary<Long> times = Arbitraries.oneOf(
                Arbitraries.longs().between(NOW - Duration.ofDays(70).toMillis(), NOW + Duration.ofHours(2).toMillis()),
                Arbitraries.longs().between(NOW - Duration.ofDays(3).toMillis(), NOW),
                Arbitraries.of(Instant.parse("0001-01-02T00:00:00Z").toEpochMilli(),
                        Instant.parse("9999-12-30T23:59:59.999Z").toEpochMilli(), 0L, -1L));
        // The record was produced with the event, a little or a lot later, or carries no timestamp.
        Arbitrary<Long> lateness = Arbitraries.oneOf(Arbitraries.just(0L),
                Arbitraries.longs().between(0, Duration.ofMinutes(10).toMillis()),
                Arbitraries.longs().between(0, Duration.ofDays(40).toMillis()), Arbitraries.just(Long.MIN_VALUE));
        return Combinators.combine(boards, entities, ops, values, times, lateness).as((board, entity, op, value, ts, late) -> {
            Board b = BOARDS.get(board);
            double v = op == Operation.REMOVE ? 0 : b.decay() != null ? Math.abs(value) + Double.MIN_VALUE : value;
            long recordTs = late == Long.MIN_VALUE ? -1 : ts + late;
            return new ScoreEvent(null, board, entity, op, v == 0 ? 0.0 : v, ts, recordTs);
        });
    }

    // --- Examples that name the cases ----------------------------------------------------------------------------

    @Test
    void anIncrThatOverflowsIsRejectedAndTheScoreStays() {
        List<ScoreEvent> events = List.of(
                new ScoreEvent(null, "sum", "e", Operation.INCR, 1e308, NOW),
                new ScoreEvent(null, "sum", "e", Operation.INCR, 1e308, NOW + 1),
                new ScoreEvent(null, "sum", "e", Operation.INCR, -1e307, NOW + 2));
        BatchFolder.Folded folded = BatchFolder.fold(events, BOARDS::get, new MapState(), limits(10, 10), NOW);
        assertThat(folded.rejected()).extracting(BatchFolder.Rejection::event, BatchFolder.Rejection::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, RejectReason.NON_FINITE_RESULT));
        assertThat(folded.changes()).containsExactly(ScoreChange.upsert("sum", "all", "e", 1e308 - 1e307, NOW + 2));
    }

    @Test
    void anEventProducedAfterItsPeriodsGraceIsLateButOneProducedInTimeIsNot() {
        long yesterdayNoon = Instant.parse("2026-12-02T11:00:00Z").toEpochMilli();
        long periodEnd = Instant.parse("2026-12-02T23:00:00Z").toEpochMilli(); // midnight in Paris
        List<ScoreEvent> events = List.of(
                new ScoreEvent(null, "day", "late", Operation.INCR, 1, yesterdayNoon, periodEnd + Duration.ofMinutes(6).toMillis()),
                new ScoreEvent(null, "day", "inTime", Operation.INCR, 1, yesterdayNoon, periodEnd + Duration.ofMinutes(4).toMillis()));
        BatchFolder.Folded folded = BatchFolder.fold(events, BOARDS::get, new MapState(), limits(10, 10), NOW);
        assertThat(folded.rejected()).extracting(BatchFolder.Rejection::reason).containsExactly(RejectReason.PERIOD_CLOSED);
        assertThat(folded.changes()).extracting(ScoreChange::entity).containsExactly("inTime");
    }

    @Test
    void aReleasedPeriodTakesNothingWhenEverItsRecordWasProduced() {
        long longAgo = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();
        BatchFolder.Folded folded = BatchFolder.fold(List.of(new ScoreEvent(null, "day", "x", Operation.INCR, 1, longAgo)),
                BOARDS::get, new MapState(), limits(10, 10), NOW);
        assertThat(folded.rejected()).extracting(BatchFolder.Rejection::reason).containsExactly(RejectReason.PERIOD_CLOSED);
        assertThat(folded.changes()).isEmpty();
    }

    @Test
    void oneProducerChoosingManyPeriodsOpensNoMoreThanTheLimit() {
        List<ScoreEvent> events = new ArrayList<>();
        for (int day = 0; day < 30; day++) {
            long ts = NOW - Duration.ofDays(day).toMillis();
            events.add(new ScoreEvent(null, "day", "p" + day, Operation.INCR, 1, ts, ts));
        }
        BatchFolder.Folded folded = BatchFolder.fold(events, BOARDS::get, new MapState(), limits(3, 100), NOW);
        assertThat(folded.changes()).hasSize(3);
        assertThat(folded.rejected()).extracting(BatchFolder.Rejection::reason)
                .containsOnly(RejectReason.PERIOD_LIMIT, RejectReason.PERIOD_CLOSED);
        Map<RejectReason, Long> byReason = new HashMap<>();
        folded.rejected().forEach(r -> byReason.merge(r.reason(), 1L, Long::sum));
        assertThat(byReason.get(RejectReason.PERIOD_LIMIT)).isEqualTo(5); // days 3..7 are live, over the limit
    }

    @Test
    void aFloodOfNewEntitiesStopsAtTheLimitWhileKnownOnesKeepChanging() {
        List<ScoreEvent> events = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            events.add(new ScoreEvent(null, "sum", "e" + i, Operation.INCR, 1, NOW + i));
        }
        events.add(new ScoreEvent(null, "sum", "e0", Operation.INCR, 5, NOW + 20));
        BatchFolder.Folded folded = BatchFolder.fold(events, BOARDS::get, new MapState(), limits(10, 4), NOW);
        assertThat(folded.changes()).extracting(ScoreChange::entity).containsExactly("e0", "e1", "e2", "e3");
        assertThat(folded.changes().get(0).score()).isEqualTo(6);
        assertThat(folded.rejected()).hasSize(6).allMatch(r -> r.reason() == RejectReason.ENTITY_LIMIT);
    }

    @Test
    void aDecayingBoardRefusesAValueBeyondADoubleWhenProduced() {
        List<ScoreEvent> events = List.of(new ScoreEvent(null, "hot", "x", Operation.SET, Double.MAX_VALUE, NOW + 60_000, NOW));
        BatchFolder.Folded folded = BatchFolder.fold(events, BOARDS::get, new MapState(), limits(10, 10), NOW);
        assertThat(folded.rejected()).extracting(BatchFolder.Rejection::reason).containsExactly(RejectReason.NON_FINITE_RESULT);
    }
}
