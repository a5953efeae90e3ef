package io.standings.http.sse;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * An {@link EventSink} writing {@code text/event-stream} straight to a Vert.x response: one buffer per
 * event ({@code id:}, {@code event:}, one {@code data:} line — the JSON has no line breaks), no JAX-RS
 * machinery per write. Writes from any thread are handed to the connection's event loop by Vert.x. A large
 * event's buffer is its own {@code id:} line plus a view of the bytes every subscriber shares
 * ({@link EncodedEvent#sharedFrame}); a smaller one is a copy.
 *
 * <p>A write carries no completion listener (a promise and a listener per push were a fifth of the
 * fan-out's Java time): what bounds a slow client is the connection's write queue, capped at
 * {@link #WRITE_QUEUE_BYTES}; past it the sink is {@link #busy()} and the fan-out skips the client, so
 * at most that much plus one event waits in the server for it, and a large event is shared, not the
 * client's own. A client that stays busy for {@code standings.sse.stall-timeout} is dropped with
 * {@link #abort()}, which discards its queue. A failed or closed connection is seen through the
 * response's close and exception handlers.
 */
final class VertxEventSink implements EventSink {

    private static final byte[] ID = "id:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "\nevent:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    /** Bytes queued in the server for one client above which it counts as busy: a few events' worth. */
    static final int WRITE_QUEUE_BYTES = 16 * 1024;

    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final Executor loop;
    private volatile boolean closed;

    /** Starts the stream: status 200, the event-stream headers, sent at once. */
    VertxEventSink(HttpServerRequest request) {
        this.request = request;
        this.response = request.response();
        // The connection's Netty event loop itself: one Executor per loop thread (shared by every sink on
        // it, so the fan-out groups by it), and running there makes each write a direct one.
        Context context = Vertx.currentContext();
        this.loop = context instanceof ContextInternal internal ? internal.nettyEventLoop() : null;
        response.closeHandler(ignored -> closed = true);
        response.exceptionHandler(ignored -> closed = true);
        response.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
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

    /** The write queue is over {@link #WRITE_QUEUE_BYTES}: the client has not taken what was sent. */
    @Override
    public boolean busy() {
        try {
            return response.writeQueueFull();
        } catch (RuntimeException e) { // the response ended meanwhile
            return false;
        }
    }

    @Override
    public void send(long id, EncodedEvent event, Consumer<Throwable> done) {
        if (event.shared()) {
            write(Buffer.buffer(event.sharedFrame(id)), done);
            return;
        }
        byte[] data = event.json;
        write(Buffer.buffer(data.length + event.name.length() + 40)
                .appendBytes(ID).appendString(Long.toString(id))
                .appendBytes(EVENT).appendString(event.name)
                .appendBytes(DATA).appendBytes(data)
                .appendBytes(END), done);
    }

    @Override
    public void comment(String text, Consumer<Throwable> done) {
        write(Buffer.buffer(":" + text + "\n\n"), done);
    }

    /** Hands the event to the connection; {@code done} runs at once (see the class comment). */
    private void write(Buffer event, Consumer<Throwable> done) {
        try {
            response.write(event, null);
        } catch (RuntimeException e) { // the response ended meanwhile
            done.accept(e);
            return;
        }
        done.accept(null);
    }

    @Override
    public void abort() {
        closed = true;
        drop(request);
    }

    /**
     * Drops a request's connection at once, discarding what is queued for it. Vert.x's own close and reset of
     * an HTTP/1.1 response close the connection only after the queued bytes are written, which for a client
     * that stopped reading is never; so the Netty channel (reached through Vert.x's connection
     * implementation) is closed directly, with {@code SO_LINGER} 0 so that the kernel discards its send
     * buffer too and resets the connection. An HTTP/2 stream is reset, which discards its queue.
     */
    static void drop(HttpServerRequest request) {
        try {
            if (request.version() != HttpVersion.HTTP_2 && request.connection() instanceof ConnectionBase connection) {
                Channel channel = connection.channel();
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
                channel.close();
            } else {
                request.response().reset();
            }
        } catch (RuntimeException ignored) {
            // already gone
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
