package io.standings.http.sse;

import io.standings.http.security.PlainReads;
import io.standings.http.Params;
import io.standings.core.board.Board;
import io.standings.core.board.Ids;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The two SSE streams opened straight on the Vert.x router ({@link VertxEventSink}: each event one buffer
 * written to the response, no JAX-RS machinery per write — the fan-out to thousands of clients is mostly
 * writes). Only the success case opens here: valid ids without percent-escapes, a known board, a valid
 * {@code limit}, reads not behind the API key, a free slot under both caps. Everything else — every error,
 * the 429 and 503 of full caps, key checks — goes on ({@code ctx.next()}) to {@link TopStreamResource} /
 * {@link EntryStreamResource}, which stay the documented definition of the streams.
 * {@code standings.http.hot-reads=false} switches this off too.
 */
@ApplicationScoped
public class HotStreams {

    private final PlainReads reads;
    private final SubscriptionRegistry subscriptions;
    private final boolean enabled;

    public HotStreams(PlainReads reads, SubscriptionRegistry subscriptions,
            @ConfigProperty(name = "standings.http.hot-reads", defaultValue = "true") boolean enabled) {
        this.reads = reads;
        this.subscriptions = subscriptions;
        this.enabled = enabled;
    }

    void register(@Observes Router router) {
        if (enabled) {
            router.get("/api/v1/boards/:board/top/stream").order(Integer.MIN_VALUE + 1).handler(this::top);
            router.get("/api/v1/boards/:board/entries/:entity/stream").order(Integer.MIN_VALUE + 1).handler(this::entry);
        }
    }

    void top(RoutingContext ctx) {
        Board board = reads.board(ctx);
        int limit = board == null ? -1 : Params.plainLimit(ctx.queryParam("limit"));
        if (limit < 0 || subscriptions.open(board, Subscription.Topic.top(board.id(), limit),
                SubscriptionRegistry.clientOf(ctx.request()), () -> new VertxEventSink(ctx.request()))
                != SubscriptionRegistry.Opened.OPENED) {
            ctx.next();
        }
    }

    void entry(RoutingContext ctx) {
        Board board = reads.board(ctx);
        String entity = board == null ? null : ctx.pathParam("entity");
        if (entity == null || !Ids.isValidEntity(entity) || subscriptions.open(board,
                Subscription.Topic.entry(board.id(), entity), SubscriptionRegistry.clientOf(ctx.request()),
                () -> new VertxEventSink(ctx.request())) != SubscriptionRegistry.Opened.OPENED) {
            ctx.next();
        }
    }
}
