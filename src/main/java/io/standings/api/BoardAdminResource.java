package io.standings.api;

import io.smallrye.mutiny.Uni;
import io.standings.board.Board;
import io.standings.board.BoardRegistry;
import io.standings.board.BoardSpec;
import io.standings.board.Ids;
import io.standings.live.LiveBoards;
import io.standings.live.RedisScoreStore;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Creates, updates and deletes boards (admin). */
@Path("/api/v1/boards/{board}")
@Produces(MediaType.APPLICATION_JSON)
public class BoardAdminResource {

    private final BoardRegistry boards;
    private final LiveBoards live;
    private final RedisScoreStore redis;

    public BoardAdminResource(BoardRegistry boards, LiveBoards live, RedisScoreStore redis) {
        this.boards = boards;
        this.live = live;
        this.redis = redis;
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create or update a board (admin)",
            description = "Order, period, time zone and decay cannot change while the board has entries (409).")
    @APIResponse(responseCode = "200", description = "The board as stored",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BoardView.class)))
    @APIResponse(responseCode = "400", description = "An invalid definition",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The change would reinterpret existing entries",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<BoardView> put(@PathParam("board") String id, BoardSpec spec) {
        Board board;
        try {
            board = (spec == null ? new BoardSpec(null, null, null, null, null, null) : spec).toBoard(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        boards.find(id).ifPresent(existing -> {
            if (existing.changesDataMeaning(board) && live.hasEntries(id)) {
                throw new ProblemException(409, "Conflict", "Board '" + id
                        + "' has entries: its order, period, time zone and decay cannot change; delete it first");
            }
        });
        return boards.put(board).map(b -> BoardView.of(b, live.size(b)));
    }

    @DELETE
    @Operation(summary = "Delete a board and all its data (admin)")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "No such board",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> delete(@PathParam("board") String id) {
        if (!Ids.isValidBoard(id)) {
            throw ProblemException.badRequest(Ids.describeBoardRule());
        }
        if (boards.find(id).isEmpty()) {
            throw ProblemException.notFound("Board '" + id + "' does not exist");
        }
        return boards.delete(id)
                .chain(() -> redis.deleteBoard(id))
                .invoke(() -> live.removeBoard(id))
                .replaceWith(Response.noContent().build());
    }
}
