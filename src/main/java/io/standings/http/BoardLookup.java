package io.standings.http;

import io.standings.core.board.Board;
import io.standings.state.BoardRegistry;
import io.standings.core.board.Ids;
import io.standings.core.index.RankIndex;
import java.util.Optional;
import io.standings.state.LiveBoards;
import jakarta.enterprise.context.ApplicationScoped;

/** Resolves the board and entity ids of a request to what the resources read, or a 400/404 problem. */
@ApplicationScoped
public class BoardLookup {

    private final BoardRegistry boards;
    private final LiveBoards live;

    public BoardLookup(BoardRegistry boards, LiveBoards live) {
        this.boards = boards;
        this.live = live;
    }

    /** The board, or 400 for a malformed id, 404 for an unknown one. */
    public Board board(String boardId) {
        boardId(boardId);
        return boards.find(boardId)
                .orElseThrow(() -> ProblemException.notFound("Board '" + boardId + "' does not exist"));
    }

    /** The board's index; empty while the board has never had an entry. */
    public Optional<RankIndex> index(Board board) {
        return live.currentIndex(board);
    }

    /** The read token, read before the index so that the answer reflects at least this much. */
    public long asOf() {
        return live.asOf();
    }

    /** The board id, or 400 when it is malformed. */
    public static String boardId(String boardId) {
        if (!Ids.isValidBoard(boardId)) {
            throw ProblemException.badRequest(Ids.describeBoardRule());
        }
        return boardId;
    }

    /** The entity id, or 400 when it is malformed. */
    public static String entity(String entity) {
        if (!Ids.isValidEntity(entity)) {
            throw ProblemException.badRequest(Ids.describeEntityRule());
        }
        return entity;
    }
}
