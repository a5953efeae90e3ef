package io.standings.stream;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.standings.api.ProblemException;
import io.standings.board.Board;
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

/** The open SSE subscriptions, by board, under the cap {@code standings.sse.max-subscriptions}. */
@ApplicationScoped
public class SubscriptionRegistry {

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
    private final StreamConfig config;
    private final StreamStates states;
    private final Timer pushDelay;

    public SubscriptionRegistry(StreamConfig config, StreamStates states, MeterRegistry meters) {
        this.config = config;
        this.states = states;
        Gauge.builder("standings.sse.subscribers", count, AtomicInteger::get)
                .description("Open SSE subscriptions").register(meters);
        this.pushDelay = Timer.builder("standings.sse.push.delay")
                .description("From a change applied to the index to the start of the push that shows it"
                        + " (one push in " + PUSH_DELAY_SAMPLE + ")")
                .publishPercentiles(0.5, 0.99).register(meters);
    }

    /**
     * Opens a subscription and writes its current state at once.
     *
     * @throws ProblemException 503 with Retry-After when the cap is reached
     */
    void open(Board board, Subscription.Topic topic, EventSink sink) {
        if (!open(board, topic, () -> sink)) {
            throw ProblemException.unavailable("Too many stream subscriptions (" + config.maxSubscriptions()
                    + "); try again later", Math.max(1, config.retryAfter().toSeconds()));
        }
    }

    /**
     * Opens a subscription on the sink {@code open} makes (called only once a slot under the cap is taken)
     * and writes its current state at once; false, with nothing opened, when the cap is reached.
     */
    boolean open(Board board, Subscription.Topic topic, Supplier<EventSink> open) {
        if (count.incrementAndGet() > config.maxSubscriptions()) {
            count.decrementAndGet();
            return false;
        }
        long now = System.nanoTime();
        Subscription subscription;
        try {
            subscription = new Subscription(board, topic, open.get(), this::release,
                    nanos -> {
                        if (pushes.getAndIncrement() % PUSH_DELAY_SAMPLE == 0) {
                            pushDelay.record(nanos, TimeUnit.NANOSECONDS);
                        }
                    }, now);
        } catch (RuntimeException e) {
            count.decrementAndGet();
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
            subscription.flush(now, config.minInterval().toNanos(), config.heartbeat().toNanos());
        } catch (RuntimeException e) {
            subscription.close(); // never leak a slot of the cap
            throw e;
        }
        return true;
    }

    private void release(Subscription subscription) {
        if (all.remove(subscription)) {
            count.decrementAndGet();
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
