package io.standings.http.sse;

import io.smallrye.common.annotation.NonBlocking;
import io.standings.http.ApiDocs;
import io.standings.http.BoardLookup;
import io.standings.http.Problem;
import io.standings.core.board.Board;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** {@code GET /api/v1/boards/{board}/entries/{entity}/stream}: one entity's live score and rank over SSE. */
@Path("/api/v1/boards/{board}/entries/{entity}/stream")
@Tag(name = "Streams", description = "Live updates over Server-Sent Events")
public class EntryStreamResource {

    private final BoardLookup lookup;
    private final SubscriptionRegistry subscriptions;

    public EntryStreamResource(BoardLookup lookup, SubscriptionRegistry subscriptions) {
        this.lookup = lookup;
        this.subscriptions = subscriptions;
    }

    @GET
    @NonBlocking
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.TEXT_PLAIN)
    @Operation(summary = "Live entry: event `entry` with the entity's score and rank at once, then on every change",
            description = "A change is a new score, rank or ordinal rank, including being overtaken. When the entity is "
                    + "not on the board the event says `present: false`. Same coalescing, ids and heartbeat as the top stream.")
    @APIResponse(responseCode = "200", description = "An event stream of `entry` events",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = StreamStates.EntryEvent.class)))
    @APIResponse(responseCode = "400", description = ApiDocs.BAD_REQUEST,
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", description = ApiDocs.UNAUTHORIZED,
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "403", description = ApiDocs.FORBIDDEN,
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "Unknown board (problem+json)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "Too many subscriptions from this client; see Retry-After (problem+json)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "Too many subscriptions on this instance; see Retry-After (problem+json)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public void entry(@Parameter(description = ApiDocs.BOARD) @PathParam("board") String boardId,
            @Parameter(description = ApiDocs.ENTITY) @PathParam("entity") String entity,
            @Context SseEventSink sink, @Context Sse sse, @Context HttpServerRequest request) {
        Board board = lookup.board(boardId);
        BoardLookup.entity(entity);
        subscriptions.open(board, Subscription.Topic.entry(board.id(), entity), SubscriptionRegistry.clientOf(request),
                new JaxrsEventSink(sink, sse, request));
    }
}
