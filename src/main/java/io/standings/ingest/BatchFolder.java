package io.standings.ingest;

import io.standings.board.Board;
import io.standings.board.Decay;
import io.standings.board.Operation;
import io.standings.index.Order;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds a batch of valid events, in partition order, into one {@link ScoreChange} per (board, period,
 * entity) whose state the batch really changed. Pure: the current state comes in through
 * {@link CurrentScores}. An event lands in the period of its timestamp in the board's time zone.
 *
 * <p>Semantics, per event in order: {@code set} replaces the score; {@code incr} adds to it (an absent
 * entity starts at 0); {@code best} keeps the better of the two in the board's order; {@code remove}
 * deletes the entity. The tie-break time ({@code reachedAt}) moves only when the score changes, so an
 * event that leaves the score as it is never loses the entity its earlier place among equals.
 */
public final class BatchFolder {

    /** The state before the batch. */
    public interface CurrentScores {
        /** The current entry, or null when the entity is not on the board. */
        Current current(String board, String period, String entity);
    }

    public record Current(double score, long reachedAt) {
    }

    public interface Boards {
        Board board(String id);
    }

    private BatchFolder() {
    }

    public static List<ScoreChange> fold(List<ScoreEvent> events, Boards boards, CurrentScores current) {
        Map<Key, State> states = new LinkedHashMap<>(Math.max(16, events.size() * 2));
        for (ScoreEvent event : events) {
            Board board = boards.board(event.board());
            Key key = new Key(event.board(), board.periodOf(event.timestamp()), event.entity());
            State state = states.computeIfAbsent(key, k -> State.of(current.current(k.board, k.period, k.entity)));
            Operation op = event.op() != null ? event.op() : board.operator();
            state.apply(op, event.value(), event.timestamp(), board);
        }
        List<ScoreChange> changes = new ArrayList<>(states.size());
        for (Map.Entry<Key, State> e : states.entrySet()) {
            State s = e.getValue();
            if (s.differsFromStart()) {
                Key k = e.getKey();
                changes.add((s.present
                        ? ScoreChange.upsert(k.board, k.period, k.entity, s.score, s.reachedAt)
                        : ScoreChange.removal(k.board, k.period, k.entity)).withPrevious(s.start));
            }
        }
        return changes;
    }

    private record Key(String board, String period, String entity) {
        /** Mixed: entity ids like e000123 and board ids like board-1 differ in their last characters only. */
        @Override
        public int hashCode() {
            int h = entity.hashCode() * 0x9E3779B1 + board.hashCode();
            return h * 0x9E3779B1 + period.hashCode();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && entity.equals(k.entity) && board.equals(k.board) && period.equals(k.period);
        }
    }

    private static final class State {
        private final Current start;
        private boolean present;
        private double score;
        private long reachedAt;

        private State(Current start) {
            this.start = start;
            this.present = start != null;
            this.score = start != null ? start.score() : 0;
            this.reachedAt = start != null ? start.reachedAt() : 0;
        }

        static State of(Current start) {
            return new State(start);
        }

        void apply(Operation op, double value, long ts, Board board) {
            Decay decay = board.decay();
            switch (op) {
                case SET -> moveTo(decay == null ? value : decay.toLogSpace(value, ts), ts);
                case INCR -> {
                    if (decay == null) {
                        moveTo((present ? score : 0) + value, ts);
                    } else {
                        double added = decay.toLogSpace(value, ts);
                        moveTo(present ? Decay.logAddExp(score, added) : added, ts);
                    }
                }
                case BEST -> {
                    double candidate = decay == null ? value : decay.toLogSpace(value, ts);
                    if (!present || isBetter(candidate, score, board.order())) {
                        moveTo(candidate, ts);
                    }
                }
                case REMOVE -> {
                    present = false;
                    score = 0;
                    reachedAt = 0;
                }
            }
        }

        private void moveTo(double newScore, long ts) {
            double normalized = newScore == 0d ? 0d : newScore;
            if (!present || Double.compare(normalized, score) != 0) {
                score = normalized;
                reachedAt = ts;
            }
            present = true;
        }

        private static boolean isBetter(double candidate, double current, Order order) {
            return order == Order.DESC ? candidate > current : candidate < current;
        }

        boolean differsFromStart() {
            if (start == null) {
                return present;
            }
            return !present || Double.compare(score, start.score()) != 0 || reachedAt != start.reachedAt();
        }

    }
}
