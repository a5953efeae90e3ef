package io.standings.core.board;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.standings.core.index.Order;
import java.time.Duration;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class BoardSpecTest {

    @Test
    void absentFieldsTakeTheDefaults() {
        Board b = new BoardSpec(null, null, null, null, null, null).toBoard("arena");
        assertThat(b).isEqualTo(new Board("arena", Order.DESC, Board.TiePolicy.ORDINAL, Operation.SET, Period.NONE,
                ZoneId.of("UTC"), null));
    }

    @Test
    void aFullDefinitionRoundTrips() {
        BoardSpec spec = new BoardSpec("desc", "dense", "incr", "weekly", "Europe/Paris", "PT6H");
        Board b = spec.toBoard("trending");
        assertThat(b.decay().halfLife()).isEqualTo(Duration.ofHours(6));
        assertThat(BoardSpec.of(b)).isEqualTo(spec);
    }

    @Test
    void rejectsWhatCannotBeMeant() {
        assertThatThrownBy(() -> new BoardSpec("up", null, null, null, null, null).toBoard("a")).hasMessageContaining("order");
        assertThatThrownBy(() -> new BoardSpec(null, "fair", null, null, null, null).toBoard("a")).hasMessageContaining("ties");
        assertThatThrownBy(() -> new BoardSpec(null, null, "remove", null, null, null).toBoard("a")).hasMessageContaining("operator");
        assertThatThrownBy(() -> new BoardSpec(null, null, null, "hourly", null, null).toBoard("a")).hasMessageContaining("period");
        assertThatThrownBy(() -> new BoardSpec(null, null, null, null, "Mars/Olympus", null).toBoard("a")).hasMessageContaining("timeZone");
        assertThatThrownBy(() -> new BoardSpec(null, null, null, null, null, "6 hours").toBoard("a")).hasMessageContaining("decayHalfLife");
        assertThatThrownBy(() -> new BoardSpec("asc", null, null, null, null, "PT1H").toBoard("a")).hasMessageContaining("desc");
        assertThatThrownBy(() -> new BoardSpec(null, null, null, null, null, null).toBoard("Bad Id")).hasMessageContaining("board id");
    }

    @Test
    void aSeedNamesEverySettingInOneLineAndDefaultsTheRest() {
        assertThat(BoardSpec.parseSeed("laps:asc:competition:best:weekly:Europe/Paris"))
                .isEqualTo(new Board("laps", Order.ASC, Board.TiePolicy.COMPETITION, Operation.BEST, Period.WEEKLY,
                        ZoneId.of("Europe/Paris"), null));
        assertThat(BoardSpec.parseSeed("arena").operator()).isEqualTo(Operation.SET);
    }
}
