package io.standings.core.board;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.core.index.Order;
import io.standings.core.index.Ranked;
import org.junit.jupiter.api.Test;

class BoardTest {

    // Fourth entry of "50, 40, 40, 30": ordinal 4, competition 4, dense 3; third: 3, 2, 2.
    private final Ranked third = new Ranked("c", 40, 3, 3, 2, 2);
    private final Ranked fourth = new Ranked("d", 30, 4, 4, 4, 3);

    @Test
    void theReportedRankFollowsTheTiePolicy() {
        assertThat(board(Board.TiePolicy.ORDINAL).rankOf(third)).isEqualTo(3);
        assertThat(board(Board.TiePolicy.COMPETITION).rankOf(third)).isEqualTo(2);
        assertThat(board(Board.TiePolicy.DENSE).rankOf(third)).isEqualTo(2);
        assertThat(board(Board.TiePolicy.ORDINAL).rankOf(fourth)).isEqualTo(4);
        assertThat(board(Board.TiePolicy.COMPETITION).rankOf(fourth)).isEqualTo(4);
        assertThat(board(Board.TiePolicy.DENSE).rankOf(fourth)).isEqualTo(3);
    }

    private static Board board(Board.TiePolicy ties) {
        return Board.simple("b", Order.DESC, ties, Operation.SET);
    }
}
