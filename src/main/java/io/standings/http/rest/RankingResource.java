package io.standings.http.rest;

import io.standings.http.BoardLookup;
import io.standings.http.ProblemException;

import io.smallrye.mutiny.Uni;
import io.standings.core.board.Board;
import io.standings.store.postgres.RankedRow;
import io.standings.store.postgres.RankingQueries;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The authoritative rankings in PostgreSQL: keyset pages of a board period's current ranking
 * generation, and the frozen rankings of closed periods. Every page is one statement, so it never mixes
 * generations; a cursor names its generation, which stays readable until the one after the next switch.
 */
@Path("/api/v1/boards/{board}")
@Produces(MediaType.APPLICATION_JSON)
public class RankingResource {

    private final BoardLookup lookup;
    private final RankingQueries checkpoints;

    public RankingResource(BoardLookup lookup, RankingQueries checkpoints) {
        this.lookup = lookup;
        this.checkpoints = checkpoints;
    }

    public record DbEntry(String entity, double score, long rank, long ordinalRank, long competitionRank, long denseRank,
            long reachedAt) {
    }

    public record RankingView(String board, String period, String source, long generation, long currentGeneration,
            OffsetDateTime reconciledAt, List<DbEntry> entries, String next) {
    }

    public record PeriodView(String period, long generation, long entries, OffsetDateTime closedAt,
            boolean released) {
    }

    public record PeriodsView(String board, List<PeriodView> periods) {
    }

    public record FrozenTopView(String board, String period, List<DbEntry> entries) {
    }

    @GET
    @Path("ranking")
    @Operation(summary = "The authoritative ranking from PostgreSQL (source=db), paged by keyset")
    public Uni<RankingView> ranking(@PathParam("board") String boardId, @QueryParam("source") String source,
            @QueryParam("period") String period, @QueryParam("limit") @DefaultValue("100") int limit,
            @QueryParam("after") String after) {
        Board board = lookup.board(boardId);
        if (!"db".equals(source)) {
            throw ProblemException.badRequest("source must be 'db' (the in-memory ranking is served by /ranks)");
        }
        if (limit < 1 || limit > 1000) {
            throw ProblemException.badRequest("limit must be between 1 and 1000");
        }
        String p = period == null ? board.periodOf(System.currentTimeMillis()) : period;
        if (!board.period().isKeyShape(p)) {
            throw ProblemException.badRequest("period '" + p + "' is not a " + board.period().wireName() + " period key");
        }
        Long generation = null;
        long afterOrdinal = 0;
        if (after != null && !after.isEmpty()) {
            String[] parts = after.split("\\.");
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                generation = Long.parseLong(parts[0]);
                afterOrdinal = Long.parseLong(parts[1]);
            } catch (NumberFormatException e) {
                throw ProblemException.badRequest("malformed cursor '" + after + "'");
            }
        }
        Long gen = generation;
        return checkpoints.page(boardId, p, generation, afterOrdinal, limit).map(page -> {
            if (page == null) {
                throw ProblemException.notFound("Board '" + boardId + "' has no reconciled ranking for period '" + p + "'");
            }
            if (gen != null && page.rows().isEmpty() && gen < page.currentGeneration() - 1) {
                throw new ProblemException(410, "Gone", "Generation " + gen
                        + " of this ranking was replaced; start again without a cursor");
            }
            List<DbEntry> entries = entries(board, page.rows());
            String next = entries.size() < limit ? null : page.generation() + "." + entries.get(entries.size() - 1).ordinalRank();
            return new RankingView(boardId, p, "db", page.generation(), page.currentGeneration(), page.reconciledAt(),
                    entries, next);
        });
    }

    @GET
    @Path("periods")
    @Operation(summary = "Closed periods of a periodic board, with their frozen rankings")
    public Uni<PeriodsView> periods(@PathParam("board") String boardId) {
        lookup.board(boardId);
        return checkpoints.closedPeriods(boardId).map(list -> {
            List<PeriodView> views = new ArrayList<>();
            list.forEach(c -> views.add(new PeriodView(c.period(), c.generation(), c.entries(), c.closedAt(),
                    c.releasedAt() != null)));
            return new PeriodsView(boardId, views);
        });
    }

    @GET
    @Path("periods/{period}/top")
    @Operation(summary = "The frozen top of a closed period")
    public Uni<FrozenTopView> periodTop(@PathParam("board") String boardId, @PathParam("period") String period,
            @QueryParam("limit") @DefaultValue("10") int limit) {
        Board board = lookup.board(boardId);
        if (limit < 1 || limit > 1000) {
            throw ProblemException.badRequest("limit must be between 1 and 1000");
        }
        if (!board.period().isKeyShape(period)) {
            throw ProblemException.badRequest("period '" + period + "' is not a " + board.period().wireName() + " period key");
        }
        return checkpoints.closedPeriods(boardId).chain(closed -> {
            if (closed.stream().noneMatch(c -> c.period().equals(period))) {
                throw ProblemException.notFound("Period '" + period + "' of board '" + boardId + "' is not closed");
            }
            return checkpoints.frozenTop(boardId, period, limit)
                    .map(rows -> new FrozenTopView(boardId, period, entries(board, rows)));
        });
    }

    private static List<DbEntry> entries(Board board, List<RankedRow> rows) {
        List<DbEntry> entries = new ArrayList<>(rows.size());
        for (RankedRow r : rows) {
            entries.add(new DbEntry(r.entity(), r.score(), board.ties().pick(r.ordinalRank(), r.competitionRank(), r.denseRank()),
                    r.ordinalRank(), r.competitionRank(), r.denseRank(), r.reachedAt()));
        }
        return entries;
    }
}
