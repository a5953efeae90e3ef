package io.standings.ingest;

import io.standings.state.ScoreChange;

import io.standings.core.board.Board;
import io.standings.core.board.Decay;
import io.standings.core.board.Operation;
import io.standings.core.board.Period;
import io.standings.core.board.PeriodRules;
import io.standings.core.index.Order;
import io.standings.state.BoardPeriods;
import io.standings.state.EntityScore;
import io.standings.state.LiveState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds a batch of valid events, in partition order, into one {@link ScoreChange} per (board, period,
 * entity) whose state the batch really changed, and judges every event by its <em>effect</em> before it
 * takes it. Pure: the state before the batch comes in through {@link LiveState}, the clock as an argument.
 * An event lands in the period of its timestamp in the board's time zone.
 *
 * <p>Semantics, per event in order: {@code set} replaces the score; {@code incr} adds to it (an absent
 * entity starts at 0); {@code best} keeps the better of the two in the board's order; {@code remove}
 * deletes the entity. The tie-break time ({@code reachedAt}) moves only when the score changes, so an
 * event that leaves the score as it is never loses the entity its earlier place among equals.
 *
 * <p>An event is rejected, and leaves the state exactly as it was for the events after it, when its effect
 * would be one the live state cannot hold or a restart could not load ({@link Rejection}):
 * <ul>
 *   <li>{@code period_closed}: its period no longer takes events ({@link PeriodRules}: produced after the
 *       period's end plus the grace, or the period is released);</li>
 *   <li>{@code period_limit}: it would open a period beyond the board's limit of live periods;</li>
 *   <li>{@code non_finite_result}: the resulting score is not finite (an {@code incr} that overflows), or on a
 *       decaying board its value at the time the record was produced is not;</li>
 *   <li>{@code entity_limit}: it would add an entity to a board period already at its limit of entries.</li>
 * </ul>
 * An event whose fold throws (a defect) is set aside as {@code unprocessable}, alone.
 * A board period counts as live while it holds at least one entry (ranked or held by the quarantine), so
 * the limits read the same after a restart or a recovery as before.
 */
public final class BatchFolder {

    /** The state before the batch: each entity's score only (the arithmetic's tests). */
    public interface CurrentScores {
        /** The current entry, or null when the entity is not on the board period (ranked or held). */
        EntityScore current(String board, String period, String entity);
    }

    /** A state with only {@code current} and no limits to read (tests of the fold's arithmetic). */
    static LiveState unlimited(CurrentScores current) {
        return new LiveState() {
            @Override
            public EntityScore current(String board, String period, String entity) {
                return current.current(board, period, entity);
            }

            @Override
            public long entries(String board, String period) {
                return 0;
            }

            @Override
            public java.util.Set<String> livePeriods(String board) {
                return java.util.Set.of();
            }
        };
    }

    public interface Boards {
        Board board(String id);
    }

    /**
     * What the fold enforces besides the arithmetic.
     *
     * @param periods when periods stop taking events
     * @param maxLivePeriods live periods per board
     * @param maxEntries entries per board period
     */
    public record Limits(PeriodRules periods, int maxLivePeriods, long maxEntries) {
        /** No limits: every period open forever, no caps (tests of the fold's arithmetic). */
        public static final Limits NONE = new Limits(new PeriodRules(java.time.Duration.ofDays(365_000L * 1000),
                java.time.Duration.ofDays(365_000L * 1000)), Integer.MAX_VALUE, Long.MAX_VALUE);
    }

    /** An event the fold did not take: its index in the batch's event list, and why. */
    public record Rejection(int event, RejectReason reason, String detail) {
    }

    /**
     * The fold's outcome.
     *
     * @param changes one net change per (board, period, entity) the batch changed
     * @param rejected the events judged by their effect and not taken
     * @param entriesAfter per "board@period" whose number of entries the changes move: that number after them
     * @param lastEvents per change (same positions): the index in the batch of the last event the change took
     */
    public record Folded(List<ScoreChange> changes, List<Rejection> rejected, Map<String, Long> entriesAfter,
            int[] lastEvents) {
    }

    private BatchFolder() {
    }

    /** The arithmetic only: no limits, nothing rejected (every period open). */
    public static List<ScoreChange> fold(List<ScoreEvent> events, Boards boards, CurrentScores current) {
        return fold(events, boards, unlimited(current), Limits.NONE, 0).changes();
    }

    public static Folded fold(List<ScoreEvent> events, Boards boards, LiveState live, Limits limits, long nowMillis) {
        return fold(events, boards, live, limits, nowMillis, null);
    }

    /**
     * Which events a board period already holds (a replay of a batch that was cut off between two board periods'
     * writes): those are left out for that board period, as if already applied.
     */
    public interface Held {
        boolean holds(int event, String boardPeriod);
    }

    /** {@link #fold(List, Boards, LiveState, Limits, long)}, leaving out the events {@code held} says are applied. */
    public static Folded fold(List<ScoreEvent> events, Boards boards, LiveState live, Limits limits, long nowMillis,
            Held held) {
        Folding folding = new Folding(boards, live, limits, nowMillis, held);
        for (int i = 0; i < events.size(); i++) {
            try {
                folding.take(i, events.get(i));
            } catch (RuntimeException e) {
                // A defect, not the event's fault; the event alone is set aside, never the batch.
                folding.reject(i, RejectReason.UNPROCESSABLE, "the event could not be applied: " + e);
            }
        }
        return folding.result();
    }

    /** One fold in progress. */
    private static final class Folding {
        private final Boards boards;
        private final LiveState live;
        private final Limits limits;
        private final long now;
        private final Map<ChangeKey, State> states = new LinkedHashMap<>();
        private final List<Rejection> rejected = new ArrayList<>();
        /** Per "board@period" whose entries the batch adds or removes: its entries so far. */
        private final Map<String, long[]> entries = new HashMap<>();
        /** Per board whose periods the batch may open or empty: its live periods so far. */
        private final Map<String, java.util.Set<String>> livePeriods = new HashMap<>();
        /** Per "board@period" of a periodic board: the end of the period, epoch ms. */
        private final Map<String, Long> ends = new HashMap<>();

        private final Held held;

        Folding(Boards boards, LiveState live, Limits limits, long now, Held held) {
            this.held = held;
            this.boards = boards;
            this.live = live;
            this.limits = limits;
            this.now = now;
        }

        void take(int index, ScoreEvent event) {
            Board board = boards.board(event.board());
            String period = board.periodOf(event.timestamp());
            if (held != null && held.holds(index, BoardPeriods.boardPeriod(event.board(), period))) {
                return;
            }
            long producedAt = event.recordTimestamp() >= 0 ? event.recordTimestamp() : event.timestamp();
            if (board.period() != Period.NONE) {
                String bp = event.board() + "@" + period;
                long end = ends.computeIfAbsent(bp, k -> PeriodRules.endMillis(board, period));
                if (limits.periods().released(end, now)) {
                    reject(index, RejectReason.PERIOD_CLOSED, "period " + period + " of board '" + board.id()
                            + "' is released: its ranking is frozen");
                    return;
                }
                if (!limits.periods().inTime(end, producedAt)) {
                    reject(index, RejectReason.PERIOD_CLOSED, "period " + period + " of board '" + board.id() + "' ended at "
                            + java.time.Instant.ofEpochMilli(end) + "; its grace of " + limits.periods().grace()
                            + " was over when the record was produced at " + java.time.Instant.ofEpochMilli(producedAt));
                    return;
                }
            }
            ChangeKey key = new ChangeKey(event.board(), period, event.entity());
            State state = states.get(key);
            if (state == null) {
                state = new State(live.current(key.board(), key.period(), key.entity()));
            }
            Operation op = event.op() != null ? event.op() : board.operator();
            Outcome next = state.next(op, event.value(), event.timestamp(), board);
            if (next.present) {
                if (!Double.isFinite(next.score)) {
                    reject(index, RejectReason.NON_FINITE_RESULT, "the resulting score of '" + event.entity()
                            + "' would not be finite");
                    return;
                }
                Decay decay = board.decay();
                if (decay != null && !Double.isFinite(decay.valueAt(next.score, producedAt))) {
                    reject(index, RejectReason.NON_FINITE_RESULT, "the decayed value of '" + event.entity()
                            + "' would not be finite");
                    return;
                }
            }
            if (next.present != state.present) {
                String bp = key.board() + "@" + key.period();
                long[] count = entries.computeIfAbsent(bp, k -> new long[] {live.entries(key.board(), key.period())});
                java.util.Set<String> periods = null;
                if (next.present) {
                    if (count[0] == 0) {
                        periods = livePeriods.computeIfAbsent(key.board(), b -> new java.util.HashSet<>(live.livePeriods(b)));
                        if (periods.size() >= limits.maxLivePeriods()) {
                            reject(index, RejectReason.PERIOD_LIMIT, "board '" + board.id() + "' already has "
                                    + limits.maxLivePeriods() + " live periods (standings.boards.max-live-periods)");
                            return;
                        }
                    }
                    if (count[0] >= limits.maxEntries()) {
                        reject(index, RejectReason.ENTITY_LIMIT, "period " + key.period() + " of board '" + board.id()
                                + "' already has " + limits.maxEntries() + " entries (standings.boards.max-entries)");
                        return;
                    }
                }
                count[0] += next.present ? 1 : -1;
                if (count[0] == 0 || periods != null) {
                    periods = periods != null ? periods
                            : livePeriods.computeIfAbsent(key.board(), b -> new java.util.HashSet<>(live.livePeriods(b)));
                    if (count[0] == 0) {
                        periods.remove(bp);
                    } else {
                        periods.add(bp);
                    }
                }
            }
            states.putIfAbsent(key, state);
            state.take(next);
            state.lastEvent = index;
        }

        void reject(int index, RejectReason reason, String detail) {
            rejected.add(new Rejection(index, reason, detail));
        }

        Folded result() {
            List<ScoreChange> changes = new ArrayList<>(states.size());
            int[] lastEvents = new int[states.size()];
            for (Map.Entry<ChangeKey, State> e : states.entrySet()) {
                State s = e.getValue();
                if (s.differsFromStart()) {
                    ChangeKey k = e.getKey();
                    lastEvents[changes.size()] = s.lastEvent;
                    changes.add(s.present
                            ? new ScoreChange(k.board(), k.period(), k.entity(), false, s.score, s.reachedAt, s.start)
                            : new ScoreChange(k.board(), k.period(), k.entity(), true, 0, 0, s.start));
                }
            }
            Map<String, Long> entriesAfter = new HashMap<>();
            entries.forEach((bp, count) -> entriesAfter.put(bp, count[0]));
            return new Folded(changes, rejected, entriesAfter, java.util.Arrays.copyOf(lastEvents, changes.size()));
        }
    }

    /** An entity's state after one more event, before the fold takes it. */
    private record Outcome(boolean present, double score, long reachedAt) {
    }

    private static final class State {
        private final EntityScore start;
        /** The index of the last event taken. */
        private int lastEvent;
        private boolean present;
        private double score;
        private long reachedAt;

        State(EntityScore start) {
            this.start = start;
            this.present = start != null;
            this.score = start != null ? start.score() : 0;
            this.reachedAt = start != null ? start.reachedAt() : 0;
        }

        /** What the event would make of this state (the state itself does not change). */
        Outcome next(Operation op, double value, long ts, Board board) {
            Decay decay = board.decay();
            return switch (op) {
                case SET -> moveTo(decay == null ? value : decay.toLogSpace(value, ts), ts);
                case INCR -> moveTo(decay == null ? (present ? score : 0) + value
                        : present ? Decay.logAddExp(score, decay.toLogSpace(value, ts)) : decay.toLogSpace(value, ts), ts);
                case BEST -> {
                    double candidate = decay == null ? value : decay.toLogSpace(value, ts);
                    yield !present || isBetter(candidate, score, board.order()) ? moveTo(candidate, ts) : same();
                }
                case REMOVE -> new Outcome(false, 0, 0);
            };
        }

        private Outcome moveTo(double newScore, long ts) {
            double normalized = newScore == 0d ? 0d : newScore;
            if (!present || Double.compare(normalized, score) != 0) {
                return new Outcome(true, normalized, ts);
            }
            return same();
        }

        private Outcome same() {
            return new Outcome(present, score, reachedAt);
        }

        void take(Outcome next) {
            present = next.present;
            score = next.score;
            reachedAt = next.reachedAt;
        }

        private static boolean isBetter(double candidate, double current, Order order) {
            return order.compareScores(candidate, current) < 0;
        }

        boolean differsFromStart() {
            if (start == null) {
                return present;
            }
            return !present || Double.compare(score, start.score()) != 0 || reachedAt != start.reachedAt();
        }
    }
}
