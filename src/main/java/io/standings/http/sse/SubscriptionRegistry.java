package io.standings.http.sse;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.standings.http.ProblemException;
import io.standings.core.board.Board;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The open SSE subscriptions, by board, under two caps: {@code standings.sse.max-subscriptions} for the
 * instance and {@code standings.sse.max-subscriptions-per-client} for each client (its address, see
 * {@link #clientOf}). A subscription holds one slot of each from its opening until it is released, once,
 * however it ends (the client went away, a write failed, it stalled, shutdown).
 */
@ApplicationScoped
public class SubscriptionRegistry {

    /** What {@link #open(Board, Subscription.Topic, String, Supplier)} did. */
    enum Opened {
        OPENED,
        /** The client holds {@code max-subscriptions-per-client} already: nothing opened. */
        CLIENT_FULL,
        /** The instance holds {@code max-subscriptions} already: nothing opened. */
        FULL
    }

    /**
     * One push in this many is timed for {@code standings.sse.push.delay}: recording every push into the
     * timer's histogram cost ≈ 8 % of the fan-out's Java time with 10,000 subscribers; one in 8 keeps the
     * percentiles (pushes of one state go out in sequence, so consecutive pushes have similar delays).
     */
    static final int PUSH_DELAY_SAMPLE = 8;

    private final ConcurrentMap<String, Set<Subscription>> byBoard = new ConcurrentHashMap<>();
    private final Set<Subscription> all = ConcurrentHashMap.newKeySet();
    /** The subscriptions whose sink has an event loop, by that loop (the fan-out writes each group in one task). */
    private final ConcurrentMap<Executor, Set<Subscription>> byLoop = new ConcurrentHashMap<>();
    /** The others (JAX-RS sinks): the fan-out flushes them from its own thread. */
    private final Set<Subscription> withoutLoop = ConcurrentHashMap.newKeySet();
    /** Pushes so far: every {@link #PUSH_DELAY_SAMPLE}th one is timed. */
    private final AtomicLong pushes = new AtomicLong();
    private final AtomicInteger count = new AtomicInteger();
    /** Open subscriptions per client; a client with none has no entry. */
    private final ConcurrentMap<String, Integer> perClient = new ConcurrentHashMap<>();
    private final StreamConfig config;
    private final StreamStates states;
    private final Timer pushDelay;
    private final Counter refusedForClient;
    private final Counter refusedForInstance;
    private final Counter stalledClosed;

    public SubscriptionRegistry(StreamConfig config, StreamStates states, MeterRegistry meters) {
        this.config = config;
        this.states = states;
        Gauge.builder("standings.sse.subscribers", count, AtomicInteger::get)
                .description("Open SSE subscriptions").register(meters);
        this.pushDelay = Timer.builder("standings.sse.push.delay")
                .description("From a change applied to the index to the start of the push that shows it"
                        + " (one push in " + PUSH_DELAY_SAMPLE + ")")
                .publishPercentiles(0.5, 0.99).register(meters);
        this.refusedForClient = Counter.builder("standings.sse.refused").tag("limit", "client")
                .description("Stream requests refused because a cap was reached").register(meters);
        this.refusedForInstance = Counter.builder("standings.sse.refused").tag("limit", "instance")
                .description("Stream requests refused because a cap was reached").register(meters);
        this.stalledClosed = Counter.builder("standings.sse.stalled.closed")
                .description("Subscriptions dropped because their connection did not drain for the stall timeout")
                .register(meters);
    }

    /**
     * The client a request counts for under the per-client cap: the host of its remote address, i.e. the TCP
     * peer's IP address (all connections from one address share the cap; behind a reverse proxy that is the
     * proxy's address, unless Quarkus' forwarded-header support replaces it, see docs/api.md).
     */
    static String clientOf(HttpServerRequest request) {
        SocketAddress address = request.remoteAddress();
        if (address == null) {
            return "unknown";
        }
        return address.host() != null ? address.host() : address.toString();
    }

    /**
     * Opens a subscription for {@code client} and writes its current state at once.
     *
     * @throws ProblemException 429 with Retry-After when the client's cap is reached, 503 with Retry-After
     *                          when the instance's is
     */
    void open(Board board, Subscription.Topic topic, String client, EventSink sink) {
        long retryAfter = Math.max(1, config.retryAfter().toSeconds());
        switch (open(board, topic, client, () -> sink)) {
            case OPENED -> {
            }
            case CLIENT_FULL -> {
                refusedForClient.increment();
                throw ProblemException.tooManyRequests("Too many stream subscriptions from this client ("
                        + config.maxSubscriptionsPerClient() + "); close one or try again later", retryAfter);
            }
            case FULL -> {
                refusedForInstance.increment();
                throw ProblemException.unavailable("Too many stream subscriptions (" + config.maxSubscriptions()
                        + "); try again later", retryAfter);
            }
        }
    }

    /**
     * Opens a subscription for {@code client} on the sink {@code open} makes (called only once a slot under
     * both caps is taken) and writes its current state at once. Nothing is opened when a cap is reached.
     */
    Opened open(Board board, Subscription.Topic topic, String client, Supplier<EventSink> open) {
        if (!takeClientSlot(client)) {
            return Opened.CLIENT_FULL;
        }
        if (count.incrementAndGet() > config.maxSubscriptions()) {
            count.decrementAndGet();
            releaseClientSlot(client);
            return Opened.FULL;
        }
        long now = System.nanoTime();
        Subscription subscription;
        try {
            subscription = new Subscription(board, topic, client, open.get(), this::release,
                    nanos -> {
                        if (pushes.getAndIncrement() % PUSH_DELAY_SAMPLE == 0) {
                            pushDelay.record(nanos, TimeUnit.NANOSECONDS);
                        }
                    }, now);
        } catch (RuntimeException e) {
            count.decrementAndGet();
            releaseClientSlot(client);
            throw e;
        }
        all.add(subscription);
        byBoard.computeIfAbsent(board.id(), b -> ConcurrentHashMap.newKeySet()).add(subscription);
        if (subscription.loop() != null) {
            byLoop.computeIfAbsent(subscription.loop(), l -> ConcurrentHashMap.newKeySet()).add(subscription);
        } else {
            withoutLoop.add(subscription);
        }
        try {
            subscription.offer(topic.isTop() ? states.top(board, topic.limit()) : states.entry(board, topic.entity()));
            subscription.flush(now, config.minInterval().toNanos(), config.heartbeat().toNanos(),
                    config.stallTimeout().toNanos());
        } catch (RuntimeException e) {
            subscription.close(); // never leak a slot of the caps
            throw e;
        }
        return Opened.OPENED;
    }

    /** Takes one of the client's slots, unless it holds all of them. */
    private boolean takeClientSlot(String client) {
        boolean[] taken = {false};
        perClient.compute(client, (c, open) -> {
            int held = open == null ? 0 : open;
            if (held >= config.maxSubscriptionsPerClient()) {
                return open;
            }
            taken[0] = true;
            return held + 1;
        });
        return taken[0];
    }

    private void releaseClientSlot(String client) {
        perClient.computeIfPresent(client, (c, open) -> open <= 1 ? null : open - 1);
    }

    private void release(Subscription subscription) {
        if (all.remove(subscription)) {
            count.decrementAndGet();
            releaseClientSlot(subscription.client);
            if (subscription.stalled()) {
                stalledClosed.increment();
            }
        }
        if (subscription.loop() != null) {
            Set<Subscription> ofLoop = byLoop.get(subscription.loop());
            if (ofLoop != null) {
                ofLoop.remove(subscription);
            }
        } else {
            withoutLoop.remove(subscription);
        }
        Set<Subscription> ofBoard = byBoard.get(subscription.topic.board());
        if (ofBoard != null) {
            ofBoard.remove(subscription);
        }
    }

    /** Open subscriptions now. */
    public int count() {
        return count.get();
    }

    /** Open subscriptions of one client now. */
    int count(String client) {
        return perClient.getOrDefault(client, 0);
    }

    /** The clients holding at least one subscription now. */
    int clients() {
        return perClient.size();
    }

    Collection<Subscription> ofBoard(String board) {
        Set<Subscription> ofBoard = byBoard.get(board);
        return ofBoard == null ? Set.of() : ofBoard;
    }

    Collection<Subscription> all() {
        return all;
    }

    /** The subscriptions without an event loop. */
    Collection<Subscription> withoutLoop() {
        return withoutLoop;
    }

    /** The subscriptions with an event loop, grouped by it (groups may be empty). */
    Map<Executor, Set<Subscription>> byLoop() {
        return byLoop;
    }
}
