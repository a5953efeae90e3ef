package io.standings.stream;

import io.quarkus.logging.Log;
import io.standings.board.Board;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * One SSE client. Its buffer is a single slot holding the latest state not yet written, plus what is
 * handed to the connection and not yet taken by the client: at most one write in flight for a sink that
 * reports completion, or up to the sink's bound while it is not {@link EventSink#busy() busy}. A new state
 * replaces an unsent one, so a slow client skips intermediate states, keeps the latest, and never holds
 * more than that bound plus two events in memory. Written only by {@link #flush}, which sends at most one
 * data event per coalescing interval and a heartbeat comment when idle.
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
    private byte[] pending;
    private long pendingChangedNanos;
    private boolean writing;
    private boolean closed;
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
        pending = state.data();
        if (pendingChangedNanos == 0) {
            pendingChangedNanos = state.changedNanos();
        }
    }

    /**
     * Writes the pending state if no write is in flight and the coalescing interval has passed since the
     * last data event; otherwise a heartbeat comment if nothing was written for {@code heartbeatNanos}.
     */
    void flush(long now, long minIntervalNanos, long heartbeatNanos) {
        byte[] data;
        long id;
        long changedNanos;
        synchronized (this) {
            if (closed || (writing || sink.busy()) && !sink.isClosed()) {
                return;
            }
            if (sink.isClosed()) {
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
            sink.send(topic.eventName(), id, data, this::written);
        } else if (id < 0) {
            sink.comment("heartbeat", this::written);
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
            close();
        }
    }

    /** Ends the stream (if still open) and releases the subscription; safe to call more than once. */
    void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            pending = null;
        }
        try {
            sink.close();
        } catch (RuntimeException e) {
            Log.debugf("Closing an SSE sink failed: %s", e.toString());
        }
        onClose.accept(this);
    }

    /** See {@link EventSink#loop()}. */
    java.util.concurrent.Executor loop() {
        return sink.loop();
    }

    synchronized boolean isClosed() {
        return closed;
    }
}
