package io.standings.stream;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * An {@link EventSink} writing {@code text/event-stream} straight to a Vert.x response: one buffer per
 * event ({@code id:}, {@code event:}, one {@code data:} line — the JSON has no line breaks), no JAX-RS
 * machinery per write. Writes from any thread are handed to the connection's event loop by Vert.x.
 */
final class VertxEventSink implements EventSink {

    private static final byte[] ID = "id:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "\nevent:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private final HttpServerResponse response;
    private final Executor loop;
    private volatile boolean closed;

    /** Starts the stream: status 200, the event-stream headers, sent at once. */
    VertxEventSink(HttpServerResponse response) {
        this.response = response;
        // The connection's Netty event loop itself: one Executor per loop thread (shared by every sink on
        // it, so the fan-out groups by it), and running there makes each write a direct one.
        Context context = Vertx.currentContext();
        this.loop = context instanceof ContextInternal internal ? internal.nettyEventLoop() : null;
        response.closeHandler(ignored -> closed = true);
        response.exceptionHandler(ignored -> closed = true);
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no")
                .writeHead();
    }

    @Override
    public Executor loop() {
        return loop;
    }

    /** The flag only: Vert.x's own closed()/ended() lock the connection, and the fan-out asks every tick. */
    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void send(String name, long id, String data, Consumer<Throwable> done) {
        byte[] json = data.getBytes(StandardCharsets.UTF_8);
        Buffer event = Buffer.buffer(json.length + name.length() + 40)
                .appendBytes(ID).appendString(Long.toString(id))
                .appendBytes(EVENT).appendString(name)
                .appendBytes(DATA).appendBytes(json)
                .appendBytes(END);
        write(event, done);
    }

    @Override
    public void comment(String text, Consumer<Throwable> done) {
        write(Buffer.buffer(":" + text + "\n\n"), done);
    }

    private void write(Buffer event, Consumer<Throwable> done) {
        try {
            response.write(event).onComplete(ar -> done.accept(ar.failed() ? ar.cause() : null));
        } catch (RuntimeException e) { // the response ended meanwhile
            done.accept(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            if (!response.ended() && !response.closed()) {
                response.end();
            }
        } catch (RuntimeException ignored) {
            // already gone
        }
    }
}
