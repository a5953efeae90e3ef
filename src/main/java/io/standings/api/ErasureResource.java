package io.standings.api;

import io.smallrye.mutiny.Uni;
import io.standings.live.LiveAdmin;
import io.standings.security.AdminOnly;
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

    private final LiveAdmin admin;

    public ErasureResource(LiveAdmin admin) {
        this.admin = admin;
    }

    @DELETE
    @Operation(summary = "Erase an entity from every board (admin)",
            description = "Removes it from memory and Redis at once; PostgreSQL follows at the next reconciliation. "
                    + "Later events for the entity add it again.")
    @APIResponse(responseCode = "200", description = "Erased (changed=false if it was on no board)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EntityState.class)))
    @APIResponse(responseCode = "400", description = "A malformed id",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<EntityState> erase(@PathParam("entity") String entity) {
        BoardLookup.entity(entity);
        return admin.erase(entity).map(o -> new EntityState(entity, null, false, o.changed(), o.periods()));
    }

}
