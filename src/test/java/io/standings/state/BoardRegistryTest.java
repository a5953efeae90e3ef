package io.standings.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.core.board.Board;
import io.standings.core.board.BoardSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The registry is a cache of the board table that a periodic refresh replaces; a refresh whose read began before
 * a local change (a board put by the admin API or found by a look-up, a board deleted) must not undo it.
 */
class BoardRegistryTest {

    private final BoardRegistry registry = new BoardRegistry(false, "desc", "ordinal", "set", 100);

    private static Board board(String id, String operator) {
        return new BoardSpec("desc", "ordinal", operator, null, null, null).toBoard(id);
    }

    @Test
    void aRefreshTakesTheStoredBoardsAndDropsTheOnesGoneFromTheTable() {
        registry.replaceAll(List.of(board("a", "set"), board("b", "set")), registry.beginRead());
        long since = registry.beginRead();
        registry.replaceAll(List.of(board("a", "incr")), since);
        assertThat(registry.find("a")).map(Board::operator).hasValueSatisfying(op -> assertThat(op.name()).isEqualTo("INCR"));
        assertThat(registry.find("b")).isEmpty();
    }

    @Test
    void aBoardPutAfterTheRefreshBeganReadingSurvivesIt() {
        long since = registry.beginRead();      // the refresh reads the table: no board "late" yet
        registry.put(board("late", "incr"));    // found by a look-up (or created) meanwhile
        registry.replaceAll(List.of(board("other", "set")), since);
        assertThat(registry.find("late")).isPresent();
        assertThat(registry.find("other")).isPresent();
        // The next refresh, read after the put, decides from the table alone.
        registry.replaceAll(List.of(board("other", "set")), registry.beginRead());
        assertThat(registry.find("late")).isEmpty();
    }

    @Test
    void aBoardRemovedAfterTheRefreshBeganReadingIsNotBroughtBack() {
        registry.put(board("gone", "set"));
        long since = registry.beginRead();      // the refresh reads the table while "gone" is still in it
        registry.remove("gone");                // deleted meanwhile
        registry.replaceAll(List.of(board("gone", "set")), since);
        assertThat(registry.find("gone")).isEmpty();
    }

    @Test
    void aBoardReplacedAfterTheRefreshBeganReadingKeepsItsNewDefinition() {
        registry.put(board("x", "set"));
        long since = registry.beginRead();
        registry.put(board("x", "incr"));
        registry.replaceAll(List.of(board("x", "set")), since);
        assertThat(registry.find("x").orElseThrow().operator().name()).isEqualTo("INCR");
    }
}
