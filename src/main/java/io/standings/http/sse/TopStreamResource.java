package io.standings.http.sse;

import io.smallrye.common.annotation.NonBlocking;
import io.standings.http.ApiDocs;
import io.standings.http.BoardLookup;
import io.standings.http.ListViews;
import io.standings.http.Params;
import io.standings.http.Problem;
import io.standings.core.board.Board;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** {@code GET /api/v1/boards/{board}/top/stream}: the live top-N of a board over SSE. */
@Path("/api/v1/boards/{board}/top/stream")
@Tag(name = "Streams", description = "Live updates over Server-Sent Events")
public class TopStreamResource {

    private final BoardLookup lookup;
    private final SubscriptionRegistry subscriptions;

    public TopStreamResource(BoardLookup lookup, SubscriptionRegistry subscriptions) {
        this.lookup = lookup;
        this.subscriptions = subscriptions;
    }

    @GET
    @NonBlocking
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.TEXT_PLAIN)
    @Operation(summary = "Live top-N: event `top` with the full list at once, then whenever it changes",
            description = "Each `data:` is the JSON of GET /boards/{board}/top. `id:` grows by one per event. Changes "
                    + "are coalesced to at most one event per 50 ms; a slow client skips intermediate lists but always "
                    + "gets the latest. A `:heartbeat` comment is sent after 15 s of silence.")
    @APIResponse(responseCode = "200", description = "An event stream of `top` events",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(implementation = ListViews.Top.class)))
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
    public void top(@Parameter(description = ApiDocs.BOARD) @PathParam("board") String boardId,
            @Parameter(description = "List length, 1-1000", schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "1000", defaultValue = "10")) @QueryParam("limit") String limitParam,
            @Context SseEventSink sink, @Context Sse sse, @Context HttpServerRequest request) {
        Board board = lookup.board(boardId);
        int limit = Params.intIn("limit", limitParam, 1, Params.MAX_LIMIT, Params.DEFAULT_LIMIT);
        subscriptions.open(board, Subscription.Topic.top(board.id(), limit), SubscriptionRegistry.clientOf(request),
                new JaxrsEventSink(sink, sse, request));
    }
}
