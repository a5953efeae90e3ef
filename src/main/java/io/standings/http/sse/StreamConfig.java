package io.standings.http.sse;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code standings.sse.*}: the SSE fan-out's limits and timings. */
@ConfigMapping(prefix = "standings.sse")
public interface StreamConfig {

    /** Concurrent subscriptions this instance accepts; more are answered 503 with Retry-After. */
    @WithDefault("10000")
    int maxSubscriptions();

    /**
     * Concurrent subscriptions one client (see {@link SubscriptionRegistry#clientOf}) may hold; more are
     * answered 429 with Retry-After.
     */
    @WithDefault("50")
    int maxSubscriptionsPerClient();

    /** The Retry-After of that 503 and of the per-client 429. */
    @WithDefault("5s")
    Duration retryAfter();

    /** A heartbeat comment is written when a stream was silent this long. */
    @WithDefault("15s")
    Duration heartbeat();

    /** At most one data event per subscription per this interval (changes in between are coalesced). */
    @WithDefault("50ms")
    Duration minInterval();

    /**
     * A subscription whose connection has not drained for this long (its client stopped reading) is
     * dropped: the connection is closed and what was queued for it discarded.
     */
    @WithDefault("30s")
    Duration stallTimeout();

    /** How often changed boards are recomputed and pending states flushed. */
    @WithDefault("25ms")
    Duration tick();
}
