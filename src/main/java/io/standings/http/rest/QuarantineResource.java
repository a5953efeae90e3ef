package io.standings.http.rest;

import io.standings.http.BoardLookup;
import io.standings.http.Problem;
import io.standings.http.ProblemException;

import io.smallrye.mutiny.Uni;
import io.standings.core.board.Board;
import io.standings.lifecycle.LiveAdmin;
import io.standings.http.security.AdminOnly;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Quarantine (anti-cheat review) of an entity on a board (admin). Its own class path: JAX-RS picks the
 * resource class by its path first, and {@code /api/v1/boards/{board}/entries} would otherwise win.
 */
@Path("/api/v1/boards/{board}/entries/{entity}/quarantine")
@AdminOnly
@Produces(MediaType.APPLICATION_JSON)
public class QuarantineResource {

    private final BoardLookup lookup;
    private final LiveAdmin admin;

    public QuarantineResource(BoardLookup lookup, LiveAdmin admin) {
        this.lookup = lookup;
        this.admin = admin;
    }

    @POST
    @Operation(summary = "Quarantine an entity (admin)",
            description = "The entity keeps its score, and events keep changing it, but it disappears from ranks, "
                    + "top lists and counts of every period of the board until restored. Idempotent.")
    @APIResponse(responseCode = "200", description = "Quarantined",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EntityState.class)))
    @APIResponse(responseCode = "400", description = "A malformed id",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "Unknown board",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<EntityState> quarantine(@PathParam("board") String boardId, @PathParam("entity") String entity) {
        Board board = lookup.board(boardId);
        BoardLookup.entity(entity);
        return admin.quarantine(board, entity).map(o -> new EntityState(entity, boardId, true, o.changed(), o.periods()))
                .onFailure(e -> !(e instanceof ProblemException)).transform(QuarantineResource::unavailable);
    }

    @DELETE
    @Operation(summary = "Restore a quarantined entity (admin)", description = "Idempotent.")
    @APIResponse(responseCode = "200", description = "Restored",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EntityState.class)))
    @APIResponse(responseCode = "404", description = "Unknown board",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<EntityState> restore(@PathParam("board") String boardId, @PathParam("entity") String entity) {
        Board board = lookup.board(boardId);
        BoardLookup.entity(entity);
        return admin.restore(board, entity).map(o -> new EntityState(entity, boardId, false, o.changed(), o.periods()))
                .onFailure(e -> !(e instanceof ProblemException)).transform(QuarantineResource::unavailable);
    }

    /** PostgreSQL or Redis away: nothing changed that a retry would not complete. */
    private static ProblemException unavailable(Throwable e) {
        return ProblemException.unavailable("the change did not complete (" + e.getMessage() + "); call it again: it is idempotent", 5);
    }
}
