package io.standings.core.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One writer applies batches that keep two invariants; readers on other threads check them on
 * every read. (1) Transfers: each batch moves integer amounts between "acct" entities, so their
 * sum stays constant. (2) Stamps: each batch sets every "stamp" entity to the batch number, so all
 * stamps are equal. A reader that saw part of a batch would see a wrong sum or unequal stamps.
 */
class ReadersNeverSeeHalfAppliedBatchTest {
    private static final int ACCOUNTS = 300;
    private static final int STAMPS = 40;
    private static final long TOTAL = ACCOUNTS * 1000L;

    @ParameterizedTest
    @ValueSource(strings = {"board", "treemap"})
    void readersSeeBeforeOrAfterNeverBetween(String kind) throws Exception {
        RankIndex index = kind.equals("board") ? new BoardIndex(Order.DESC, 4, 4) : new TreeMapBoardIndex(Order.DESC);
        index.applyBatch(w -> {
            for (int i = 0; i < ACCOUNTS; i++) {
                w.upsert("acct" + i, 1000, 0);
            }
            for (int i = 0; i < STAMPS; i++) {
                w.upsert("stamp" + i, 0, 0);
            }
        });
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        AtomicLong batches = new AtomicLong();
        CountDownLatch started = new CountDownLatch(3);

        Thread writer = new Thread(() -> {
            Random rnd = new Random(42);
            long b = 0;
            while (!stop.get()) {
                long batch = ++b;
                index.applyBatch(w -> {
                    long[] balance = new long[ACCOUNTS];
                    for (int i = 0; i < ACCOUNTS; i++) {
                        balance[i] = (long) index.scoreOf("acct" + i).getAsDouble();
                    }
                    for (int k = 0; k < 20; k++) {
                        int from = rnd.nextInt(ACCOUNTS);
                        int to = rnd.nextInt(ACCOUNTS);
                        long amount = rnd.nextInt(50);
                        balance[from] -= amount;
                        balance[to] += amount;
                        w.upsert("acct" + from, balance[from], batch);
                        w.upsert("acct" + to, balance[to], batch);
                    }
                    for (int i = 0; i < STAMPS; i++) {
                        w.upsert("stamp" + i, batch, batch);
                    }
                });
                batches.incrementAndGet();
            }
        });

        Runnable fullScans = () -> {
            started.countDown();
            while (!stop.get()) {
                long[] sum = {0};
                double[] stamp = {Double.NaN};
                long[] expectOrdinal = {1};
                index.forEachInOrder((e, s, r, o, c, d) -> {
                    if (o != expectOrdinal[0]++) {
                        violations.add("ordinal gap at " + e);
                    }
                    if (e.startsWith("acct")) {
                        sum[0] += (long) s;
                    } else if (Double.isNaN(stamp[0])) {
                        stamp[0] = s;
                    } else if (stamp[0] != s) {
                        violations.add("stamps differ: " + stamp[0] + " vs " + s);
                    }
                });
                if (sum[0] != TOTAL) {
                    violations.add("sum " + sum[0] + " != " + TOTAL);
                }
                reads.incrementAndGet();
            }
        };
        Runnable pointReads = () -> {
            started.countDown();
            Random rnd = new Random(7);
            while (!stop.get()) {
                // All stamps tie on score and reachedAt: they must be one contiguous run with one
                // competition rank, ordered by id.
                List<Ranked> around = index.around("stamp" + rnd.nextInt(STAMPS), STAMPS);
                long stamps = around.stream().filter(r -> r.entity().startsWith("stamp")).count();
                if (stamps != STAMPS) {
                    violations.add("around saw " + stamps + " stamps");
                }
                double score = around.stream().filter(r -> r.entity().startsWith("stamp")).findFirst().orElseThrow().score();
                if (around.stream().anyMatch(r -> r.entity().startsWith("stamp") && r.score() != score)) {
                    violations.add("around saw mixed stamps");
                }
                List<Ranked> top = index.top(ACCOUNTS + STAMPS);
                if (top.size() != ACCOUNTS + STAMPS) {
                    violations.add("top size " + top.size());
                }
                reads.incrementAndGet();
            }
        };
        Thread r1 = new Thread(fullScans);
        Thread r2 = new Thread(fullScans);
        Thread r3 = new Thread(pointReads);
        writer.start();
        r1.start();
        r2.start();
        r3.start();
        started.await();
        Thread.sleep(2500);
        stop.set(true);
        for (Thread t : List.of(writer, r1, r2, r3)) {
            t.join(10_000);
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(violations).isEmpty();
        assertThat(batches.get()).as("writer made progress").isGreaterThan(10);
        assertThat(reads.get()).as("readers made progress").isGreaterThan(10);
        if (index instanceof BoardIndex board) {
            board.checkInvariants();
        }
    }
}
