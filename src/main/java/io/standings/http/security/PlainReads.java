package io.standings.http.security;

import io.standings.core.board.Board;
import io.standings.core.board.Ids;
import io.standings.state.BoardRegistry;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Which reads the hot paths on the Vert.x router (entry lookup, top-N, the two streams) may answer themselves:
 * reads are open (no key to check), the path has no percent-escape, and {@code :board} is a valid id of a
 * known board. Everything else goes on to the JAX-RS resources, which check keys and answer every error.
 */
@ApplicationScoped
public class PlainReads {

    private final BoardRegistry boards;
    private final ApiKeys keys;

    public PlainReads(BoardRegistry boards, ApiKeys keys) {
        this.boards = boards;
        this.keys = keys;
    }

    /** The request's board when a hot path may answer it, else null. */
    public Board board(RoutingContext ctx) {
        if (keys.readsRequireKey() || ctx.request().path().indexOf('%') >= 0) {
            return null;
        }
        String id = ctx.pathParam("board");
        return Ids.isValidBoard(id) ? boards.find(id).orElse(null) : null;
    }
}
