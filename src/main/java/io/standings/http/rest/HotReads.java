package io.standings.http.rest;

import io.standings.http.EntryView;
import io.standings.http.ListViews;
import io.standings.http.Params;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.logging.Log;
import io.standings.core.board.Board;
import io.standings.core.board.Ids;
import io.standings.core.index.RankIndex;
import io.standings.state.LiveBoards;
import io.standings.http.security.PlainReads;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The two hottest reads — an entity's entry and a board's top list — answered straight on the Vert.x
 * router, ahead of the JAX-RS layer (its routing, filters and context cost more than the lookup itself).
 *
 * <p>Only the plain success case is answered here, with exactly the body the JAX-RS resource would
 * produce (same view records, same Jackson mapper): valid ids without percent-escapes, a known board, an
 * entity that is on it, a valid {@code limit}, and reads not behind the API key. Anything else — a bad
 * parameter, an unknown board or entity, a key to check — goes on ({@code ctx.next()}) to
 * {@link EntryResource} / {@link BoardResource}, which stay the one documented definition of these
 * endpoints and of every error. {@code standings.http.hot-reads=false} switches this off.
 */
@ApplicationScoped
public class HotReads {

    static final String ENTRY_PATH = "/api/v1/boards/:board/entries/:entity";
    static final String TOP_PATH = "/api/v1/boards/:board/top";
    private static final String JSON = "application/json;charset=UTF-8";

    private final PlainReads plainReads;
    private final LiveBoards live;
    private final ObjectMapper mapper;
    private final boolean enabled;
    private final TopCache topCache = new TopCache();

    public HotReads(PlainReads plainReads, LiveBoards live, ObjectMapper mapper,
            @ConfigProperty(name = "standings.http.hot-reads", defaultValue = "true") boolean enabled) {
        this.plainReads = plainReads;
        this.live = live;
        this.mapper = mapper;
        this.enabled = enabled;
    }

    void register(@Observes Router router) {
        if (!enabled) {
            return;
        }
        router.get(ENTRY_PATH).order(Integer.MIN_VALUE + 1).handler(this::entry);
        router.get(TOP_PATH).order(Integer.MIN_VALUE + 1).handler(this::top);
    }

    void entry(RoutingContext ctx) {
        Board board = plainReads.board(ctx);
        String entity = board == null ? null : ctx.pathParam("entity");
        Optional<EntryView> view = entity != null && Ids.isValidEntity(entity) ? EntryView.lookup(live, board, entity) : Optional.empty();
        if (view.isEmpty()) {
            ctx.next();
            return;
        }
        EntryView v = view.get();
        byte[] fast = EntryJson.write(v);
        send(ctx, fast != null ? fast : json(v));
    }

    void top(RoutingContext ctx) {
        Board board = plainReads.board(ctx);
        int limit = board == null ? -1 : Params.plainLimit(ctx.queryParam("limit"));
        if (limit < 0) {
            ctx.next();
            return;
        }
        long asOf = live.asOf();
        RankIndex index = live.currentIndex(board).orElse(null);
        if (index == null) {
            send(ctx, json(ListViews.Top.of(board, limit, null, asOf)));
            return;
        }
        long version = index.version();
        send(ctx, topCache.get(board.id(), limit, index, version, asOf, () -> json(ListViews.Top.of(board, limit, index, asOf))));
    }


    /** Answers with the JSON, or lets the JAX-RS resource answer when there is none. */
    private static void send(RoutingContext ctx, byte[] json) {
        if (json == null) {
            ctx.next();
            return;
        }
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(Buffer.buffer(json));
    }

    /** The body as the JAX-RS layer would write it, or null (then the JAX-RS resource answers). */
    private byte[] json(Object body) {
        try {
            return mapper.writeValueAsBytes(body);
        } catch (Exception e) {
            Log.debugf(e, "hot read fell back to JAX-RS");
            return null;
        }
    }
}
