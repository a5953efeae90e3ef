package io.standings.ingest;

import io.standings.state.EntityScore;
import io.standings.state.ScoreChange;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.core.board.Board;
import io.standings.core.board.Operation;
import io.standings.core.index.Order;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The fold of a batch must leave every entity exactly as applying the batch's events one by one
 * would, and must report a change only where the state really changed.
 */
class BatchFolderTest {

    private static final Map<String, Board> BOARDS = Map.of(
            "hi", Board.simple("hi", Order.DESC, Board.TiePolicy.ORDINAL, Operation.INCR),
            "lo", Board.simple("lo", Order.ASC, Board.TiePolicy.DENSE, Operation.BEST));

    record Key(String board, String entity) {
    }

    record State(double score, long reachedAt) {
    }

    @Property(tries = 500)
    void foldingABatchEqualsApplyingEachEventInTurn(
            @ForAll("initialStates") Map<Key, State> initial,
            @ForAll @Size(max = 60) List<@net.jqwik.api.From("events") ScoreEvent> events) {
        Map<Key, State> expected = new HashMap<>(initial);
        for (ScoreEvent event : events) {
            applyOne(expected, event);
        }

        List<ScoreChange> changes = BatchFolder.fold(events, BOARDS::get, (b, p, e) -> {
            State s = initial.get(new Key(b, e));
            return s == null ? null : new EntityScore(s.score(), s.reachedAt());
        });

        Map<Key, State> actual = new HashMap<>(initial);
        List<Key> seen = new ArrayList<>();
        for (ScoreChange change : changes) {
            Key key = new Key(change.board(), change.entity());
            assertThat(seen).as("one change per entity").doesNotContain(key);
            seen.add(key);
            if (change.removed()) {
                assertThat(actual).as("a removal is reported only for a present entity").containsKey(key);
                actual.remove(key);
            } else {
                assertThat(actual.get(key)).as("an upsert changes something")
                        .isNotEqualTo(new State(change.score(), change.reachedAt()));
                actual.put(key, new State(change.score(), change.reachedAt()));
            }
        }
        assertThat(actual).isEqualTo(expected);
    }

    /** The reference semantics, written out plainly, one event at a time. */
    private static void applyOne(Map<Key, State> state, ScoreEvent event) {
        Board board = BOARDS.get(event.board());
        Key key = new Key(event.board(), event.entity());
        State current = state.get(key);
        Operation op = event.op() == null ? board.operator() : event.op();
        Double next = switch (op) {
            case SET -> event.value();
            case INCR -> (current == null ? 0 : current.score()) + event.value();
            case BEST -> current == null
                    || (board.order() == Order.DESC ? event.value() > current.score() : event.value() < current.score())
                            ? event.value() : current.score();
            case REMOVE -> null;
        };
        if (next == null) {
            state.remove(key);
        } else if (current == null || current.score() != next) {
            state.put(key, new State(next == 0 ? 0.0 : next, event.timestamp()));
        }
    }

    @Provide
    Arbitrary<Map<Key, State>> initialStates() {
        return Arbitraries.maps(keys(), Combinators.combine(values(), Arbitraries.longs().between(0, 50)).as(State::new))
                .ofMaxSize(6);
    }

    @Provide
    Arbitrary<ScoreEvent> events() {
        Arbitrary<Operation> ops = Arbitraries.of(Operation.SET, Operation.INCR, Operation.BEST, Operation.REMOVE)
                .injectNull(0.2);
        return Combinators.combine(keys(), ops, values(), Arbitraries.longs().between(100, 200))
                .as((key, op, value, ts) -> new ScoreEvent(null, key.board(), key.entity(), op,
                        op == Operation.REMOVE ? 0 : value, ts));
    }

    private static Arbitrary<Key> keys() {
        return Combinators.combine(Arbitraries.of("hi", "lo"), Arbitraries.of("a", "b", "c", "d")).as(Key::new);
    }

    private static Arbitrary<Double> values() {
        return Arbitraries.of(-2.0, 0.0, 1.0, 1.5, 3.0, 10.0);
    }

    @Test
    void anEventThatKeepsTheScoreKeepsTheTieBreak() {
        List<ScoreEvent> events = List.of(
                new ScoreEvent(null, "hi", "a", Operation.SET, 5, 100),
                new ScoreEvent(null, "hi", "a", Operation.INCR, 0, 200),
                new ScoreEvent(null, "hi", "a", Operation.BEST, 4, 300));
        assertThat(BatchFolder.fold(events, BOARDS::get, (b, p, e) -> null))
                .containsExactly(ScoreChange.upsert("hi", "all", "a", 5, 100));
    }

    @Test
    void incrStartsAnAbsentEntityAtZero() {
        List<ScoreEvent> events = List.of(new ScoreEvent(null, "hi", "a", null, 7, 100),
                new ScoreEvent(null, "hi", "a", null, -2, 101));
        assertThat(BatchFolder.fold(events, BOARDS::get, (b, p, e) -> null))
                .containsExactly(ScoreChange.upsert("hi", "all", "a", 5, 101));
    }

    @Test
    void addedThenRemovedInOneBatchIsNoChange() {
        List<ScoreEvent> events = List.of(new ScoreEvent(null, "hi", "a", Operation.SET, 7, 100),
                new ScoreEvent(null, "hi", "a", Operation.REMOVE, 0, 101));
        assertThat(BatchFolder.fold(events, BOARDS::get, (b, p, e) -> null)).isEmpty();
    }
}
