package io.standings.http.sse;

import io.quarkus.logging.Log;
import io.standings.core.board.Board;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * One SSE client. Its buffer is a single slot holding the latest state not yet written, plus what is
 * handed to the connection and not yet taken by the client: at most one write in flight for a sink that
 * reports completion, or up to the sink's bound while it is not {@link EventSink#busy() busy}. A new state
 * replaces an unsent one, so a slow client skips intermediate states, keeps the latest, and never holds
 * more than that bound plus two events in memory (the slot's event is shared with every subscriber of the
 * same state). Written only by {@link #flush}, which sends at most one data event per coalescing interval
 * and a heartbeat comment when idle, and drops the client when its connection has not drained for the
 * stall timeout: a client that stopped reading holds that memory for that long at most.
 */
final class Subscription {

    /** What a subscription follows; its key groups subscriptions that share one computed state per tick. */
    record Topic(String board, String eventName, int limit, String entity) {
        static Topic top(String board, int limit) {
            return new Topic(board, "top", limit, null);
        }

        static Topic entry(String board, String entity) {
            return new Topic(board, "entry", 0, entity);
        }

        boolean isTop() {
            return entity == null;
        }
    }

    final Board board;
    final Topic topic;
    /** Who opened it, for the per-client cap ({@link SubscriptionRegistry#clientOf}). */
    final String client;
    private final EventSink sink;
    private final Consumer<Subscription> onClose;
    private final LongConsumer pushDelay;

    // All guarded by this.
    private Object lastContent;
    private long lastAsOf = -1;
    private EncodedEvent pending;
    private long pendingChangedNanos;
    private boolean writing;
    private boolean closed;
    /** Whether the last flush found the connection not drained (busy, or a write still in flight), and since when. */
    private boolean undrained;
    private long undrainedSinceNanos;
    /** Closed because the connection did not drain for the stall timeout. */
    private boolean stalled;
    private long nextId = 1;
    private long lastEventNanos;
    private long lastWriteNanos;

    Subscription(Board board, Topic topic, String client, EventSink sink, Consumer<Subscription> onClose,
            LongConsumer pushDelay, long now) {
        this.board = board;
        this.client = client;
        this.pushDelay = pushDelay;
        this.topic = topic;
        this.sink = sink;
        this.onClose = onClose;
        this.lastWriteNanos = now;
        this.lastEventNanos = Long.MIN_VALUE / 2;
    }

    /**
     * Takes a newly computed state: it becomes the pending one if its content differs from the last
     * state taken and it is not older than it.
     */
    synchronized void offer(StreamState state) {
        if (closed || state.asOf() < lastAsOf || state.content().equals(lastContent)) {
            return;
        }
        lastContent = state.content();
        lastAsOf = state.asOf();
        pending = state.event();
        if (pendingChangedNanos == 0) {
            pendingChangedNanos = state.changedNanos();
        }
    }

    /**
     * Writes the pending state if no write is in flight and the coalescing interval has passed since the
     * last data event; otherwise a heartbeat comment if nothing was written for {@code heartbeatNanos}.
     * While the connection has not drained (a write in flight, or the sink {@link EventSink#busy() busy})
     * nothing is written, and once that has lasted {@code stallTimeoutNanos} (seen by two flushes that far
     * apart, with no drained flush in between) the connection is dropped.
     */
    void flush(long now, long minIntervalNanos, long heartbeatNanos, long stallTimeoutNanos) {
        EncodedEvent data;
        long id;
        long changedNanos;
        boolean drop = false;
        synchronized (this) {
            if (closed) {
                return;
            }
            if ((writing || sink.busy()) && !sink.isClosed()) {
                if (!undrained) {
                    undrained = true;
                    undrainedSinceNanos = now;
                    return;
                }
                if (now - undrainedSinceNanos < stallTimeoutNanos) {
                    return;
                }
                stalled = true;
                drop = true;
            }
            undrained = false;
            if (drop) {
                data = null;
                id = 0;
                changedNanos = 0;
            } else if (sink.isClosed()) {
                data = null;
                id = 0;
                changedNanos = 0;
            } else if (pending != null && now - lastEventNanos >= minIntervalNanos) {
                data = pending;
                id = nextId++;
                changedNanos = pendingChangedNanos;
                pending = null;
                pendingChangedNanos = 0;
                lastEventNanos = now;
            } else if (now - lastWriteNanos >= heartbeatNanos) {
                data = null;
                id = -1; // a heartbeat
                changedNanos = 0;
            } else {
                return;
            }
            if (data != null || id < 0) {
                writing = true;
                lastWriteNanos = now;
            }
        }
        if (data != null) {
            if (changedNanos != 0) {
                pushDelay.accept(System.nanoTime() - changedNanos);
            }
            sink.send(id, data, this::written);
        } else if (id < 0) {
            sink.comment("heartbeat", this::written);
        } else if (drop) {
            Log.debugf("SSE %s subscriber of %s did not read for %d ms: dropped", topic.eventName(), topic.board(),
                    stallTimeoutNanos / 1_000_000);
            end(true);
        } else {
            close(); // the client went away
        }
    }

    private void written(Throwable failure) {
        synchronized (this) {
            writing = false;
        }
        if (failure != null) {
            Log.debugf("SSE write to a %s subscriber of %s failed: %s", topic.eventName(), topic.board(), failure.toString());
            end(true); // the connection is broken: nothing more to deliver, no orderly end to write
        }
    }

    /** Ends the stream (if still open) and releases the subscription; safe to call more than once. */
    void close() {
        end(false);
    }

    private void end(boolean abort) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            pending = null;
        }
        try {
            if (abort) {
                sink.abort();
            } else {
                sink.close();
            }
        } catch (RuntimeException e) {
            Log.debugf("Closing an SSE sink failed: %s", e.toString());
        }
        onClose.accept(this);
    }

    /** True once the subscription was dropped because its connection did not drain for the stall timeout. */
    synchronized boolean stalled() {
        return stalled && closed;
    }

    /** See {@link EventSink#loop()}. */
    java.util.concurrent.Executor loop() {
        return sink.loop();
    }

    synchronized boolean isClosed() {
        return closed;
    }
}
