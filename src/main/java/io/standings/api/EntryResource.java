package io.standings.api;

import io.smallrye.common.annotation.NonBlocking;
import io.standings.board.Board;
import io.standings.board.BoardRegistry;
import io.standings.board.Ids;
import io.standings.live.LiveBoards;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Rank lookups, answered from the in-memory index on the event loop (a lookup is a few microseconds). */
@Path("/api/v1/boards/{board}/entries")
@Produces(MediaType.APPLICATION_JSON)
public class EntryResource {

    private final BoardRegistry boards;
    private final LiveBoards live;

    public EntryResource(BoardRegistry boards, LiveBoards live) {
        this.boards = boards;
        this.live = live;
    }

    @GET
    @Path("{entity}")
    @NonBlocking
    @Operation(summary = "An entity's score and rank on a board")
    @APIResponse(responseCode = "200", description = "The entry",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EntryView.class)))
    @APIResponse(responseCode = "400", description = "A malformed board or entity id",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "Unknown board, or the entity is not on it",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public EntryView entry(@PathParam("board") String boardId, @PathParam("entity") String entity) {
        Board board = requireBoard(boardId);
        if (!Ids.isValidEntity(entity)) {
            throw ProblemException.badRequest(Ids.describeEntityRule());
        }
        return live.entry(board, entity)
                .orElseThrow(() -> ProblemException.notFound("Entity '" + entity + "' is not on board '" + boardId + "'"));
    }

    private Board requireBoard(String boardId) {
        if (!Ids.isValidBoard(boardId)) {
            throw ProblemException.badRequest(Ids.describeBoardRule());
        }
        return boards.find(boardId)
                .orElseThrow(() -> ProblemException.notFound("Board '" + boardId + "' does not exist"));
    }
}
