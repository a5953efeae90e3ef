package io.standings.testing;

import io.standings.core.index.Order;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A steady stream of keyed {@code incr} events over Zipf-distributed entities of one board, produced in
 * the background until stopped, with the reference state kept alongside. Every event changes its
 * entity's score, so the reference's reachedAt is the time of the entity's last event.
 */
public final class IncrementStream {

    private static final int CHUNK = 200;

    private final TestRun run;
    private final String board;
    private final int entities;
    private final long seed;
    private final ReferenceBoard reference = new ReferenceBoard(Order.DESC);
    private final AtomicBoolean streaming = new AtomicBoolean(true);
    private final AtomicInteger produced = new AtomicInteger();
    private CompletableFuture<Void> producer;

    public IncrementStream(TestRun run, String board, int entities, long seed) {
        this.run = run;
        this.board = board;
        this.entities = entities;
        this.seed = seed;
    }

    public IncrementStream start() {
        long base = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();
        producer = CompletableFuture.runAsync(() -> {
            Random r = new Random(seed);
            for (int i = 0; streaming.get() || i % CHUNK != 0; i++) {
                String entity = "p" + zipf(r, entities);
                int value = 1 + r.nextInt(5);
                long ts = base + i;
                reference.incr(entity, value, ts);
                run.sendAsync(board + "/" + entity, "{\"board\":\"" + board + "\",\"entity\":\"" + entity
                        + "\",\"op\":\"incr\",\"value\":" + value + ",\"ts\":\"" + Instant.ofEpochMilli(ts) + "\"}");
                produced.incrementAndGet();
                if (i % CHUNK == CHUNK - 1) {
                    run.flush();
                    ServiceProcess.sleep(100);
                }
            }
            run.flush();
        });
        return this;
    }

    /** Stops producing (at a chunk boundary) and returns how many events were produced. */
    public int stop() {
        streaming.set(false);
        try {
            producer.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the producer failed", e.getCause());
        }
        return produced.get();
    }

    public int produced() {
        return produced.get();
    }

    public ReferenceBoard reference() {
        return reference;
    }

    /** A Zipf-like draw over [0, n): a few entities get most of the events. */
    public static int zipf(Random random, int n) {
        double u = random.nextDouble();
        return (int) Math.min(n - 1, Math.floor(Math.pow(n + 1, u)) - 1);
    }
}
