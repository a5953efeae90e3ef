package io.standings.http.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * {@link Subscription#flush} on a scripted sink, with the clock passed in: when a stalled client is dropped,
 * and that every way a subscription ends releases it exactly once.
 */
class SubscriptionTest {

    private static final long MS = 1_000_000L;
    private static final long MIN_INTERVAL = 50 * MS;
    private static final long HEARTBEAT = 15_000 * MS;
    private static final long STALL = 30_000 * MS;

    /** A sink whose state the test sets; it records what the subscription did to it. */
    static final class ScriptedSink implements EventSink {
        boolean busy;
        boolean closedByClient;
        /** null: complete each write at once; otherwise complete it with this failure. */
        RuntimeException failWrites;
        /** Leave writes unfinished (a JAX-RS write the client does not take). */
        boolean holdWrites;
        final List<Long> sentIds = new ArrayList<>();
        int comments;
        int closes;
        int aborts;

        @Override
        public boolean isClosed() {
            return closedByClient;
        }

        @Override
        public boolean busy() {
            return busy;
        }

        @Override
        public void send(long id, EncodedEvent event, Consumer<Throwable> done) {
            sentIds.add(id);
            complete(done);
        }

        @Override
        public void comment(String text, Consumer<Throwable> done) {
            comments++;
            complete(done);
        }

        private void complete(Consumer<Throwable> done) {
            if (!holdWrites) {
                done.accept(failWrites);
            }
        }

        @Override
        public void close() {
            closes++;
        }

        @Override
        public void abort() {
            aborts++;
        }
    }

    private final ScriptedSink sink = new ScriptedSink();
    private final AtomicInteger released = new AtomicInteger();
    private final Subscription subscription = new Subscription(null, Subscription.Topic.top("b", 10), "203.0.113.1",
            sink, s -> released.incrementAndGet(), nanos -> { }, 0);
    private int states;

    private void offer() {
        states++;
        subscription.offer(new StreamState(List.of(states), states,
                new EncodedEvent("top", ("{\"n\":" + states + "}").getBytes(StandardCharsets.UTF_8)), 0));
    }

    private void flush(long nowMs) {
        subscription.flush(nowMs * MS, MIN_INTERVAL, HEARTBEAT, STALL);
    }

    @Test
    void aClientIsDroppedWhenItsConnectionHasNotDrainedForTheStallTimeout() {
        offer();
        flush(0);
        assertThat(sink.sentIds).containsExactly(1L);
        sink.busy = true; // the client stopped reading
        offer();
        flush(100);       // first flush that finds it undrained: the clock starts
        flush(20_000);
        flush(30_099);
        assertThat(sink.aborts).isZero();
        assertThat(sink.sentIds).as("nothing is written to a busy connection").containsExactly(1L);
        assertThat(sink.comments).as("no heartbeat either").isZero();
        flush(30_100);
        assertThat(sink.aborts).isEqualTo(1);
        assertThat(sink.closes).isZero();
        assertThat(released).hasValue(1);
        assertThat(subscription.stalled()).isTrue();
        assertThat(subscription.isClosed()).isTrue();
        flush(40_000);
        subscription.close();
        assertThat(released).as("released once").hasValue(1);
        assertThat(sink.aborts + sink.closes).isEqualTo(1);
    }

    @Test
    void aConnectionThatDrainsInBetweenStartsTheClockAgain() {
        offer();
        flush(0);
        sink.busy = true;
        flush(100);
        flush(29_000);
        sink.busy = false; // it read what was queued
        offer();
        flush(29_100);
        assertThat(sink.sentIds).containsExactly(1L, 2L);
        sink.busy = true;
        flush(29_200);
        flush(59_100);
        assertThat(sink.aborts).isZero();
        flush(59_200);
        assertThat(sink.aborts).isEqualTo(1);
        assertThat(released).hasValue(1);
    }

    @Test
    void aWriteThatNeverCompletesCountsAsNotDrained() {
        sink.holdWrites = true; // the JAX-RS sink: one write in flight until the client takes it
        offer();
        flush(0);
        offer();
        flush(1_000);
        flush(31_000);
        assertThat(sink.sentIds).containsExactly(1L);
        assertThat(sink.aborts).isEqualTo(1);
        assertThat(subscription.stalled()).isTrue();
        assertThat(released).hasValue(1);
    }

    @Test
    void aFailedWriteDropsTheConnectionAndReleasesOnce() {
        sink.failWrites = new IllegalStateException("response ended");
        offer();
        flush(0);
        assertThat(sink.aborts).isEqualTo(1);
        assertThat(sink.closes).isZero();
        assertThat(released).hasValue(1);
        assertThat(subscription.stalled()).isFalse();
        offer();
        flush(1_000);
        subscription.close();
        assertThat(sink.sentIds).containsExactly(1L);
        assertThat(released).hasValue(1);
    }

    @Test
    void aClientThatWentAwayIsClosedInOrderAndReleasedOnce() {
        offer();
        flush(0);
        sink.closedByClient = true;
        sink.busy = true; // a closed connection counts as gone, not as stalled
        flush(100);
        assertThat(sink.closes).isEqualTo(1);
        assertThat(sink.aborts).isZero();
        assertThat(released).hasValue(1);
        assertThat(subscription.stalled()).isFalse();
        flush(40_000);
        assertThat(released).hasValue(1);
    }
}
