package io.standings.http.rest;

import io.standings.http.ApiDocs;
import io.standings.http.BoardLookup;
import io.standings.http.ListViews;
import io.standings.http.Params;
import io.standings.http.Problem;
import io.standings.http.ProblemException;
import io.standings.http.RankedEntry;

import io.smallrye.common.annotation.NonBlocking;
import io.standings.core.board.Board;
import io.standings.state.BoardRegistry;
import io.standings.core.board.BoardSpec;
import io.standings.lifecycle.LiveAdmin;
import io.standings.http.security.AdminOnly;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.core.Response;
import io.standings.core.index.Cursor;
import io.standings.core.index.Page;
import io.standings.core.index.RankIndex;
import io.standings.core.index.Ranked;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Boards and their rankings, answered from the in-memory index on the event loop. */
@Path("/api/v1/boards")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Boards", description = "Boards, top lists and rank windows")
@APIResponse(responseCode = "401", description = ApiDocs.UNAUTHORIZED,
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "403", description = ApiDocs.FORBIDDEN,
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class BoardResource {

    private final BoardRegistry registry;
    private final BoardLookup lookup;
    private final LiveAdmin admin;

    public BoardResource(BoardRegistry registry, BoardLookup lookup, LiveAdmin admin) {
        this.registry = registry;
        this.lookup = lookup;
        this.admin = admin;
    }

    @PUT
    @Path("{board}")
    @AdminOnly
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create or update a board (admin)",
            description = "Order, period, time zone and decay cannot change while the board has entries (409).")
    @APIResponse(responseCode = "200", description = "The board as stored",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BoardView.class)))
    @APIResponse(responseCode = "400", description = "An invalid definition",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The change would reinterpret existing entries",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<BoardView> put(@Parameter(description = ApiDocs.BOARD) @PathParam("board") String id, BoardSpec spec) {
        Board board;
        try {
            board = (spec == null ? new BoardSpec(null, null, null, null, null, null) : spec).toBoard(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        return admin.putBoard(board)
                .onFailure(LiveAdmin.ConflictException.class)
                .transform(e -> new ProblemException(409, "Conflict", e.getMessage()))
                .map(b -> BoardView.of(b, size(b), lookup.asOf()));
    }

    @DELETE
    @Path("{board}")
    @AdminOnly
    @Operation(summary = "Delete a board and all its data (admin)")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "No such board",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> delete(@Parameter(description = ApiDocs.BOARD) @PathParam("board") String id) {
        BoardLookup.boardId(id);
        return admin.deleteBoard(id).map(deleted -> {
            if (!deleted) {
                throw ProblemException.notFound("Board '" + id + "' does not exist");
            }
            return Response.noContent().build();
        });
    }

    @GET
    @NonBlocking
    @Operation(summary = "Every board with its configuration and entry count")
    @APIResponse(responseCode = "200", description = "The boards, sorted by id",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BoardView.All.class)))
    public BoardView.All boards() {
        long asOf = lookup.asOf();
        List<BoardView> views = registry.all().stream()
                .sorted(Comparator.comparing(Board::id))
                .map(b -> BoardView.of(b, size(b), asOf))
                .toList();
        return new BoardView.All(views, asOf);
    }

    @GET
    @Path("{board}")
    @NonBlocking
    @Operation(summary = "One board: configuration and entry count")
    @APIResponse(responseCode = "200", description = "The board",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BoardView.class)))
    @APIResponse(responseCode = "400", description = ApiDocs.BAD_REQUEST,
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "Unknown board (problem+json)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public BoardView board(@Parameter(description = ApiDocs.BOARD) @PathParam("board") String boardId) {
        Board board = lookup.board(boardId);
        long asOf = lookup.asOf();
        return BoardView.of(board, size(board), asOf);
    }

    @GET
    @Path("{board}/top")
    @NonBlocking
    @Operation(summary = "The first entries of a board")
    @APIResponse(responseCode = "200", description = "Up to `limit` entries in rank order",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ListViews.Top.class)))
    @APIResponse(responseCode = "400", description = ApiDocs.BAD_REQUEST,
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "Unknown board (problem+json)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public ListViews.Top top(
            @Parameter(description = ApiDocs.BOARD) @PathParam("board") String boardId,
            @Parameter(description = "Number of entries, 1-1000", schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "1000", defaultValue = "10")) @QueryParam("limit") String limitParam) {
        Board board = lookup.board(boardId);
        int limit = Params.intIn("limit", limitParam, 1, Params.MAX_LIMIT, Params.DEFAULT_LIMIT);
        long asOf = lookup.asOf();
        return ListViews.Top.of(board, limit, lookup.index(board).orElse(null), asOf);
    }

    @GET
    @Path("{board}/ranks")
    @NonBlocking
    @Operation(summary = "A rank window (`from`) or a keyset page (`after`)",
            description = "With `from`, the entries at ordinal ranks from..from+limit-1. With `after` (a cursor from a "
                    + "previous page's `next`), the entries strictly after that page; an empty `after` starts at the "
                    + "top. Neither: from the top. Both: 400. `next` is null when nothing follows.")
    @APIResponse(responseCode = "200", description = "The window or page",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ListViews.Ranks.class)))
    @APIResponse(responseCode = "400", description = ApiDocs.BAD_REQUEST + "; also a malformed cursor",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "Unknown board (problem+json)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public ListViews.Ranks ranks(
            @Parameter(description = ApiDocs.BOARD) @PathParam("board") String boardId,
            @Parameter(description = "First ordinal rank of the window, >= 1", schema = @Schema(type = SchemaType.INTEGER,
                    minimum = "1")) @QueryParam("from") String fromParam,
            @Parameter(description = "Opaque cursor: the `next` of the previous page") @QueryParam("after") String after,
            @Parameter(description = "Page size, 1-1000", schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "1000", defaultValue = "100")) @QueryParam("limit") String limitParam) {
        Board board = lookup.board(boardId);
        int limit = Params.intIn("limit", limitParam, 1, Params.MAX_LIMIT, 100);
        if (fromParam != null && after != null) {
            throw ProblemException.badRequest("give either from or after, not both");
        }
        long from = fromParam == null ? 1 : Params.longIn("from", fromParam, 1, Long.MAX_VALUE);
        long asOf = lookup.asOf();
        Optional<RankIndex> found = lookup.index(board);
        if (found.isEmpty()) {
            return new ListViews.Ranks(board.id(), limit, 0, List.of(), null, asOf);
        }
        RankIndex index = found.get();
        Page page;
        if (after != null) {
            try {
                page = index.page(after, limit);
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest("after: not a cursor of this board (" + e.getMessage() + ")");
            }
        } else {
            page = windowPage(index, from, limit);
        }
        return new ListViews.Ranks(board.id(), limit, index.size(), ListViews.entries(board, page.entries()), page.nextCursor(), asOf);
    }

    /** A rank window, with the cursor that continues after it (computed from one extra entry). */
    private static Page windowPage(RankIndex index, long from, int limit) {
        List<Ranked> window = index.window(from, limit + 1);
        if (window.size() <= limit) {
            return new Page(window, null);
        }
        List<Ranked> shown = window.subList(0, limit);
        return new Page(shown, Cursor.after(index.order(), shown.get(limit - 1)).encode());
    }

    private long size(Board board) {
        return lookup.index(board).map(RankIndex::size).orElse(0L);
    }

}
