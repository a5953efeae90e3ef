package io.standings.http.sse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One state's event as it goes out: its name and its {@code data:} JSON, encoded once per state and shared,
 * never modified, by every subscriber that gets it.
 *
 * <p>A large event ({@link #SHARED_MIN_BYTES} bytes of JSON or more: a long top list) is also kept once as
 * the bytes of the frame after its {@code id:} line ({@code event:…\ndata:…\n\n}) in read-only direct
 * memory, and {@link #sharedFrame} makes each subscriber's event as its own small {@code id:} line followed by
 * that shared buffer. The connection's transport writes direct buffers as they are (it copies heap ones
 * into a direct buffer per connection first), so however many subscribers get a top-1000 list and however
 * long one of them leaves it unread in its connection's queue, the server holds its bytes once. The
 * direct memory belongs to the garbage collector: it is freed once no state, subscription or connection
 * refers to it, with no reference counting to get wrong. Smaller events are copied per write: that costs
 * less than a direct allocation per write, and a stalled client's copy is bounded by its write queue.
 */
final class EncodedEvent {

    /** JSON at least this long is written from one shared direct buffer. */
    static final int SHARED_MIN_BYTES = 4096;

    private static final byte[] EVENT = "event:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\ndata:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    final String name;
    /** UTF-8 JSON without line breaks. */
    final byte[] json;
    /** {@code event:<name>\ndata:<json>\n\n}, read-only direct memory, made on first use (large events only). */
    private volatile ByteBuf tail;

    EncodedEvent(String name, byte[] json) {
        this.name = name;
        this.json = json;
    }

    /** True when the event is written through {@link #sharedFrame} rather than copied per subscriber. */
    boolean shared() {
        return json.length >= SHARED_MIN_BYTES;
    }

    /**
     * The whole event for one subscriber of a {@link #shared()} event:
     * {@code id:<id>\nevent:<name>\ndata:<json>\n\n} as a composite of a small direct buffer (the
     * {@code id:} line, its own) and a view of the shared tail. Direct throughout, so the transport writes it
     * without a copy; nothing needs releasing.
     */
    ByteBuf sharedFrame(long id) {
        byte[] idLine = ("id:" + id + "\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer head = ByteBuffer.allocateDirect(idLine.length).put(idLine).flip();
        return Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(head), tail().duplicate());
    }

    /** The shared tail (made once; a rare race makes a second, equal one, which is harmless). */
    ByteBuf tail() {
        ByteBuf t = tail;
        if (t == null) {
            byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
            ByteBuffer direct = ByteBuffer.allocateDirect(EVENT.length + nameBytes.length + DATA.length + json.length
                    + END.length);
            direct.put(EVENT).put(nameBytes).put(DATA).put(json).put(END).flip();
            t = Unpooled.wrappedBuffer(direct.asReadOnlyBuffer());
            tail = t;
        }
        return t;
    }
}
