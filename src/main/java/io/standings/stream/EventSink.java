package io.standings.stream;

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

    void send(String name, long id, String data, Consumer<Throwable> done);

    void comment(String text, Consumer<Throwable> done);

    void close();
}
