package io.standings.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.standings.state.AppliedPositions;
import io.standings.state.PositionToken;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Positions on every API answer, and reads that are not older than a write (docs/api.md, "Positions"), first on
 * the router, ahead of every read:
 *
 * <ul>
 *   <li>every answer under {@code /api/v1} carries {@value #POSITION_HEADER}: the position token of this
 *       instance's memory when the request reached it (the answer holds at least that);</li>
 *   <li>a request with {@code ?minPosition=} (or the header {@value #MIN_POSITION_HEADER}) waits, without
 *       blocking, until memory holds those positions, then goes on; after {@code standings.read.min-position-wait}
 *       it is answered 503 with {@code Retry-After}; a malformed position is a 400.</li>
 * </ul>
 */
@ApplicationScoped
public class ReadPositions {

    public static final String POSITION_HEADER = "Standings-Position";
    public static final String MIN_POSITION_HEADER = "Standings-Min-Position";
    public static final String MIN_POSITION_PARAM = "minPosition";
    /** Reads waiting at once beyond this are answered 503 at once. */
    static final int MAX_WAITING = 10_000;

    private final AppliedPositions positions;
    private final ObjectMapper mapper;
    private final long waitMillis;
    private final AtomicInteger waiting = new AtomicInteger();

    public ReadPositions(AppliedPositions positions, ObjectMapper mapper,
            @ConfigProperty(name = "standings.read.min-position-wait") Duration wait) {
        this.positions = positions;
        this.mapper = mapper;
        this.waitMillis = Math.max(1, wait.toMillis());
    }

    void register(@Observes Router router) {
        router.route("/api/v1/*").order(Integer.MIN_VALUE).handler(this::handle);
    }

    void handle(RoutingContext ctx) {
        String query = ctx.request().query();
        // The query is parsed only when it names the parameter: every read passes here.
        String wanted = query != null && query.contains(MIN_POSITION_PARAM) ? ctx.queryParams().get(MIN_POSITION_PARAM) : null;
        if (wanted == null) {
            wanted = ctx.request().getHeader(MIN_POSITION_HEADER);
        }
        if (wanted == null) {
            proceed(ctx);
            return;
        }
        Map<Integer, Long> minimum;
        try {
            minimum = PositionToken.parse(wanted);
        } catch (IllegalArgumentException e) {
            problem(ctx, 400, "Bad Request", "minPosition: " + e.getMessage(), 0);
            return;
        }
        if (positions.holds(minimum)) {
            proceed(ctx);
            return;
        }
        if (waiting.incrementAndGet() > MAX_WAITING) {
            waiting.decrementAndGet();
            problem(ctx, 503, "Service Unavailable", "too many reads wait for a position on this instance", 1);
            return;
        }
        io.vertx.core.Context context = ctx.vertx().getOrCreateContext();
        AtomicBoolean resolved = new AtomicBoolean();
        AppliedPositions.Waiter[] waiter = new AppliedPositions.Waiter[1];
        long timer = ctx.vertx().setTimer(waitMillis, id -> {
            if (resolved.compareAndSet(false, true)) {
                positions.cancel(waiter[0]);
                waiting.decrementAndGet();
                problem(ctx, 503, "Service Unavailable", "this instance does not hold position " + PositionToken.format(minimum)
                        + " yet (it holds " + positions.token() + "); retry, or read from another instance", 1);
            }
        });
        waiter[0] = new AppliedPositions.Waiter() {
            @Override
            public boolean reached(AppliedPositions p) {
                return p.holds(minimum);
            }

            @Override
            public void done() {
                if (resolved.compareAndSet(false, true)) {
                    waiting.decrementAndGet();
                    context.runOnContext(v -> {
                        ctx.vertx().cancelTimer(timer);
                        proceed(ctx);
                    });
                }
            }
        };
        positions.whenReached(waiter[0]);
    }

    private void proceed(RoutingContext ctx) {
        ctx.response().putHeader(POSITION_HEADER, positions.token());
        ctx.next();
    }

    private void problem(RoutingContext ctx, int status, String title, String detail, int retryAfterSeconds) {
        byte[] body;
        try {
            body = mapper.writeValueAsBytes(new Problem("about:blank", title, status, detail, ctx.request().path()));
        } catch (Exception e) {
            body = ("{\"title\":\"" + title + "\",\"status\":" + status + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader(POSITION_HEADER, positions.token());
        if (retryAfterSeconds > 0) {
            ctx.response().putHeader(HttpHeaders.RETRY_AFTER, Integer.toString(retryAfterSeconds));
        }
        ctx.response().end(Buffer.buffer(body));
    }
}
