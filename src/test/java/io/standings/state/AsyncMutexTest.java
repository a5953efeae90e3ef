package io.standings.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniSubscriber;
import io.smallrye.mutiny.subscription.UniSubscription;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The mutex behind the {@link SnapshotGate}: one holder at a time, waiters served in the order they asked,
 * and a grant is never lost, whether a waiter times out, is cancelled, or gives up just as it is served.
 */
class AsyncMutexTest {

    private final AsyncMutex mutex = new AsyncMutex();

    @Test
    void aFreeMutexIsGrantedAtOnceAndCountsTheGrant() {
        mutex.acquire(null).await().atMost(Duration.ofSeconds(1));
        assertThat(mutex.isHeld()).isTrue();
        assertThat(mutex.grants()).isEqualTo(1);
        mutex.release();
        assertThat(mutex.isHeld()).isFalse();
    }

    @Test
    void waitersAreServedOneAtATimeInTheOrderTheyAsked() {
        mutex.acquire(null).await().indefinitely();
        List<Integer> served = new ArrayList<>();
        List<UniAssertSubscriber<Void>> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            waiters.add(mutex.acquire(null).invoke(() -> served.add(n))
                    .subscribe().withSubscriber(UniAssertSubscriber.create()));
        }
        assertThat(served).isEmpty();
        for (int i = 0; i < 5; i++) {
            mutex.release();
            assertThat(served).containsExactly(range(i + 1));
            assertThat(mutex.isHeld()).isTrue();
        }
        mutex.release();
        assertThat(mutex.isHeld()).isFalse();
        assertThat(mutex.grants()).isEqualTo(6);
    }

    @Test
    void runReleasesWhenItsBodySucceedsFailsOrThrows() {
        assertThat(mutex.run(() -> Uni.createFrom().item(7)).await().indefinitely()).isEqualTo(7);
        assertThat(mutex.isHeld()).isFalse();

        assertThatThrownBy(() -> mutex.run(() -> Uni.createFrom().failure(new IllegalStateException("boom")))
                .await().indefinitely()).hasMessage("boom");
        assertThat(mutex.isHeld()).isFalse();

        assertThatThrownBy(() -> mutex.run(() -> {
            throw new IllegalArgumentException("thrown");
        }).await().indefinitely()).hasMessage("thrown");
        assertThat(mutex.isHeld()).isFalse();
    }

    @Test
    void runHoldsTheMutexUntilItsBodyTerminates() {
        CompletableFuture<String> body = new CompletableFuture<>();
        UniAssertSubscriber<String> first = mutex.<String>run(() -> Uni.createFrom().completionStage(body))
                .subscribe().withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<Integer> second = mutex.run(() -> Uni.createFrom().item(2))
                .subscribe().withSubscriber(UniAssertSubscriber.create());
        second.assertNotTerminated();
        body.complete("done");
        first.assertItem("done");
        second.assertItem(2);
        assertThat(mutex.isHeld()).isFalse();
    }

    @Test
    void aWaiterThatTimesOutFailsAndLeavesTheQueue() {
        mutex.acquire(null).await().indefinitely();
        assertThatThrownBy(() -> mutex.acquire(Duration.ofMillis(50)).await().atMost(Duration.ofSeconds(5)))
                .isInstanceOf(AsyncMutex.GateTimeoutException.class);
        mutex.release();
        assertThat(mutex.isHeld()).as("the timed-out waiter must not have been handed the mutex").isFalse();
        mutex.acquire(Duration.ofMillis(50)).await().atMost(Duration.ofSeconds(5));
        assertThat(mutex.isHeld()).isTrue();
    }

    @Test
    void aCancelledWaiterLeavesTheQueueAndTheNextOneIsServed() {
        mutex.acquire(null).await().indefinitely();
        UniAssertSubscriber<Void> cancelled = mutex.acquire(null).subscribe()
                .withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<Void> next = mutex.acquire(null).subscribe()
                .withSubscriber(UniAssertSubscriber.create());
        cancelled.cancel();
        mutex.release();
        next.assertCompleted();
        mutex.release();
        assertThat(mutex.isHeld()).isFalse();
    }

    @Test
    void aWaiterCancelledAfterTheHandOverButBeforeItsContextRanPassesTheMutexOn() throws Exception {
        // The hand-over reaches a waiter on its own Vert.x context. If the waiter is cancelled while that
        // context is busy, the grant it will never see must go to the next waiter, not stay held forever.
        Vertx vertx = Vertx.vertx();
        try {
            Context context = vertx.getOrCreateContext();
            mutex.acquire(null).await().indefinitely();
            CompletableFuture<Cancellable> subscribed = new CompletableFuture<>();
            context.runOnContext(v -> subscribed.complete(mutex.acquire(null).subscribe().with(x -> {
            })));
            Cancellable waiter = subscribed.get(5, TimeUnit.SECONDS);

            CountDownLatch contextBusy = new CountDownLatch(1);
            CountDownLatch unblock = new CountDownLatch(1);
            context.runOnContext(v -> {
                contextBusy.countDown();
                await(unblock);
            });
            assertThat(contextBusy.await(5, TimeUnit.SECONDS)).isTrue();
            mutex.release(); // handed to the waiter; its context will only see it after the busy task
            waiter.cancel();
            unblock.countDown();

            assertThat(mutex.isHeld()).as("the cancelled waiter passed the mutex on").isFalse();
            mutex.acquire(Duration.ofSeconds(1)).await().atMost(Duration.ofSeconds(5));
            mutex.release();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void manyRacingAcquirersNeverOverlapAndAllAreServed() throws Exception {
        int threads = 8;
        int rounds = 500;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<CompletableFuture<Void>> all = Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < threads; t++) {
                pool.execute(() -> {
                    for (int r = 0; r < rounds; r++) {
                        all.add(mutex.run(() -> Uni.createFrom().item(() -> {
                            if (inside.incrementAndGet() != 1) {
                                overlaps.incrementAndGet();
                            }
                            inside.decrementAndGet();
                            done.incrementAndGet();
                            return (Void) null;
                        })).subscribeAsCompletionStage());
                    }
                });
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(overlaps).hasValue(0);
        assertThat(done).hasValue(threads * rounds);
        assertThat(mutex.grants()).isEqualTo((long) threads * rounds);
        assertThat(mutex.isHeld()).isFalse();
    }

    @Test
    void waitersThatTimeOutOrCancelAtRandomNeverLoseTheMutex() throws Exception {
        // Waiters give up (time out, or cancel) around the moment they are served; a waiter that is served
        // releases. Whatever the interleaving, every waiter ends, the mutex ends free, and a fresh acquirer
        // gets it. (A subscriber that receives the grant holds the mutex even if it had cancelled meanwhile:
        // cancelling races the item, and the item won.)
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch ended = new CountDownLatch(400);
        AtomicInteger served = new AtomicInteger();
        try {
            for (int i = 0; i < 400; i++) {
                int n = i;
                pool.execute(() -> {
                    Holder holder = new Holder(ended, served);
                    mutex.acquire(Duration.ofMillis(1 + n % 3)).subscribe().withSubscriber(holder);
                    if (n % 5 == 0) {
                        holder.cancel();
                    }
                });
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            pool.shutdownNow();
        }
        mutex.acquire(Duration.ofSeconds(5)).await().atMost(Duration.ofSeconds(10));
        assertThat(mutex.isHeld()).isTrue();
        mutex.release();
        assertThat(mutex.isHeld()).isFalse();
        assertThat(served.get()).isPositive();
    }

    /** A caller that releases the mutex whenever it is granted, and may cancel its wait. */
    private final class Holder implements UniSubscriber<Void> {
        private final CountDownLatch ended;
        private final AtomicInteger served;
        private volatile UniSubscription subscription;

        Holder(CountDownLatch ended, AtomicInteger served) {
            this.ended = ended;
            this.served = served;
        }

        @Override
        public void onSubscribe(UniSubscription subscription) {
            this.subscription = subscription;
        }

        @Override
        public void onItem(Void item) {
            served.incrementAndGet();
            mutex.release();
            ended.countDown();
        }

        @Override
        public void onFailure(Throwable failure) {
            ended.countDown();
        }

        void cancel() {
            subscription.cancel();
            ended.countDown();
        }
    }

    @Test
    void aRunCancelledWhileQueuedNeverRunsItsBodyAndPassesTheMutexOnWhenGranted() {
        mutex.acquire(null).await().indefinitely();
        AtomicInteger ran = new AtomicInteger();
        UniAssertSubscriber<Integer> cancelled = mutex.run(() -> Uni.createFrom().item(ran.incrementAndGet()))
                .subscribe().withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<Integer> next = mutex.run(() -> Uni.createFrom().item(2))
                .subscribe().withSubscriber(UniAssertSubscriber.create());
        cancelled.cancel();
        mutex.release();
        next.assertItem(2);
        assertThat(ran).hasValue(0);
        assertThat(mutex.isHeld()).isFalse();
    }

    @Test
    void aRunCancelledWhileItsBodyRunsCancelsTheBodyAndReleases() {
        AtomicInteger bodyCancelled = new AtomicInteger();
        UniAssertSubscriber<Object> running = mutex.run(() -> Uni.createFrom().nothing()
                .onCancellation().invoke(bodyCancelled::incrementAndGet))
                .subscribe().withSubscriber(UniAssertSubscriber.create());
        assertThat(mutex.isHeld()).isTrue();
        running.cancel();
        assertThat(bodyCancelled).hasValue(1);
        assertThat(mutex.isHeld()).isFalse();
    }

    @Test
    void runsCancelledAtRandomFromOtherThreadsNeverLoseTheMutex() throws Exception {
        // Cancels race the grants (delivered on whichever thread releases): every run either runs its body once
        // and releases, or never runs it; the mutex ends free either way.
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        try {
            for (int i = 0; i < 2000; i++) {
                int n = i;
                pool.execute(() -> {
                    Cancellable c = mutex.run(() -> Uni.createFrom().item(() -> {
                        if (inside.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        inside.decrementAndGet();
                        return n;
                    })).subscribe().with(x -> {
                    });
                    if (n % 3 == 0) {
                        c.cancel();
                    }
                });
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            pool.shutdownNow();
        }
        mutex.acquire(Duration.ofSeconds(5)).await().atMost(Duration.ofSeconds(10));
        mutex.release();
        assertThat(overlaps).hasValue(0);
        assertThat(mutex.isHeld()).isFalse();
    }

    @Test
    void theSnapshotGateIsAnAsyncMutex() {
        SnapshotGate gate = new SnapshotGate();
        long before = gate.grants();
        gate.run(() -> Uni.createFrom().voidItem()).await().indefinitely();
        assertThat(gate.grants()).isEqualTo(before + 1);
        assertThat(gate.isHeld()).isFalse();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Integer[] range(int n) {
        Integer[] r = new Integer[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }
}
