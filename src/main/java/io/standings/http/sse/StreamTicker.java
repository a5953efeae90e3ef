package io.standings.http.sse;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.standings.core.board.Board;
import io.standings.state.BoardRegistry;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fan-out clock (a Vert.x periodic timer, {@code standings.sse.tick}): recomputes the states of the
 * boards the {@link ChangeFeed} marked, once per (board, N) or (board, entity) however many clients share
 * it, offers them to the subscriptions, then flushes every subscription (data, heartbeat or release).
 * The work runs on a worker thread (the timer only dispatches it), so a tick over many subscriptions
 * never delays the requests an event loop serves; a tick that is still running when the next one is due
 * makes that one skip. Writes to clients are asynchronous.
 */
@ApplicationScoped
public class StreamTicker {

    private final ChangeFeed feed;
    private final SubscriptionRegistry subscriptions;
    private final StreamStates states;
    private final BoardRegistry boards;
    private final StreamConfig config;
    private final Vertx vertx;
    private final AtomicBoolean running = new AtomicBoolean();
    private final Timer tickTime;
    private long timer = -1;

    public StreamTicker(ChangeFeed feed, SubscriptionRegistry subscriptions, StreamStates states, BoardRegistry boards,
            StreamConfig config, Vertx vertx, MeterRegistry meters) {
        this.feed = feed;
        this.subscriptions = subscriptions;
        this.states = states;
        this.boards = boards;
        this.config = config;
        this.vertx = vertx;
        this.tickTime = Timer.builder("standings.sse.tick").description("Duration of one fan-out tick")
                .publishPercentiles(0.5, 0.99).register(meters);
    }

    void start(@Observes StartupEvent started) {
        timer = vertx.setPeriodic(Math.max(1, config.tick().toMillis()), id -> {
            if (running.compareAndSet(false, true)) {
                vertx.executeBlocking(() -> {
                    try {
                        tick(() -> running.set(false));
                    } catch (RuntimeException e) {
                        running.set(false);
                        throw e;
                    }
                    return null;
                }, false);
            }
        });
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        subscriptions.all().forEach(Subscription::close);
    }

    /**
     * One tick: recomputes the changed states, then flushes every subscription — those on an event loop in
     * one task per loop (each write is then a direct write on the connection's own thread, not a task
     * handed over per write), the others right here. {@code done} runs once every flush has run: the next
     * tick waits for it, so a slow fan-out makes ticks skip rather than pile up.
     */
    void tick(Runnable done) {
        long started = System.nanoTime();
        try {
            feed.drain().forEach(this::recompute);
            long now = System.nanoTime();
            long minInterval = config.minInterval().toNanos();
            long heartbeat = config.heartbeat().toNanos();
            long stallTimeout = config.stallTimeout().toNanos();
            for (Subscription subscription : subscriptions.withoutLoop()) {
                subscription.flush(now, minInterval, heartbeat, stallTimeout);
            }
            List<Map.Entry<Executor, Set<Subscription>>> byLoop = new ArrayList<>(subscriptions.byLoop().entrySet());
            AtomicInteger remaining = new AtomicInteger(byLoop.size() + 1);
            Runnable finished = () -> {
                if (remaining.decrementAndGet() == 0) {
                    tickTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                    done.run();
                }
            };
            byLoop.forEach(group -> group.getKey().execute(() -> {
                try {
                    for (Subscription subscription : group.getValue()) {
                        subscription.flush(now, minInterval, heartbeat, stallTimeout);
                    }
                } catch (RuntimeException e) {
                    Log.errorf(e, "SSE flush failed");
                } finally {
                    finished.run();
                }
            }));
            finished.run();
        } catch (RuntimeException e) {
            Log.errorf(e, "SSE tick failed");
            done.run();
        }
    }

    private void recompute(String boardId, long changedNanos) {
        var ofBoard = subscriptions.ofBoard(boardId);
        if (ofBoard.isEmpty()) {
            return;
        }
        Optional<Board> board = boards.find(boardId);
        if (board.isEmpty()) {
            return;
        }
        Map<Subscription.Topic, StreamState> computed = new HashMap<>();
        for (Subscription subscription : ofBoard) {
            StreamState state = computed.computeIfAbsent(subscription.topic, topic -> (topic.isTop()
                    ? states.top(board.get(), topic.limit())
                    : states.entry(board.get(), topic.entity())).changedAt(changedNanos));
            subscription.offer(state);
        }
    }
}
