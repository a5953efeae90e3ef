package io.standings.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The applied positions of memory: what a read's token says, and what a read-after-write waits for. A wait is
 * resolved exactly once — at once when memory already holds it, else by the move that gets there — and never
 * after it was cancelled; a rebuild or recovery may move positions back; the token is the positions, in
 * numeric partition order, after every move.
 */
class AppliedPositionsTest {

    private final AppliedPositions positions = new AppliedPositions();

    /** A wait for {@code wanted}, counting how often it is resolved. */
    private static class Wait implements AppliedPositions.Waiter {
        final Map<Integer, Long> wanted;
        final AtomicInteger done = new AtomicInteger();

        Wait(Map<Integer, Long> wanted) {
            this.wanted = wanted;
        }

        @Override
        public boolean reached(AppliedPositions p) {
            return p.holds(wanted);
        }

        @Override
        public void done() {
            done.incrementAndGet();
        }
    }

    @Test
    void aWaiterIsDoneExactlyOnceByTheMoveThatReachesIt() {
        Wait wait = new Wait(Map.of(0, 5L, 1, 3L));
        positions.whenReached(wait);
        assertThat(wait.done).hasValue(0);

        positions.set(0, 5);
        assertThat(wait.done).as("partition 1 is not there yet").hasValue(0);
        positions.set(1, 2);
        assertThat(wait.done).hasValue(0);
        positions.set(1, 3);
        assertThat(wait.done).as("done by the move that reached it, on its thread").hasValue(1);

        positions.set(1, 4);
        positions.replaceAll(Map.of(0, 9L, 1, 9L));
        positions.set(0, 10);
        assertThat(wait.done).as("never again").hasValue(1);
    }

    @Test
    void aWaiterAlreadyReachedIsDoneAtOnceAndOnlyOnce() {
        positions.set(0, 5);
        positions.set(2, 0);
        Wait wait = new Wait(Map.of(0, 4L, 2, 0L));
        positions.whenReached(wait);
        assertThat(wait.done).as("done before whenReached returns").hasValue(1);

        positions.set(0, 6);
        positions.set(2, 1);
        assertThat(wait.done).hasValue(1);
    }

    /**
     * A move lands between the wait's first look (not reached) and its registration: it finds no waiter to resolve,
     * so the registration must look again, or the wait would hang until the next move.
     */
    @Test
    void aMoveBetweenTheFirstLookAndTheRegistrationIsNotLost() throws Exception {
        Wait wait = new Wait(Map.of(0, 10L)) {
            boolean looked;

            @Override
            public boolean reached(AppliedPositions p) {
                boolean reached = super.reached(p);
                if (!looked) {
                    looked = true;
                    Thread mover = new Thread(() -> p.set(0, 10));
                    mover.start();
                    try {
                        mover.join(10_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return reached;
            }
        };
        positions.whenReached(wait);
        assertThat(positions.of(0)).isEqualTo(10);
        assertThat(wait.done).as("resolved without another move").hasValue(1);
    }

    @Test
    void aWaitForNothingIsDoneAtOnce() {
        Wait wait = new Wait(Map.of());
        positions.whenReached(wait);
        assertThat(wait.done).hasValue(1);
    }

    @Test
    void aCancelledWaiterIsNeverDone() {
        Wait cancelled = new Wait(Map.of(0, 10L));
        Wait other = new Wait(Map.of(0, 10L));
        positions.whenReached(cancelled);
        positions.whenReached(other);
        positions.cancel(cancelled);

        positions.set(0, 10);
        assertThat(cancelled.done).hasValue(0);
        assertThat(other.done).as("cancel removes that waiter only").hasValue(1);
        positions.cancel(other); // after it was done: nothing happens
        positions.set(0, 11);
        assertThat(other.done).hasValue(1);
    }

    @Test
    void replaceAllMovesPositionsBackAndForgetsPartitionsItDoesNotName() {
        positions.set(0, 10);
        positions.set(1, 5);
        positions.replaceAll(Map.of(0, 3L, 2, 7L));

        assertThat(positions.of(0)).as("back to the older checkpoint").isEqualTo(3);
        assertThat(positions.of(1)).as("not named: none").isEqualTo(-1);
        assertThat(positions.of(2)).isEqualTo(7);
        assertThat(positions.snapshot()).containsExactly(Map.entry(0, 3L), Map.entry(2, 7L));
        assertThat(positions.holds(Map.of(0, 3L))).isTrue();
        assertThat(positions.holds(Map.of(0, 4L))).as("no longer held after moving back").isFalse();
        assertThat(positions.holds(Map.of(1, 0L))).isFalse();
        assertThat(positions.token()).isEqualTo("0:3,2:7");

        positions.set(0, 1);
        assertThat(positions.of(0)).as("set may move back too").isEqualTo(1);
        assertThat(positions.token()).isEqualTo("0:1,2:7");
    }

    @Test
    void aWaiterReachedByReplaceAllIsDone() {
        Wait wait = new Wait(Map.of(0, 4L, 1, 1L));
        positions.whenReached(wait);
        positions.replaceAll(Map.of(0, 4L, 1, 1L));
        assertThat(wait.done).hasValue(1);
    }

    @Test
    void theTokenIsThePositionsInNumericPartitionOrderAfterEveryMove() {
        assertThat(positions.token()).as("none yet").isEmpty();
        assertThat(positions.of(0)).isEqualTo(-1);
        positions.set(10, 2);
        assertThat(positions.token()).isEqualTo("10:2");
        positions.set(2, 1790);
        positions.set(0, 1841);
        assertThat(positions.token()).as("10 after 2: numbers, not text").isEqualTo("0:1841,2:1790,10:2");
        assertThat(positions.token()).as("asked again without a move").isEqualTo("0:1841,2:1790,10:2");
        positions.set(2, 1903);
        assertThat(positions.token()).isEqualTo("0:1841,2:1903,10:2");
        assertThat(PositionToken.parse(positions.token())).isEqualTo(positions.snapshot());
        positions.replaceAll(Map.of());
        assertThat(positions.token()).isEmpty();
    }

    /**
     * The token formatting is cached per move. Two reads ask for it around one move: the first formats the
     * positions before the move and is slow to store its text; the second formats after the move. Whatever
     * order they store in, the token afterwards is the positions after the move — never the older text (which
     * would stay until the next move: on an idle partition, indefinitely; after a move back, a position memory
     * does not hold).
     */
    @Test
    void aTokenFormattedBeforeAMoveNeverOutlivesIt() throws Exception {
        for (boolean back : new boolean[] {false, true}) {
            CountDownLatch formatted = new CountDownLatch(1);
            CountDownLatch store = new CountDownLatch(1);
            Thread[] slow = new Thread[1];
            AppliedPositions p = new AppliedPositions() {
                @Override
                public Map<Integer, Long> snapshot() {
                    Map<Integer, Long> s = super.snapshot();
                    if (Thread.currentThread() == slow[0]) {
                        formatted.countDown();
                        await(store);
                    }
                    return s;
                }
            };
            p.set(0, 5);
            slow[0] = new Thread(p::token);
            slow[0].start();
            assertThat(formatted.await(10, TimeUnit.SECONDS)).isTrue();
            if (back) {
                p.replaceAll(Map.of(0, 1L)); // a recovery to an older checkpoint
            } else {
                p.set(0, 9);
            }
            String after = back ? "0:1" : "0:9";
            assertThat(p.token()).isEqualTo(after);
            store.countDown();
            slow[0].join(10_000);
            assertThat(p.token()).as("the token after the slow read stored its text (moved back: %s)", back)
                    .isEqualTo(after).isEqualTo(PositionToken.format(p.snapshot()));
        }
    }

    /**
     * Many waits registered while other threads move the positions: each is done exactly once, none is lost
     * between its first look and its registration.
     */
    @Test
    void concurrentWaitsAreEachDoneExactlyOnce() throws Exception {
        int partitions = 3;
        long last = 2_000;
        ExecutorService pool = Executors.newFixedThreadPool(partitions + 2);
        try {
            List<Wait> waits = new ArrayList<>();
            java.util.Random random = new java.util.Random(7);
            for (int i = 0; i < 3_000; i++) {
                waits.add(new Wait(Map.of(random.nextInt(partitions), (long) random.nextInt((int) last + 1))));
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> tasks = new ArrayList<>();
            for (int partition = 0; partition < partitions; partition++) {
                int part = partition;
                tasks.add(pool.submit(() -> {
                    await(go);
                    for (long offset = 0; offset <= last; offset++) {
                        positions.set(part, offset);
                    }
                }));
            }
            for (int half = 0; half < 2; half++) {
                List<Wait> mine = waits.subList(half * waits.size() / 2, (half + 1) * waits.size() / 2);
                tasks.add(pool.submit(() -> {
                    await(go);
                    mine.forEach(positions::whenReached);
                }));
            }
            go.countDown();
            for (Future<?> t : tasks) {
                t.get(30, TimeUnit.SECONDS);
            }
            for (Wait w : waits) {
                assertThat(w.done).as("wait for %s", w.wanted).hasValue(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
