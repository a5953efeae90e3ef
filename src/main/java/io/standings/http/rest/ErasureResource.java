package io.standings.http.rest;

import io.standings.http.BoardLookup;
import io.standings.http.Problem;
import io.standings.http.ProblemException;

import io.smallrye.mutiny.Uni;
import io.standings.lifecycle.EntityErasure;
import io.standings.http.security.AdminOnly;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Erasure of an entity from every board (privacy; admin). */
@Path("/api/v1/entities/{entity}")
@AdminOnly
@Produces(MediaType.APPLICATION_JSON)
public class ErasureResource {

    private final EntityErasure erasure;

    public ErasureResource(EntityErasure erasure) {
        this.erasure = erasure;
    }

    @DELETE
    @Operation(summary = "Erase an entity from every board (admin)",
            description = "Removes it from memory, Redis and every PostgreSQL row: the checkpoint, quarantine marks and "
                    + "every ranking generation, closed and released periods included (the other entries keep their ranks). "
                    + "A Redis-loss replay does not bring it back; events produced after the erasure add it again. "
                    + "503 when PostgreSQL is away: call it again, it is idempotent.")
    @APIResponse(responseCode = "200", description = "Erased (changed=false if it was on no board)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EntityState.class)))
    @APIResponse(responseCode = "503", description = "PostgreSQL or Redis away: not complete, call it again",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "400", description = "A malformed id",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<EntityState> erase(@PathParam("entity") String entity) {
        BoardLookup.entity(entity);
        return erasure.erase(entity).map(o -> new EntityState(entity, null, false, o.changed(), o.periods()))
                .onFailure(e -> !(e instanceof ProblemException)).transform(e -> ProblemException.unavailable(
                        "the erasure did not complete (" + e.getMessage() + "); call it again: it is idempotent", 5));
    }

}
