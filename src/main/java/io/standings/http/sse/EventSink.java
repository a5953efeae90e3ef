package io.standings.http.sse;

import java.util.function.Consumer;

/**
 * Where one subscription's events go: an open SSE response. Two kinds: {@link VertxEventSink} writes the
 * event-stream format straight to the Vert.x response (the streams' normal path, see {@link HotStreams}),
 * {@link JaxrsEventSink} goes through the JAX-RS SSE API (the resources' path). Writes are asynchronous;
 * {@code done} gets null once the bytes are handed to the connection, or the failure.
 */
interface EventSink {

    /**
     * The executor that owns the connection (its event loop) when writing from it is cheaper than from
     * elsewhere, so the fan-out can write each loop's subscriptions in one task; null when any thread will do.
     */
    default java.util.concurrent.Executor loop() {
        return null;
    }

    boolean isClosed();

    /**
     * True while more than the sink's bound is waiting to be written to the connection (the client reads
     * slower than it is sent to): the fan-out then skips the client until it drains, keeping only the
     * latest state for it, and closes it with {@link #abort()} when it has not drained for
     * {@code standings.sse.stall-timeout}.
     */
    default boolean busy() {
        return false;
    }

    /** Sends one event with the given {@code id:}; {@code event} is shared by many sinks and not modified. */
    void send(long id, EncodedEvent event, Consumer<Throwable> done);

    void comment(String text, Consumer<Throwable> done);

    /** Ends the stream: what was sent is still delivered, then the response ends. */
    void close();

    /**
     * Drops the connection at once, with whatever is still queued for it: for a client that stopped reading,
     * whose queue an orderly end would sit behind.
     */
    void abort();
}
