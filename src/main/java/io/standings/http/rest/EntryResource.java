package io.standings.http.rest;

import io.standings.http.ApiDocs;
import io.standings.http.BoardLookup;
import io.standings.http.EntryView;
import io.standings.http.ListViews;
import io.standings.http.Params;
import io.standings.http.Problem;
import io.standings.http.ProblemException;
import io.standings.http.RankedEntry;

import io.smallrye.common.annotation.NonBlocking;
import io.standings.core.board.Board;
import io.standings.core.index.RankIndex;
import io.standings.core.index.Ranked;
import io.standings.state.LiveBoards;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Rank lookups, answered from the in-memory index on the event loop (a lookup is a few microseconds). */
@Path("/api/v1/boards/{board}/entries")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Entries", description = "An entity's rank, batch lookups and neighbours")
@APIResponse(responseCode = "400", description = ApiDocs.BAD_REQUEST,
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "401", description = ApiDocs.UNAUTHORIZED,
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "403", description = ApiDocs.FORBIDDEN,
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class EntryResource {

    private final BoardLookup lookup;
    private final LiveBoards live;

    public EntryResource(BoardLookup lookup, LiveBoards live) {
        this.lookup = lookup;
        this.live = live;
    }

    @GET
    @Path("{entity}")
    @NonBlocking
    @Operation(summary = "An entity's score and rank on a board")
    @APIResponse(responseCode = "200", description = "The entry",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EntryView.class)))
    @APIResponse(responseCode = "404", description = ApiDocs.NOT_FOUND,
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public EntryView entry(@Parameter(description = ApiDocs.BOARD) @PathParam("board") String boardId,
            @Parameter(description = ApiDocs.ENTITY) @PathParam("entity") String entity) {
        Board board = lookup.board(boardId);
        BoardLookup.entity(entity);
        return EntryView.lookup(live, board, entity)
                .orElseThrow(() -> ProblemException.notFound("Entity '" + entity + "' is not on board '" + boardId + "'"));
    }

    @GET
    @NonBlocking
    @Operation(summary = "Batch lookup: the entries of up to 1000 entities; absent ones are omitted",
            description = "Entries come in the order the ids were given, each id once. Ids containing a comma "
                    + "cannot be looked up here; use the single lookup.")
    @APIResponse(responseCode = "200", description = "The entries found",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ListViews.Batch.class)))
    @APIResponse(responseCode = "404", description = "Unknown board (problem+json)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public ListViews.Batch batch(@Parameter(description = ApiDocs.BOARD) @PathParam("board") String boardId,
            @Parameter(description = "Comma-separated entity ids (1-1000); the parameter may repeat",
                    required = true) @QueryParam("ids") List<String> idsParam) {
        Board board = lookup.board(boardId);
        List<String> ids = Params.ids(idsParam);
        long asOf = lookup.asOf();
        List<RankedEntry> found = new ArrayList<>();
        lookup.index(board).ifPresent(index -> {
            for (String id : ids) {
                index.ranked(id).ifPresent(r -> found.add(RankedEntry.of(board, r)));
            }
        });
        return new ListViews.Batch(board.id(), found, asOf);
    }

    @GET
    @Path("{entity}/around")
    @NonBlocking
    @Operation(summary = "The entity with up to `radius` entries above and below it")
    @APIResponse(responseCode = "200", description = "The neighbourhood, in rank order",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ListViews.Around.class)))
    @APIResponse(responseCode = "404", description = ApiDocs.NOT_FOUND,
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public ListViews.Around around(@Parameter(description = ApiDocs.BOARD) @PathParam("board") String boardId,
            @Parameter(description = ApiDocs.ENTITY) @PathParam("entity") String entity,
            @Parameter(description = "Entries above and below, 0-100", schema = @Schema(type = SchemaType.INTEGER,
                    minimum = "0", maximum = "100", defaultValue = "5")) @QueryParam("radius") String radiusParam) {
        Board board = lookup.board(boardId);
        BoardLookup.entity(entity);
        int radius = Params.intIn("radius", radiusParam, 0, Params.MAX_RADIUS, 5);
        long asOf = lookup.asOf();
        Optional<RankIndex> index = lookup.index(board);
        List<Ranked> around = index.map(i -> i.around(entity, radius)).orElse(List.of());
        if (around.isEmpty()) {
            throw ProblemException.notFound("Entity '" + entity + "' is not on board '" + boardId + "'");
        }
        return new ListViews.Around(board.id(), entity, radius, index.get().size(), ListViews.entries(board, around),
                asOf);
    }
}
