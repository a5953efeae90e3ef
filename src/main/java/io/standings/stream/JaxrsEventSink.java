package io.standings.stream;

import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** An {@link EventSink} over the JAX-RS SSE API. */
final class JaxrsEventSink implements EventSink {

    private final SseEventSink sink;
    private final Sse sse;

    JaxrsEventSink(SseEventSink sink, Sse sse) {
        this.sink = sink;
        this.sse = sse;
    }

    @Override
    public boolean isClosed() {
        return sink.isClosed();
    }

    @Override
    public void send(String name, long id, byte[] data, Consumer<Throwable> done) {
        write(sse.newEventBuilder().name(name).id(Long.toString(id))
                .data(String.class, new String(data, StandardCharsets.UTF_8)).build(), done);
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
}
