package io.standings.http.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.UnixChannelUtil;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A large event's bytes exist once, in direct memory the transport writes without copying. */
class EncodedEventTest {

    private static String json(int entries) {
        StringBuilder out = new StringBuilder("{\"board\":\"b\",\"limit\":1000,\"entries\":[");
        for (int i = 0; i < entries; i++) {
            out.append(i == 0 ? "" : ",").append("{\"entity\":\"ünïcødé-").append(i).append("\",\"score\":").append(i)
                    .append(",\"rank\":").append(i + 1).append(",\"ordinalRank\":").append(i + 1).append('}');
        }
        return out.append("]}").toString();
    }

    @Test
    void aLargeEventIsOneSharedReadOnlyDirectBufferBehindEachSubscribersIdLine() {
        String data = json(1000);
        EncodedEvent event = new EncodedEvent("top", data.getBytes(StandardCharsets.UTF_8));
        assertThat(event.shared()).isTrue();

        ByteBuf first = event.sharedFrame(1);
        ByteBuf later = event.sharedFrame(123456789L);
        assertThat(first.toString(StandardCharsets.UTF_8)).isEqualTo("id:1\nevent:top\ndata:" + data + "\n\n");
        assertThat(later.toString(StandardCharsets.UTF_8)).isEqualTo("id:123456789\nevent:top\ndata:" + data + "\n\n");

        // Both frames are views of the same tail: the JSON's bytes exist once.
        assertThat(first).isInstanceOf(CompositeByteBuf.class);
        assertThat(((CompositeByteBuf) first).numComponents()).isEqualTo(2);
        ByteBuf tail = event.tail();
        assertThat(tail.isDirect()).isTrue();
        assertThat(tail.isReadOnly()).isTrue();
        assertThatThrownBy(() -> tail.setByte(0, 'x')).isInstanceOf(java.nio.ReadOnlyBufferException.class);
        if (tail.hasMemoryAddress()) {
            assertThat(((CompositeByteBuf) first).component(1).memoryAddress()).isEqualTo(tail.memoryAddress());
            assertThat(((CompositeByteBuf) later).component(1).memoryAddress()).isEqualTo(tail.memoryAddress());
        }
        assertThat(event.tail()).isSameAs(tail);
    }

    @Test
    void theTransportWritesASharedFrameAsItIsButCopiesAHeapOne() {
        EncodedEvent event = new EncodedEvent("top", json(1000).getBytes(StandardCharsets.UTF_8));
        // What Vert.x hands to Netty for a written Buffer: a slice, wrapped so that Netty does not release it.
        ByteBuf written = Buffer.buffer(event.sharedFrame(42)).getByteBuf();
        // NIO copies a buffer that is not direct; epoll (native transport) one without a memory address
        // that is not direct or has too many parts.
        ByteBuf heap = Buffer.buffer(event.json).getByteBuf();
        assertThat(written.isDirect()).isTrue();
        assertThat(heap.isDirect()).as("the check means something: a heap buffer is copied").isFalse();
        if (Epoll.isAvailable()) { // loads the native transport this service prefers on Linux
            assertThat(UnixChannelUtil.isBufferCopyNeededForWrite(written)).isFalse();
            assertThat(UnixChannelUtil.isBufferCopyNeededForWrite(heap)).isTrue();
        }
        // Writing consumes the view only: the next subscriber's frame is whole.
        written.skipBytes(written.readableBytes());
        assertThat(event.sharedFrame(43).toString(StandardCharsets.UTF_8))
                .isEqualTo("id:43\nevent:top\ndata:" + new String(event.json, StandardCharsets.UTF_8) + "\n\n");
    }

    @Test
    void smallEventsAreNotShared() {
        assertThat(new EncodedEvent("entry", new byte[EncodedEvent.SHARED_MIN_BYTES - 1]).shared()).isFalse();
        assertThat(new EncodedEvent("entry", new byte[EncodedEvent.SHARED_MIN_BYTES]).shared()).isTrue();
    }
}
