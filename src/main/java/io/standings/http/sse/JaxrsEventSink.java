package io.standings.http.sse;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * An {@link EventSink} over the JAX-RS SSE API: each event is its own copy, one in flight at a time (the
 * next waits until the previous one was written to the connection).
 */
final class JaxrsEventSink implements EventSink {

    private final SseEventSink sink;
    private final Sse sse;
    /** The Vert.x request under the JAX-RS one, to drop its connection in {@link #abort()}. */
    private final HttpServerRequest request;

    JaxrsEventSink(SseEventSink sink, Sse sse, HttpServerRequest request) {
        this.sink = sink;
        this.sse = sse;
        this.request = request;
    }

    @Override
    public boolean isClosed() {
        return sink.isClosed();
    }

    @Override
    public void send(long id, EncodedEvent event, Consumer<Throwable> done) {
        write(sse.newEventBuilder().name(event.name).id(Long.toString(id))
                .data(String.class, new String(event.json, StandardCharsets.UTF_8)).build(), done);
    }

    @Override
    public void comment(String text, Consumer<Throwable> done) {
        write(sse.newEventBuilder().comment(text).build(), done);
    }

    private void write(jakarta.ws.rs.sse.OutboundSseEvent event, Consumer<Throwable> done) {
        try {
            sink.send(event).whenComplete((ignored, failure) -> done.accept(failure));
        } catch (RuntimeException e) {
            done.accept(e);
        }
    }

    @Override
    public void close() {
        sink.close();
    }

    /** See {@link VertxEventSink#drop}. */
    @Override
    public void abort() {
        VertxEventSink.drop(request);
    }
}
